"""Directors: organization report, roster (typed and uploaded), progress, sign-off and reopening, code resets."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa

from survey.domain import hash_iin
from survey.extensions import db
from survey.models import AuditEvent, OrgReport, RosterEntry
from survey.questionnaire.services import check_personal_code
from tests.conftest import TEST_HASH_KEY
from tests.spreadsheets import xlsx_bytes


@pytest.fixture
def setting(app, make_org, make_campaign, make_user):
    org = make_org(level="school", district="Медеуский")
    other = make_org(level="school", district="Алмалинский")
    campaign = make_campaign(code="KZ26")
    director = make_user("director", organization=org)
    return org, other, campaign, director


@pytest.fixture
def add_response(make_response):
    """A response of the person with ``iin``: an expert since 2022 (a draft keeps the same answers)."""

    def add(campaign, org, iin, last="Ахметова", first="Айгерім", status="submitted", **fields):
        return make_response(campaign, org, iin=iin, last_name=last, first_name=first, status=status,
                             **{"category": "expert", "category_year": 2022, "graduation_year": 2010, **fields})

    return add


@pytest.fixture
def post(client, csrf_token):
    """POST with the session's CSRF token, taken once from the roster page (a director must be signed in first)."""
    tokens = []

    def send(url, data=None, **kwargs):
        if not tokens:
            tokens.append(csrf_token("/director/KZ26/roster"))
        data = dict(data or {})
        if isinstance(data, dict):
            data.setdefault("csrf_token", tokens[0])
        return client.post(url, data=data, **kwargs)

    return send


def roster_form(iin, last="Ахметова", first="Айгерім", post="teacher"):
    return {"iin": iin, "last_name": last, "first_name": first, "middle_name": "", "post": post}


def test_add_roster_entries_and_see_who_answered(client, post, login, setting, make_iin_for, add_response):
    org, other, campaign, director = setting
    iins = [make_iin_for(dt.date(1980 + i, 1, 10), "f") for i in range(4)]
    login(director)
    for number, iin in enumerate(iins[:3]):
        response = post("/director/KZ26/roster", data=roster_form(iin, last=f"Фамилия{number}"))
        assert response.status_code == 302, response.get_data(as_text=True)
    entries = db.session.scalars(sa.select(RosterEntry)).all()
    assert len(entries) == 3
    assert all(iin not in (e.person_key + e.last_name) for e in entries for iin in iins)  # no plain IINs stored
    assert {e.person_key for e in entries} == {hash_iin(i, TEST_HASH_KEY) for i in iins[:3]}

    add_response(campaign, org, iins[0], last="Фамилия0")            # on the roster, answered
    add_response(campaign, org, iins[1], last="Фамилия1", status="draft")  # on the roster, only a draft
    add_response(campaign, org, iins[3], last="Чужой")               # answered, not on the roster
    add_response(campaign, other, iins[2], last="Фамилия2")          # answered elsewhere, not here
    page = client.get("/director/KZ26/").get_data(as_text=True)
    assert "1 of 3 people on the roster have answered (33%)" in page
    not_answered = page.split("Not answered yet")[1].split("</ul>")[0]
    assert "Фамилия1" in not_answered and "Фамилия2" in not_answered and "draft started" in not_answered
    answered = page.split("<h3>Answered (")[1].split("</ul>")[0]
    assert "Фамилия0" in answered and "Фамилия1" not in answered
    off_roster = page.split("Answered but not on the roster")[1].split("</ul>")[0]
    assert "Чужой" in off_roster


def test_roster_errors_keep_the_typed_values(client, post, login, setting, make_iin_for):
    org, other, campaign, director = setting
    login(director)
    iin = make_iin_for()
    bad = iin[:-1] + str((int(iin[-1]) + 1) % 10)
    response = post("/director/KZ26/roster", data=roster_form(bad, last="Сапарова"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "check digit does not match" in page and 'value="Сапарова"' in page and f'value="{bad}"' in page
    assert 'aria-invalid="true"' in page and 'id="iin-error"' in page
    post("/director/KZ26/roster", data=roster_form(iin))
    again = post("/director/KZ26/roster", data=roster_form(iin))
    assert again.status_code == 422 and "already on the roster" in again.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RosterEntry)) == 1


def test_roster_upload_is_all_or_nothing_with_row_errors(client, post, login, setting, make_iin_for):
    org, other, campaign, director = setting
    login(director)
    good = [make_iin_for(dt.date(1975, 5, d), "m") for d in (1, 2)]
    data = xlsx_bytes([["iin", "last_name", "first_name", "middle_name", "post"],
                 [good[0], "Сериков", "Ерлан", None, "teacher"],
                 ["123", "Петров", "Иван", None, "Учитель"],
                 [good[1], None, "Марат", None, "janitor"],
                 [good[0], "Сериков", "Ерлан", None, "teacher"]])
    response = post("/director/KZ26/roster/upload", data={"file": (io.BytesIO(data), "roster.xlsx")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    rows = re.findall(r"<tr><td>(\d+)</td><td>(\w+)</td>", page)
    assert set(rows) == {("3", "iin"), ("4", "last_name"), ("4", "post")}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RosterEntry)) == 0
    # fixed, the same file goes in whole; the duplicate row inside the file is reported
    data = xlsx_bytes([["iin", "last_name", "first_name", "post"], [good[0], "Сериков", "Ерлан", "Учитель"],
                 [good[1], "Оспанов", "Марат", "teacher"], [good[0], "Сериков", "Ерлан", "teacher"]])
    response = post("/director/KZ26/roster/upload", data={"file": (io.BytesIO(data), "roster.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "already on row 2" in response.get_data(as_text=True)
    data = xlsx_bytes([["iin", "last_name", "first_name", "post"], [int(good[0]), "Сериков", "Ерлан", "Учитель"],
                 [good[1], "Оспанов", "Марат", "teacher"]])
    response = post("/director/KZ26/roster/upload", data={"file": (io.BytesIO(data), "roster.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RosterEntry)) == 2
    template = client.get("/director/KZ26/roster/template.xlsx")
    assert openpyxl.load_workbook(io.BytesIO(template.data)).active["A1"].value == "iin"


def test_roster_upload_of_a_non_spreadsheet(client, post, login, setting):
    org, other, campaign, director = setting
    login(director)
    response = post("/director/KZ26/roster/upload", data={"file": (io.BytesIO(b"\x89PNG\x00\x00" * 50), "r.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "not an Excel workbook" in response.get_data(as_text=True)


def report_data(**overrides):
    data = {"pupils": "640", "classes": "24", "approved_rates": "42,5",
            "vacancies-0-post": "teacher", "vacancies-0-subject": "physics", "vacancies-0-rate": "1",
            "vacancies-1-post": "teacher", "vacancies-1-subject": "", "vacancies-1-rate": "0.5",
            "vacancies-2-post": "", "vacancies-2-subject": "", "vacancies-2-rate": "",
            "required_hours-0-subject": "physics", "required_hours-0-hours": "30",
            "required_hours-1-subject": "mathematics", "required_hours-1-hours": "64",
            "required_hours-2-subject": "", "required_hours-2-hours": ""}
    data.update(overrides)
    return data


def test_report_saves_numbers_vacancies_and_required_hours(client, post, login, setting):
    org, other, campaign, director = setting
    login(director)
    assert client.get("/director/KZ26/report").status_code == 200
    response = post("/director/KZ26/report", data=report_data())
    assert response.status_code == 302, response.get_data(as_text=True)
    report = db.session.scalar(sa.select(OrgReport))
    assert (report.pupils, report.classes, report.approved_rates) == (640, 24, Decimal("42.50"))
    assert sorted((v.post, v.subject or "", v.rate) for v in report.vacancies) == [
        ("teacher", "", Decimal("0.50")), ("teacher", "physics", Decimal("1.00"))]
    assert {(r.subject, r.hours) for r in report.required_hours} == {("physics", 30), ("mathematics", 64)}
    page = client.get("/director/KZ26/report").get_data(as_text=True)
    assert 'value="640"' in page and 'value="42.5"' in page


@pytest.mark.parametrize(("lang", "shown"), [("kk", "38,5"), ("ru", "38,5"), ("en", "38.5")])
def test_report_numbers_read_back_as_they_are_typed(client, post, login, setting, lang, shown):
    """Issue 14 (11): a stored 38.50 came back as "38.50" although Kazakh and Russian type "38,5" (as the hint
    says); what was typed into a refused form comes back untouched."""
    org, other, campaign, director = setting
    login(director)
    client.get(f"/lang/{lang}")
    assert post("/director/KZ26/report", data=report_data(approved_rates="38,50")).status_code == 302
    page = client.get("/director/KZ26/report").get_data(as_text=True)
    assert f'name="approved_rates" type="text" value="{shown}"' in page
    assert f'name="vacancies-0-rate" type="text" value="1"' in page  # 1.00 stored
    assert "42,5" in page if lang != "en" else "42.5" in page  # the hint's example, in the same form
    refused = post("/director/KZ26/report", data=report_data(approved_rates="38,50", pupils="-1")).get_data(
        as_text=True)
    assert 'name="approved_rates" type="text" value="38,50"' in refused


@pytest.mark.parametrize(("overrides", "message"), [
    ({"vacancies-0-rate": "0.3"}, "steps of 0.25"),
    ({"vacancies-0-rate": ""}, "Enter the rate"),
    ({"required_hours-0-hours": ""}, "Enter the weekly hours"),
    ({"pupils": "-5"}, "Number must be between 0 and 100000"),
    ({"vacancies-0-post": "janitor"}, "Choose the post"),
])
def test_report_errors_keep_everything_typed(client, post, login, setting, overrides, message):
    org, other, campaign, director = setting
    login(director)
    response = post("/director/KZ26/report", data=report_data(**overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert 'value="24"' in page and 'value="64"' in page  # the rest of what was typed is still there
    assert '"None"' not in page and 'inputmode="decimal"' in page
    assert db.session.scalar(sa.select(OrgReport.pupils)) is None


def test_report_errors_are_translated(client, post, login, setting):
    org, other, campaign, director = setting
    login(director)
    client.get("/lang/ru")
    page = post("/director/KZ26/report", data=report_data(**{"vacancies-0-rate": "0.3"})).get_data(as_text=True)
    assert "шагом 0,25" in page
    client.get("/lang/kk")
    page = post("/director/KZ26/report", data=report_data(**{"vacancies-0-rate": "0.3"})).get_data(as_text=True)
    assert "0,25 қадаммен" in page


def test_sign_off_locks_and_an_admin_of_the_scope_reopens(client, post, login, setting, make_iin_for, make_user):
    org, other, campaign, director = setting
    login(director)
    iin = make_iin_for()
    post("/director/KZ26/report", data=report_data())
    assert post("/director/KZ26/sign-off", data={}).status_code == 302  # not confirmed: nothing happens
    assert db.session.scalar(sa.select(OrgReport.attested_at)) is None
    assert post("/director/KZ26/sign-off", data={"confirm": "y"}).status_code == 302
    report = db.session.scalar(sa.select(OrgReport))
    assert report.attested_at is not None and report.attested_by_id == director.id

    locked = post("/director/KZ26/report", data=report_data(pupils="1"))
    assert locked.status_code == 409 and "signed off" in locked.get_data(as_text=True)
    assert post("/director/KZ26/roster", data=roster_form(iin)).status_code == 409
    assert db.session.scalar(sa.select(OrgReport.pupils)) == 640
    assert post(f"/director/KZ26/organizations/{org.id}/reopen", data={"reason": "x"}).status_code == 403

    outsider = make_user("district_admin", district=other.district)
    login(outsider)
    assert post(f"/director/KZ26/organizations/{org.id}/reopen", data={"reason": "x"}).status_code == 404
    admin = make_user("district_admin", district=org.district)
    login(admin)
    missing_reason = post(f"/director/KZ26/organizations/{org.id}/reopen", data={"reason": " "})
    assert missing_reason.status_code == 422
    assert post(f"/director/KZ26/organizations/{org.id}/reopen",
                       data={"reason": "Исправить число учащихся"}).status_code == 302
    assert db.session.scalar(sa.select(OrgReport.attested_at)) is None
    events = {e.action: e for e in db.session.scalars(sa.select(AuditEvent))}
    assert events["report.attest"].user_id == director.id
    assert events["report.reopen"].user_id == admin.id
    assert events["report.reopen"].details["reason"] == "Исправить число учащихся"
    login(director)
    assert post("/director/KZ26/report", data=report_data(pupils="650")).status_code == 302


def test_personal_code_reset(client, post, login, setting, make_iin_for, add_response):
    org, other, campaign, director = setting
    mine = add_response(campaign, org, make_iin_for())
    theirs = add_response(campaign, other, make_iin_for(dt.date(1970, 2, 2)))
    login(director)
    assert "Ахметова Айгерім" in client.get("/director/KZ26/staff").get_data(as_text=True)
    page = post(f"/director/KZ26/staff/{mine.id}/reset-code").get_data(as_text=True)
    code = re.search(r"<strong>([A-Z0-9]{4}-[A-Z0-9]{4})</strong>", page).group(1)
    db.session.refresh(mine)
    assert check_personal_code(mine, code) and code.replace("-", "") not in mine.personal_code_hash
    assert not check_personal_code(mine, "ABCD-EFGH")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "response.reset_code"))
    assert event.user_id == director.id and event.target_id == mine.id
    assert post(f"/director/KZ26/staff/{theirs.id}/reset-code").status_code == 404


def test_no_new_personal_code_once_signed_off(client, post, login, setting, make_iin_for, add_response):
    """Issue 14 (9): once the data are signed off the answers are locked, so a new code would open nothing: the
    staff page offers none and the action is refused."""
    org, other, campaign, director = setting
    mine = add_response(campaign, org, make_iin_for())
    login(director)
    assert f"/staff/{mine.id}/reset-code" in client.get("/director/KZ26/staff").get_data(as_text=True)
    assert db.session.scalar(sa.select(OrgReport)) is None  # a GET never writes: no report row yet
    report = OrgReport(campaign_id=campaign.id, organization_id=org.id, attested_by_id=director.id,
                       attested_at=dt.datetime.now(dt.timezone.utc))
    db.session.add(report)
    before = mine.personal_code_hash
    page = client.get("/director/KZ26/staff").get_data(as_text=True)
    assert "reset-code" not in page and "no new personal codes" in page
    assert post(f"/director/KZ26/staff/{mine.id}/reset-code").status_code == 409
    db.session.refresh(mine)
    assert mine.personal_code_hash == before
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "response.reset_code")) is None


def test_summary_lists_subjects_by_their_shown_name(client, login, setting, make_iin_for, add_response):
    """Issue 14 (8): the subjects of the summary came in the order of their English codes."""
    from survey.models import RequiredHours

    org, other, campaign, director = setting
    report = OrgReport(campaign_id=campaign.id, organization_id=org.id)
    db.session.add(report)
    db.session.flush()
    for subject in ("algebra", "kazakh_literature", "chemistry", "english", "russian_language", "geometry"):
        db.session.add(RequiredHours(report_id=report.id, subject=subject, hours=10))
    login(director)
    for lang, expected in (
            ("kk", ["Ағылшын тілі", "Алгебра", "Геометрия", "Қазақ әдебиеті", "Орыс тілі", "Химия"]),  # Ғ before Л
            ("ru", ["Алгебра", "Английский язык", "Геометрия", "Казахская литература", "Русский язык", "Химия"])):
        client.get(f"/lang/{lang}")
        page = client.get("/director/KZ26/").get_data(as_text=True)
        table = page.split('id="subjects-heading"')[1].split("</section>")[0]
        assert re.findall(r'<th scope="row">([^<]+?)(?: <span|</th>)', table) == expected
        chart = table.split("</svg>")[0]
        assert re.findall(r"<tspan[^>]*>([^<]+)</tspan>", chart) == expected  # the chart in the same order


def test_director_reaches_no_other_organization(client, post, login, setting, make_user, make_iin_for, make_campaign):
    org, other, campaign, director = setting
    other_director = make_user("director", organization=other)
    login(other_director)
    post("/director/KZ26/roster", data=roster_form(make_iin_for()))
    entry = db.session.scalar(sa.select(RosterEntry))
    login(director)
    assert post(f"/director/KZ26/roster/{entry.id}/delete").status_code == 404
    assert "Ахметова" not in client.get("/director/KZ26/roster").get_data(as_text=True)
    assert client.get("/director/NOPE/").status_code == 404
    make_campaign(code="DRAFT", status="draft")
    assert client.get("/director/DRAFT/").status_code == 404
    make_campaign(code="COLLEGES", levels="college")
    assert client.get("/director/COLLEGES/").status_code == 404
    admin = make_user("national_admin")
    login(admin)
    assert client.get("/director/KZ26/").status_code == 403


def metric_cells(page: str) -> dict[str, tuple[str, str]]:
    table = page.split('class="metrics"')[1].split("</table>")[0]
    return {label: (mine, district) for label, mine, district in re.findall(
        r'<th scope="row">([^<]+)</th>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>', table)}


def test_dashboard_numbers_computed_by_hand(client, login, setting, make_iin_for, add_response, make_org):
    """Census 2026-11-01, school norm 16 h. Three answers here, one at a neighbour in the same district."""
    from survey.models import ResponseSubject, Vacancy

    org, other, campaign, director = setting
    neighbour = make_org(level="school", district="Медеуский")
    p1 = add_response(campaign, org, make_iin_for(dt.date(1990, 5, 15), "f"), last="Первая", rate=Decimal(1),
                      teaching_hours=16, category="expert", experience_total=Decimal(10), plans="stay", ai_use=True)
    p2 = add_response(campaign, org, make_iin_for(dt.date(1965, 1, 10), "m"), last="Второй", rate=Decimal("1.5"),
                      teaching_hours=25, category="master", experience_total=Decimal(30),
                      plans="leave_profession", ai_use=False)
    p3 = add_response(campaign, org, make_iin_for(dt.date(2000, 2, 1), "f"), last="Третья", basis="external_secondary",
                      rate=Decimal("0.5"), teaching_hours=8, category="none", category_year=None,
                      experience_total=Decimal(2), experience_org=Decimal(1), ped_education="none")
    add_response(campaign, neighbour, make_iin_for(dt.date(1980, 3, 3), "f"), last="Соседка", rate=Decimal(1),
                 teaching_hours=18, category="moderator", experience_total=Decimal(15), plans="stay")
    for response, subject, hours in ((p1, "mathematics", 16), (p2, "mathematics", 11), (p2, "physics", 14),
                                     (p3, "english", 8)):
        db.session.add(ResponseSubject(response_id=response.id, subject=subject, hours=hours, language="kk"))
    report = OrgReport(campaign_id=campaign.id, organization_id=org.id, pupils=100)
    report.vacancies = [Vacancy(post="teacher", subject="mathematics", rate=Decimal(1))]
    from survey.models import RequiredHours
    report.required_hours = [RequiredHours(subject="mathematics", hours=30)]
    db.session.add(report)
    login(director)
    page = client.get("/director/KZ26/").get_data(as_text=True)
    cells = metric_cells(page)
    assert cells["Staff who answered"] == ("3", "4")
    assert cells["Staff at their main job"] == ("2", "3")
    assert cells["FTE by contract (sum of rates)"] == ("3", "4")
    assert cells["FTE by teaching load"] == ("3.06", "4.19")          # 49/16 = 3.0625; 67/16 = 4.1875
    assert cells["Vacant rates"] == ("1", "1")
    assert cells["Vacancy rate"] == ("25%", "20%")                     # 1/(3+1); 1/(4+1)
    assert cells["Pupils per teacher FTE"] == ("32.65", "32.65")       # 100/(49/16); the neighbour reported no pupils
    assert cells["Within 5 years of retirement age"] == ("33%", "25%")  # the man of 61 (retirement 63)
    assert cells["Novices (experience up to 5 years)"] == ("33%", "25%")
    assert cells["Without pedagogical education"] == ("33%", "25%")
    assert cells["Overloaded (over 1.5 rates in all jobs)"] == ("33%", "25%")  # 25 h > 1.5 × 16 h
    assert cells["Secondary jobs"] == ("33%", "25%")
    assert cells["Plan to leave"] == ("50%", "33%")                    # of those who answered: 1/2; 1/3
    assert cells["Use AI tools"] == ("50%", "50%")                     # 1/2; the neighbour did not answer
    shortage_row = page.split('class="shortage"')[1].split("</tr>")[0]
    assert "Mathematics" in shortage_row and "<td>30</td><td>27</td>" in shortage_row and "90%" in shortage_row
    assert "0.19" in shortage_row                                      # (30 − 27) / 16 = 0.1875
    desc = page.split("<desc>")[1].split("</desc>")[0]                 # the age pyramid, youngest band first
    assert desc.startswith("Under 30: Men 0, Women 1; 30–39: Men 0, Women 1")
    assert "60 and over: Men 1, Women 0" in desc
    assert "No integrity flags" in page
    from survey.campaigns.services import ensure_access_links
    from survey.models import AccessLink

    ensure_access_links(campaign)
    link = db.session.scalar(sa.select(AccessLink).where(AccessLink.organization_id == org.id))
    page = client.get("/director/KZ26/").get_data(as_text=True)
    assert f"Access code: {link.code[:4]}-{link.code[4:]}" in page and f"/q/{link.token}/sheet" in page
    from survey.models import Flag

    db.session.add(Flag(campaign_id=campaign.id, organization_id=org.id, rule="G4", subject_key=p2.person_key,
                        severity="high", evidence={"main_jobs": 2}))
    page = client.get("/director/KZ26/").get_data(as_text=True)
    assert "1 integrity flag to review (1 high)" in page
    workbook = client.get(f"/reports/organizations/{org.id}/KZ26.xlsx")
    assert workbook.status_code == 200 and workbook.data[:2] == b"PK"
    assert client.get(f"/reports/organizations/{other.id}/KZ26.xlsx").status_code == 404
    client.get("/lang/kk")
    page = client.get("/director/KZ26/").get_data(as_text=True)
    assert "Жас пирамидасы" in page and "Математика" in page
    client.get("/lang/ru")
    assert "Возрастная пирамида" in client.get("/director/KZ26/").get_data(as_text=True)
