"""The forecast and AI-plan pages, the growth table (typed, uploaded), the responsible person in the report, the
director's section, the progress board's list, the workbooks' sheets and the settings (issue 18)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from plans_data import CENSUS, person, report
from survey.config import ConfigError, from_environment
from survey.extensions import db
from survey.models import AuditEvent, GrowthAssumption, OrgReport
from survey.reports.services import export_profiles, export_responses, select_organizations
from survey.reports.profiles import ExportContext
from tests.pages import csrf_from
from tests.spreadsheets import xlsx_bytes

D = dt.date
ROLES = ("anonymous", "director", "district_admin", "region_admin", "national_admin")


@pytest.fixture
def world(make_org, make_user, make_campaign):
    """Region Алматы: districts Медеуский (a school with a report of 64 required hours of mathematics, a teacher at
    rate 1 reaching 61 in 2027, a young one at rate 1 who wants AI training) and Алмалинский (a school without a
    report); region Астана: district Есиль (a college). One user per role in Медеуский."""
    campaign = make_campaign("KZ26", census_date=CENSUS)
    school = make_org("school", district="Медеуский", name_ru="Школа Медеу")
    other = make_org("school", district="Алмалинский", name_ru="Школа Алмалы")
    college = make_org("college", region="Астана", district="Есиль", name_ru="Колледж Есиль")
    person(campaign, school, D(1966, 6, 15), "f", "1", [("mathematics", 16)], ai_training="none",
           ai_training_wanted=False)
    person(campaign, school, D(1995, 1, 1), "f", "1", [("mathematics", 16)], ai_training="none",
           ai_training_wanted=True, ai_use=True)
    report(campaign, school, pupils=500, required=[("mathematics", 64)])
    person(campaign, other, D(1990, 1, 1), "m", "1", [("english", 16)])
    person(campaign, college, D(1980, 1, 1), "m", "1", [("vocational_theory", 18)])
    users = {"national_admin": make_user("national_admin"),
             "region_admin": make_user("region_admin", region=school.district.region),
             "district_admin": make_user("district_admin", district=school.district),
             "director": make_user("director", organization=school)}
    db.session.flush()
    return {"campaign": campaign, "school": school, "other": other, "college": college, "users": users}


def _urls(world):
    school, other, college = world["school"], world["other"], world["college"]
    return [
        ("/admin/plans/", (302, 403, 200, 200, 200)),
        (f"/admin/plans/regions/{school.district.region_id}", (302, 403, 200, 200, 200)),
        (f"/admin/plans/regions/{college.district.region_id}", (302, 403, 404, 404, 200)),
        (f"/admin/plans/districts/{school.district_id}", (302, 403, 200, 200, 200)),
        (f"/admin/plans/districts/{other.district_id}", (302, 403, 404, 200, 200)),
        (f"/admin/plans/districts/{college.district_id}", (302, 403, 404, 404, 200)),
        ("/admin/plans/districts/99999", (302, 403, 404, 404, 404)),
        ("/admin/plans/growth.xlsx", (302, 403, 200, 200, 200)),
        (f"/admin/plans/districts/{school.district_id}?campaign=99999", (302, 403, 404, 404, 404)),
    ]


def test_role_and_scope_matrix(client, login, world):
    for url, statuses in _urls(world):
        for role, expected in zip(ROLES, statuses):
            client.get("/auth/sign-out") if role == "anonymous" else login(world["users"][role])
            if role == "anonymous":
                with client.session_transaction() as session:
                    session.clear()
            answer = client.get(url)
            assert answer.status_code == expected, (role, url, answer.status_code)


def _text(answer) -> str:
    body = answer.get_data(as_text=True)
    body = re.sub(r"<svg.*?</svg>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def test_district_page_shows_the_forecast_the_plan_and_who_is_responsible(client, login, world):
    school = world["school"]
    row = db.session.scalar(sa.select(OrgReport))
    row.digital_lead_name, row.digital_lead_contact = "Сейітова Әйгерім", "lead@school.kz"
    login(world["users"]["district_admin"])
    text = _text(client.get(f"/admin/plans/districts/{school.district_id}"))
    # demand 64 / 16 = 4 rates; supply 2 today, then 0.97 × 1 (one retires in 2027, attrition 3 %)
    assert "Demand, rates 4.0 4.0 4.0 4.0 4.0 4.0" in text
    assert "Supply, rates 2.0 1.0" in text
    assert "Gap, rates 2.0 3.0" in text
    assert "People reaching retirement age — 1 0 0 0 0" in text
    assert "Mathematics 2.0 3.0" in text  # the subject where the gap falls
    assert "Школа Медеу 2 1 2 Сейітова Әйгерім · lead@school.kz" in text  # answered, want, wave 1; lead
    assert "Школа Алмалы" not in text


def test_national_and_region_pages_list_the_places_below(client, login, world):
    login(world["users"]["national_admin"])
    text = _text(client.get("/admin/plans/"))
    assert "By region" in text and "Алматы" in text and "Астана" in text
    assert "Organizations without a person responsible for digitalization (3)" in text
    text = _text(client.get(f"/admin/plans/regions/{world['school'].district.region_id}"))
    assert "By district" in text and "Медеуский" in text and "Алмалинский" in text and "Есиль" not in text


def test_what_if_values_apply_to_the_page_only(client, login, world):
    district = world["school"].district_id
    login(world["users"]["region_admin"])
    text = _text(client.get(f"/admin/plans/districts/{district}?years=2&attrition=0&retirement_leave=50"))
    assert "2026 (today) 2027 2028 Demand" in text
    assert "Supply, rates 2.0 1.5 1.5" in text  # half of the retiring woman stays; no attrition
    assert "Some of these are your values for this page" in text
    answer = client.get(f"/admin/plans/districts/{district}?attrition=500&capacity=abc")
    assert answer.status_code == 422
    text = _text(answer)
    assert "Enter a number from 0 to 50." in text and "Supply, rates 2.0 1.0" in text  # the settings are used
    assert 'value="500"' in answer.get_data(as_text=True)  # what was typed stays in the field


def test_typed_growth_moves_the_gap_at_once(client, login, world):
    school = world["school"]
    page = f"/admin/plans/districts/{school.district_id}"
    login(world["users"]["district_admin"])
    token = csrf_from(client.get(page))
    answer = client.post(f"{page}/growth", data={"csrf_token": token, "level": "school", "kind": "percent",
                                                 "value": "10"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(page)
    text = _text(client.get(page))
    assert "Demand, rates 4.0 4.4 4.8 5.3 5.9 6.4" in text  # 4 × 1.1^t
    assert "10 %" in text
    row = db.session.scalar(sa.select(GrowthAssumption))
    assert (str(row.level), row.percent, row.pupils) == ("school", 10, None)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "growth.set"))
    assert event.actor == world["users"]["district_admin"].email and event.details["levels"] == ["school"]

    answer = client.post(f"{page}/growth", data={"csrf_token": token, "level": "", "kind": "pupils", "value": "250"})
    assert answer.status_code == 302
    rows = db.session.scalars(sa.select(GrowthAssumption)).all()
    assert sorted(str(r.level) for r in rows) == ["college", "preschool", "school"] and {r.pupils for r in rows} == {250}
    assert "Demand, rates 4.0 6.0 8.0" in _text(client.get(page))  # (500 + 250 t) / 500
    client.post(f"{page}/growth", data={"csrf_token": token, "level": "", "kind": "pupils", "value": "0"})
    assert db.session.scalars(sa.select(GrowthAssumption)).all() == []


@pytest.mark.parametrize(("data", "message"), [
    ({"kind": "percent", "value": "500"}, "Enter a per cent from -50 to 100 with at most two decimals."),
    ({"kind": "pupils", "value": "2,5"}, "Enter a whole number of pupils"),
    ({"kind": "percent", "value": "abc"}, "Not a valid decimal value"),
    ({"kind": "tons", "value": "1"}, "Choose per cent or pupils."),
    ({"level": "university", "kind": "percent", "value": "1"}, "Choose a level from the list."),
])
def test_bad_growth_is_refused_with_a_message_and_keeps_what_was_typed(client, login, world, data, message):
    page = f"/admin/plans/districts/{world['school'].district_id}"
    login(world["users"]["national_admin"])
    answer = client.post(f"{page}/growth", data={"csrf_token": csrf_from(client.get(page)), "level": "school", **data})
    assert answer.status_code == 422
    body = answer.get_data(as_text=True)
    assert message in body and f'value="{data["value"]}"' in body
    assert db.session.scalars(sa.select(GrowthAssumption)).all() == []


def test_growth_error_in_russian(client, login, world):
    page = f"/admin/plans/districts/{world['school'].district_id}"
    login(world["users"]["national_admin"])
    client.get("/lang/ru")
    answer = client.post(f"{page}/growth", data={"csrf_token": csrf_from(client.get(page)), "level": "school",
                                                 "kind": "percent", "value": "500"})
    assert "Введите процент от -50 до 100" in answer.get_data(as_text=True)


def _upload(client, rows, name="growth.xlsx"):
    token = csrf_from(client.get("/admin/plans/"))
    return client.post("/admin/plans/growth/upload", data={"csrf_token": token, "file": (io.BytesIO(xlsx_bytes(rows)),
                                                                                          name)},
                       content_type="multipart/form-data")


def test_uploaded_growth_table_is_all_or_nothing(client, login, world):
    login(world["users"]["region_admin"])
    header = ["region", "district", "level", "growth_percent", "growth_pupils"]
    answer = _upload(client, [header, ["Алматы", "Медеуский", "Школа", "2,5", None],
                              ["Астана", "Есиль", None, "1", None],  # another region: outside the scope
                              ["Алматы", "Алмалинский", "school", "1", "100"],
                              ["Алматы", "Медеуский", "school", "3", None]])
    assert answer.status_code == 422
    text = _text(answer)
    assert "Астана, Есиль: no such district in your scope" in text
    assert "give the growth in per cent or in pupils, not both" in text
    assert "the same district and level are already on row 2" in text
    assert db.session.scalars(sa.select(GrowthAssumption)).all() == []
    answer = _upload(client, [header, ["алматы", "Медеуский", "Школа", "2,5", None],
                              ["Алматы", "Алмалинский", None, None, 1200]])
    assert answer.status_code == 302
    rows = {(r.district.name, str(r.level)): (r.percent, r.pupils) for r in db.session.scalars(sa.select(GrowthAssumption))}
    assert rows[("Медеуский", "school")][0] == pytest.approx(2.5) and rows[("Алмалинский", "college")] == (None, 1200)
    assert len(rows) == 4
    assert _upload(client, [["x"]], name="growth.csv").status_code == 422


def test_growth_template_lists_the_districts_of_the_scope(client, login, world):
    db.session.add(GrowthAssumption(district_id=world["school"].district_id, level="school", percent=5))
    login(world["users"]["region_admin"])
    book = load_workbook(io.BytesIO(client.get("/admin/plans/growth.xlsx").data))
    rows = list(book["growth"].iter_rows(values_only=True))
    assert rows[0] == ("region", "district", "level", "growth_percent", "growth_pupils")
    assert sorted(rows[1:]) == [("Алматы", "Алмалинский", None, None, None), ("Алматы", "Медеуский", "school", 5, None)]


def report_form(**overrides):
    data = {"pupils": "500", "classes": "", "approved_rates": "", "lead_name": "Сейітова Әйгерім",
            "lead_post": "Заместитель директора по ИКТ", "lead_contact": "+7 701 123 45 67"}
    data.update(overrides)
    return data


def test_director_names_the_person_responsible_and_sees_the_section(client, login, world):
    login(world["users"]["director"])
    token = csrf_from(client.get("/director/KZ26/report"))
    answer = client.post("/director/KZ26/report", data={"csrf_token": token, **report_form(lead_contact="nope")})
    assert answer.status_code == 422 and "Enter a phone number such as +7 701 123 45 67" in answer.get_data(as_text=True)
    answer = client.post("/director/KZ26/report", data={"csrf_token": token, **report_form(lead_name="")})
    assert answer.status_code == 422 and "Give the name of the person responsible" in answer.get_data(as_text=True)
    assert 'value="Заместитель директора по ИКТ"' in answer.get_data(as_text=True)
    answer = client.post("/director/KZ26/report", data={"csrf_token": token, **report_form()})
    assert answer.status_code == 302
    report_row = db.session.scalar(sa.select(OrgReport))
    assert (report_row.digital_lead_name, report_row.digital_lead_contact) == ("Сейітова Әйгерім", "+7 701 123 45 67")
    text = _text(client.get("/director/KZ26/"))
    assert "Forecast and AI training" in text
    assert "Demand, rates 2.0 2.0" in text  # the form sent no required hours: staffed rates + vacancies
    assert "The report gives no required hours" in text
    assert "Want training: 1. Wave 1: 2" in text
    assert "Сейітова Әйгерім, Заместитель директора по ИКТ · +7 701 123 45 67" in text
    client.post("/director/KZ26/report", data={"csrf_token": token, **report_form(lead_name="", lead_post="",
                                                                                  lead_contact="")})
    assert db.session.scalar(sa.select(OrgReport.digital_lead_name)) is None


def test_progress_board_lists_organizations_without_a_responsible_person(client, login, world):
    report(world["campaign"], world["other"], digital_lead_name="Ким Мадина", digital_lead_contact="kim@mail.kz")
    login(world["users"]["national_admin"])
    text = _text(client.get("/admin/progress"))
    assert "Organizations without a person responsible for digitalization (2)" in text
    listed = text.split("Organizations without a person responsible for digitalization")[1]
    assert "Школа Медеу" in listed and "Колледж Есиль" in listed and "Школа Алмалы" not in listed


def test_workbooks_have_both_sheets_with_their_assumptions_and_no_raw_export_names_the_lead(world, tmp_path):
    campaign, school = world["campaign"], world["school"]
    row = db.session.scalar(sa.select(OrgReport))
    row.digital_lead_name, row.digital_lead_contact = "Сейітова Әйгерім", "lead@school.kz"
    db.session.add(GrowthAssumption(district_id=school.district_id, level="school", pupils=100))
    db.session.commit()
    ctx = ExportContext(campaign, lang="en", exported_by="tester")
    path = tmp_path / "district.xlsx"
    export_profiles(ctx, select_organizations(None, district=str(school.district_id)), path)
    book = load_workbook(path)
    assert book.sheetnames == ["Organizations", "Subjects", "By level", "Flags", "Forecast", "AI plan", "About"]
    forecast_rows = list(book["Forecast"].iter_rows(values_only=True))
    assert forecast_rows[0][:3] == ("Year", "Demand, rates", "Supply, rates")
    assert forecast_rows[1][:4] == (2026, 4, 2, 2) and forecast_rows[2][:2] == (2027, pytest.approx(4.8))
    assert book["Forecast"]._charts and book["AI plan"]._charts
    plan_rows = list(book["AI plan"].iter_rows(values_only=True))
    assert ("Want training", 1) in [row[:2] for row in plan_rows] and ("In the plan", 2) in [row[:2] for row in plan_rows]
    organization_row = next(row for row in plan_rows if row and row[0] == school.bin)
    assert "Сейітова Әйгерім" in organization_row and "lead@school.kz" in organization_row
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True)}
    assert about["Forecast: years ahead"] == 5 and about["Forecast: yearly attrition of the staff who stay, %"] == 3
    assert about["Growth: Алматы, Медеуский, School"] == "100 pupils a year on 500 reported"
    assert about["AI plan: people a district trains in one wave"] == 200
    raw = tmp_path / "raw.xlsx"
    export_responses(ctx, select_organizations(None), raw)
    cells = [str(value) for sheet in load_workbook(raw) for row in sheet.iter_rows(values_only=True) for value in row]
    assert not any("Сейітова" in value or "lead@school.kz" in value for value in cells)


def test_demo_names_three_organizations_in_four(app):
    from survey.demo import load_almaty_demo

    load_almaty_demo()
    named = db.session.scalar(sa.select(sa.func.count(OrgReport.digital_lead_name)))
    assert named == 24  # of 32


def test_settings_come_from_the_environment_and_are_checked(monkeypatch, tmp_path):
    monkeypatch.setenv("FORECAST_YEARS", "7")
    monkeypatch.setenv("FORECAST_ATTRITION_PERCENT", "2,5")
    monkeypatch.setenv("AI_PRIORITY_SUBJECTS", "informatics;mathematics")
    monkeypatch.setenv("AI_PLAN_UNTRAINED", "0")
    settings = from_environment(tmp_path)
    assert (settings["FORECAST_YEARS"], str(settings["FORECAST_ATTRITION_PERCENT"])) == (7, "2.5")
    assert settings["AI_PRIORITY_SUBJECTS"] == "informatics;mathematics" and settings["AI_PLAN_UNTRAINED"] is False
    for name, value in (("FORECAST_YEARS", "40"), ("AI_WAVE_CAPACITY", "0"), ("FORECAST_PLANS_LEAVE_PERCENT", "x"),
                        ("AI_PRIORITY_SUBJECTS", "astrology")):
        monkeypatch.setenv(name, value)
        with pytest.raises(ConfigError):
            from_environment(tmp_path)
        monkeypatch.delenv(name)


def test_download_the_table_fill_it_and_upload_it_as_the_readme_says(client, login, world):
    """README: download the table of your districts, fill growth_pupils or growth_percent, upload it; the forecast
    uses it at once."""
    page = f"/admin/plans/districts/{world['school'].district_id}"
    login(world["users"]["district_admin"])
    assert "Demand, rates 4.0 4.0" in _text(client.get(page))
    book = load_workbook(io.BytesIO(client.get("/admin/plans/growth.xlsx").data))
    sheet = book["growth"]
    assert [cell.value for cell in sheet[2]] == ["Алматы", "Медеуский", None, None, None]
    sheet["C2"], sheet["E2"] = "school", 250
    buffer = io.BytesIO()
    book.save(buffer)
    token = csrf_from(client.get(page))
    answer = client.post("/admin/plans/growth/upload", data={"csrf_token": token,
                                                             "file": (io.BytesIO(buffer.getvalue()), "growth.xlsx")},
                         content_type="multipart/form-data")
    assert answer.status_code == 302
    assert "Demand, rates 4.0 6.0 8.0" in _text(client.get(page))  # (500 + 250 t) / 500
