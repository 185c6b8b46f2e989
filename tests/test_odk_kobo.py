"""Questionnaires filled offline in ODK Collect or KoboCollect come back through ODK Central's and KoboToolbox's
exports (tests/fixtures/odk_*, kobo_*: see make_submission_exports.py): the same rules and the same result as the
web form, all or nothing with every bad row named, idempotent on the instance id, an edit a new version. A campaign's
own questions: test_odk_kobo_campaign_questions.py."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import Region, Response, ResponseVersion, SubmissionImport
from survey.questionnaire.paper import import_responses
from survey.questionnaire.services import stored_values
from survey.registry.services import ImportRejected

FIXTURES = Path(__file__).parent / "fixtures"
BINS = ("940140000385", "071040825972")


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def odk_zip(name: str = "odk_staff26", root: bytes | None = None) -> bytes:
    """Central's submissions.csv.zip: the root table and one table per repeat, named after the form id."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("STAFF26.csv", root if root is not None else fixture(f"{name}.csv"))
        for repeat in ("subjects", "other_jobs"):
            archive.writestr(f"STAFF26-{repeat}.csv", fixture(f"{name}-{repeat}.csv"))
    return out.getvalue()


def edited_csv(name: str, changes: dict[int, dict[str, str]], delimiter: str = ",") -> bytes:
    """The fixture's table with some cells changed: {data row (1 = first): {header: value}}."""
    rows = list(csv.reader(io.StringIO(fixture(name).decode()), delimiter=delimiter))
    for number, cells in changes.items():
        for header, value in cells.items():
            rows[number][rows[0].index(header)] = value
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n",
               quoting=csv.QUOTE_ALL if delimiter == ";" else csv.QUOTE_MINIMAL).writerows(rows)
    return out.getvalue().encode()


@pytest.fixture
def campaign(make_org, make_campaign):
    for number, bin_ in enumerate(BINS, start=1):
        make_org(bin=bin_, name_ru=f"Школа {number}")
    return make_campaign(code="STAFF26")


def answers(campaign) -> dict[str, dict]:
    """Each response's stored answers (the campaign's own questions too), by last name."""
    from survey.campaigns.questions import questionnaire_for

    questionnaire = questionnaire_for(campaign)
    found = db.session.scalars(sa.select(Response).where(Response.campaign_id == campaign.id))
    return {r.last_name: {**stored_values(r, questionnaire), "org": r.organization.bin, "person_key": r.person_key,
                          "status": r.status, "versions": r.answer_versions} for r in found}


def count(model, campaign=None) -> int:
    query = sa.select(sa.func.count()).select_from(model)
    if campaign is not None:
        query = query.where(model.campaign_id == campaign.id)
    return db.session.scalar(query)


def test_odk_and_kobo_exports_import_the_same_answers(app, campaign, make_campaign):
    summary = import_responses(campaign, odk_zip(), "STAFF26.csv.zip", source="odk")
    db.session.commit()
    assert (summary.created, summary.updated, summary.unchanged) == (3, 0, 0)
    odk = answers(campaign)
    first = odk["Ахметова"]
    assert first["org"] == BINS[0] and first["status"] == "submitted"
    assert (first["consent"], first["rate"], first["languages"], first["ai_use"]) == (True, Decimal("1.5"),
                                                                                       ["kk", "ru"], True)
    assert first["ai_purposes"] == ["lesson_planning", "assessment"]
    assert first["subjects"] == [{"subject": "kazakh_language", "hours": 16, "language": "kk"},
                                 {"subject": "kazakh_literature", "hours": 8, "language": "kk"}]
    second = odk["Омаров"]
    assert second["other_jobs"] == [{"org_bin": BINS[1], "org_name": None, "basis": "hourly", "hours": 4}]
    assert (second["category_year"], second["experience_total"], second["ai_purposes"]) == (None, Decimal("30.5"),
                                                                                           [])
    assert odk["Ким"]["org"] == BINS[1] and odk["Ким"]["start_date"] == dt.date(2019, 8, 26)
    responses = db.session.scalars(sa.select(Response).where(Response.campaign_id == campaign.id)).all()
    assert {r.source for r in responses} == {"odk"}
    assert count(SubmissionImport, campaign) == 3

    other = make_campaign(code="KOBO26")
    summary = import_responses(other, fixture("kobo_staff26.xlsx"), "kobo_staff26.xlsx", source="kobo")
    db.session.commit()
    assert (summary.created, summary.updated, summary.unchanged) == (3, 0, 0)
    assert answers(other) == odk


def test_reimporting_the_same_export_changes_nothing_even_after_a_web_edit(app, campaign):
    import_responses(campaign, odk_zip(), "STAFF26.csv.zip", source="odk")
    db.session.commit()
    response = db.session.scalar(sa.select(Response).where(Response.last_name == "Ким"))
    response.plans = "stay"  # corrected on the web since
    db.session.commit()

    again = import_responses(campaign, odk_zip(), "STAFF26.csv.zip", source="odk")
    db.session.commit()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert count(ResponseVersion) == 0 and count(SubmissionImport, campaign) == 3
    assert db.session.get(Response, response.id).plans == "stay"

    kobo = import_responses(campaign, fixture("kobo_staff26.xlsx"), "kobo_staff26.xlsx", source="kobo")
    db.session.commit()  # the same people: matched by person, the answers equal but for the web's correction
    assert (kobo.created, kobo.updated, kobo.unchanged) == (0, 1, 2)
    assert db.session.get(Response, response.id).plans == "unsure"


def test_an_edited_odk_submission_becomes_a_new_version(app, campaign):
    import_responses(campaign, odk_zip(), "STAFF26.csv.zip", source="odk")
    db.session.commit()
    edited = import_responses(campaign, odk_zip("odk_staff26_edited"), "STAFF26.csv.zip", source="odk")
    db.session.commit()
    assert (edited.created, edited.updated, edited.unchanged) == (0, 1, 2)
    response = db.session.scalar(sa.select(Response).where(Response.last_name == "Ахметова"))
    assert (response.satisfaction, response.plans, response.version) == (2, "move_education", 2)
    version = db.session.scalars(sa.select(ResponseVersion)).one()
    assert version.source == "odk" and version.changes["satisfaction"] == [4, 2]
    records = db.session.scalars(sa.select(SubmissionImport).where(SubmissionImport.response_id == response.id)
                                 .order_by(SubmissionImport.id)).all()
    assert [(r.instance_id[-4:], r.root_id[-4:], r.version) for r in records] == [("1a01", "1a01", 1),
                                                                                 ("1a11", "1a01", 2)]
    again = import_responses(campaign, odk_zip("odk_staff26_edited"), "STAFF26.csv.zip", source="odk")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_the_same_instance_id_with_new_answers_and_a_corrected_iin_update_the_same_response(app, campaign,
                                                                                           make_iin_for):
    import_responses(campaign, odk_zip(), "STAFF26.csv.zip", source="odk")
    db.session.commit()
    before = db.session.scalar(sa.select(Response).where(Response.last_name == "Ким"))
    corrected = make_iin_for(dt.date(1993, 6, 30), "f")
    root = edited_csv("odk_staff26.csv", {3: {"identity_page-iin": corrected, "work_page-plans": "stay"}})
    summary = import_responses(campaign, odk_zip(root=root), "STAFF26.csv.zip", source="odk")
    db.session.commit()
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 2)
    after = db.session.scalar(sa.select(Response).where(Response.last_name == "Ким"))
    assert after.id == before.id and after.plans == "stay" and after.version == 2
    assert count(Response) == 3


def kobo_edited(plans: str) -> bytes:
    """The Kobo XLSX export after the first submission was edited in KoboToolbox: a new _uuid, the old one in
    meta/deprecatedID, the repeat sheets' rows following it."""
    book = openpyxl.load_workbook(io.BytesIO(fixture("kobo_staff26.xlsx")))
    main = book.worksheets[0]
    header = [cell.value for cell in main[1]]
    old = main.cell(2, header.index("_uuid") + 1).value
    new = "5b0e1c2d-0000-4000-8000-00000000e001"
    main.cell(2, header.index("_uuid") + 1).value = new
    main.cell(2, header.index("work_page/plans") + 1).value = plans
    main.cell(1, len(header) + 1).value = "meta/deprecatedID"
    main.cell(2, len(header) + 1).value = f"uuid:{old}"
    for sheet in book.worksheets[1:]:
        column = [cell.value for cell in sheet[1]].index("_submission__uuid") + 1
        for row in range(2, sheet.max_row + 1):
            if sheet.cell(row, column).value == old:
                sheet.cell(row, column).value = new
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_kobo_edit_names_the_instance_it_replaces(app, campaign):
    import_responses(campaign, fixture("kobo_staff26.xlsx"), "kobo_staff26.xlsx", source="kobo")
    db.session.commit()
    summary = import_responses(campaign, kobo_edited("retire"), "kobo_staff26.xlsx", source="kobo")
    db.session.commit()
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 2)
    response = db.session.scalar(sa.select(Response).where(Response.last_name == "Ахметова"))
    assert response.plans == "retire" and response.version == 2
    record = db.session.scalar(sa.select(SubmissionImport).where(SubmissionImport.instance_id.like("5b0e%")))
    assert record.response_id == response.id and record.root_id.startswith("5b0e")


def test_kobo_csv_reads_as_the_xlsx_but_has_no_repeat_groups(app, campaign):
    from survey.imports.submissions import read_kobo
    from survey.questions import CORE, Kind, Questionnaire

    xlsx = read_kobo(fixture("kobo_staff26.xlsx"), "kobo_staff26.xlsx", CORE)
    without_repeats = Questionnaire(CORE.pages, tuple(q for q in CORE.questions if q.kind is not Kind.ROWS))
    text = read_kobo(fixture("kobo_staff26.csv"), "kobo_staff26.csv", without_repeats)
    assert [s.instance_id for s in text.submissions] == [s.instance_id for s in xlsx.submissions]
    for from_csv, from_xlsx in zip(text.submissions, xlsx.submissions):
        assert from_csv.values == {k: v for k, v in from_xlsx.values.items() if k not in ("subjects", "other_jobs")}
    first = xlsx.submissions[0]
    assert (first.values["languages"], first.values["consent"], first.number) == (["kk", "ru"], "true", 2)
    with pytest.raises(ImportRejected) as rejected:  # the questionnaire has repeats: the CSV cannot carry them
        import_responses(campaign, fixture("kobo_staff26.csv"), "kobo_staff26.csv", source="kobo")
    assert "subjects, other_jobs" in str(rejected.value.file_error) and "XLSX" in str(rejected.value.file_error)


def test_bad_rows_are_all_named_and_nothing_is_saved(app, campaign):
    root = edited_csv("odk_staff26.csv", {1: {"employment_page-teaching_hours": "99"},
                                          3: {"org_bin": "123456789012", "work_page-ai_use": "maybe"}})
    with pytest.raises(ImportRejected) as rejected:
        import_responses(campaign, odk_zip(root=root), "STAFF26.csv.zip", source="odk")
    named = {(e.row, e.column) for e in rejected.value.errors}
    assert {(2, "teaching_hours"), (4, "org_bin"), (4, "ai_use")} <= named
    assert not any(row == 3 for row, _column in named)
    db.session.rollback()
    assert count(Response) == 0 and count(SubmissionImport) == 0


def test_an_export_of_another_kind_is_refused_with_a_clear_message(app, campaign):
    with pytest.raises(ImportRejected) as rejected:
        import_responses(campaign, fixture("kobo_staff26.csv"), "kobo_staff26.csv", source="odk")
    assert "ODK Central" in str(rejected.value.file_error)
    with pytest.raises(ImportRejected) as rejected:
        import_responses(campaign, odk_zip(), "STAFF26.csv.zip", source="kobo")
    assert "not an Excel workbook" in str(rejected.value.file_error)


def test_rejected_submissions_are_left_out(app, campaign):
    root = edited_csv("odk_staff26.csv", {2: {"ReviewState": "rejected"}})
    summary = import_responses(campaign, odk_zip(root=root), "STAFF26.csv.zip", source="odk")
    assert summary.created == 2 and any("rejected" in str(w) for w in summary.warnings)


def test_the_cli_imports_an_odk_export(runner, campaign, tmp_path):
    db.session.commit()
    path = tmp_path / "STAFF26.csv.zip"
    path.write_bytes(odk_zip())
    result = runner.invoke(args=["survey", "import-responses", "--campaign", "STAFF26", "--from", "odk", str(path)])
    assert result.exit_code == 0, result.output
    assert "created 3, updated 0, unchanged 0" in result.output
    result = runner.invoke(args=["survey", "import-responses", "--campaign", "STAFF26", "--from", "odk", str(path)])
    assert "created 0, updated 0, unchanged 3" in result.output


def web_form(step, values: dict) -> dict:
    """A step's form as a teacher fills it with the answers an export gave (names and codes as the pages post)."""
    data: dict = {"action": "next"}
    for q in step.questions:
        value = values.get(q.code)
        if q.is_list and q.parts:
            items = value or [{}]
            for number, item in enumerate(items):
                for part in q.parts:
                    data[f"{q.code}-{number}-{part.code}"] = item.get(part.code) or ""
        elif q.is_list:
            data[q.code] = value or []
        else:
            data[q.code] = value or ""
    return data


@pytest.mark.parametrize("own_questions", [False, True])
def test_an_odk_submission_gives_what_the_web_form_gives(app, client, campaign, make_campaign,
                                                        make_campaign_questions, own_questions):
    from survey.campaigns.questions import questionnaire_for
    from survey.campaigns.services import ensure_access_links
    from survey.imports.submissions import read_odk
    from survey.models import AccessLink
    from tests.test_questionnaire import post, shows_page, start
    from tests.xlsforms import EXAMPLE

    web = make_campaign(code="WEB26", status="draft")
    if own_questions:
        campaign.status = "draft"
        for both in (campaign, web):
            make_campaign_questions(both, EXAMPLE)
    campaign.status = web.status = "open"
    import_responses(campaign, odk_zip(), "STAFF26.csv.zip", source="odk")
    ensure_access_links(web)
    db.session.commit()
    questionnaire = questionnaire_for(web)
    submission = read_odk(odk_zip(), "STAFF26.csv.zip", questionnaire).submissions[0]
    values = submission.values
    link = db.session.scalar(sa.select(AccessLink).join(AccessLink.organization)
                             .where(AccessLink.campaign_id == web.id, AccessLink.organization.has(bin=BINS[0])))
    start(client, link, values["iin"], names={n: values[n] or "" for n in ("last_name", "first_name", "middle_name")})
    for step in questionnaire.steps:
        reply = post(client, f"/q/{link.token}/step/{step.number}", web_form(step, values))
        following = (f"/q/{link.token}/step/{step.number + 1}" if step.number < len(questionnaire.steps)
                     else f"/q/{link.token}/review")
        assert shows_page(reply, following), reply.get_data(as_text=True)[:2000]
    post(client, f"/q/{link.token}/review", {})

    by_web, by_odk = answers(web)["Ахметова"], answers(campaign)["Ахметова"]
    assert by_web["status"] == "submitted"
    assert by_web == by_odk
    if own_questions:
        assert (by_odk["ai_tools"], by_odk["other_tool"], by_odk["versions"]["mentor_hours"]) == (
            ["chatgpt", "other"], "Qwen", 1)


def test_the_campaigns_xlsform_carries_its_own_questions_and_pyxform_converts_it(runner, campaign,
                                                                                make_campaign_questions, tmp_path):
    from pyxform.xls2xform import convert

    from tests.xlsforms import EXAMPLE

    campaign.status = "draft"
    make_campaign_questions(campaign, EXAMPLE)
    db.session.commit()
    out = tmp_path / "STAFF26.xlsx"
    result = runner.invoke(args=["survey", "questionnaire", "--campaign", "STAFF26", "--out", str(out)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    survey = [[cell if cell is not None else "" for cell in row] for row in book["survey"].iter_rows(values_only=True)]
    rows = {row[1]: dict(zip(survey[0], row)) for row in survey[1:] if row[1]}
    assert rows["x_digital_page"]["type"] == "begin_group"
    assert rows["x_digital_page"]["label::Russian (ru)"] == "Цифровые навыки"
    assert (rows["digital_skills"]["type"], rows["digital_skills"]["required"]) == ("select_one skill_level", "yes")
    assert (rows["ai_tools"]["type"], rows["ai_tools"]["relevant"]) == ("select_multiple ai_tools",
                                                                        "${ai_use} = 'true'")
    assert rows["mentor_hours"]["constraint"] == ". >= 0 and . <= 20"
    assert rows["mentor_hours"]["constraint_message::Kazakh (kk)"] == "0-ден 20-ға дейінгі сан."
    assert rows["other_tool"]["relevant"] == "selected(${ai_tools}, 'other')"
    choices = [row for row in book["choices"].iter_rows(values_only=True) if row[0] == "skill_level"]
    assert [(row[1], row[3]) for row in choices] == [("none", "Нет навыков"), ("basic", "Базовые"),
                                                     ("confident", "Уверенные"), ("advanced", "Продвинутые")]
    warnings: list[str] = []
    convert(xlsform=out.read_bytes(), warnings=warnings, file_type=".xlsx")
    assert warnings == []


def test_the_console_imports_an_odk_export_and_lists_bad_rows(client, login, make_user, campaign):
    from tests.pages import csrf_from

    login(make_user("national_admin"))
    url = f"/admin/campaigns/{campaign.id}/responses/import"
    page = client.get(url)
    assert page.status_code == 200 and "ODK Central" in page.get_data(as_text=True)
    bad = edited_csv("odk_staff26.csv", {2: {"employment_page-rate": "7"}})
    reply = client.post(url, data={"csrf_token": csrf_from(page), "source": "odk",
                                   "file": (io.BytesIO(odk_zip(root=bad)), "STAFF26.csv.zip")},
                        content_type="multipart/form-data")
    text = reply.get_data(as_text=True)
    assert reply.status_code == 422 and "<td>3</td><td>rate</td>" in text
    assert count(Response) == 0
    reply = client.post(url, data={"csrf_token": csrf_from(client.get(url)), "source": "odk",
                                   "file": (io.BytesIO(odk_zip()), "STAFF26.csv.zip")},
                        content_type="multipart/form-data")
    assert reply.status_code == 200 and "3 new, 0 updated, 0 unchanged" in reply.get_data(as_text=True)
    assert count(Response) == 3


def test_only_national_administrators_import(client, login, make_user, campaign):
    login(make_user("region_admin", region=db.session.scalars(sa.select(Region)).first()))
    assert client.get(f"/admin/campaigns/{campaign.id}/responses/import").status_code == 403


def test_odk_split_select_multiple_columns_are_read_as_the_single_column(app, campaign):
    """Central's ?splitSelectMultiples=true adds a column <field>/<choice> of 1/0 after each select_multiple."""
    rows = list(csv.reader(io.StringIO(fixture("odk_staff26.csv").decode())))
    at = rows[0].index("employment_page-languages") + 1
    choices = ("kk", "ru", "en")
    rows[0][at:at] = [f"employment_page-languages/{code}" for code in choices]
    for row in rows[1:]:
        picked = row[at - 1].split()
        row[at:at] = ["1" if code in picked else "0" for code in choices]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    summary = import_responses(campaign, odk_zip(root=out.getvalue().encode()), "STAFF26.csv.zip", source="odk")
    assert summary.created == 3 and summary.warnings == []
    assert answers(campaign)["Ким"]["languages"] == ["ru", "en"]


def test_kobo_submissions_not_approved_are_left_out(app, campaign):
    book = openpyxl.load_workbook(io.BytesIO(fixture("kobo_staff26.xlsx")))
    main = book.worksheets[0]
    header = [cell.value for cell in main[1]]
    main.cell(3, header.index("_validation_status") + 1).value = "validation_status_not_approved"
    out = io.BytesIO()
    book.save(out)
    summary = import_responses(campaign, out.getvalue(), "kobo_staff26.xlsx", source="kobo")
    assert summary.created == 2 and any("not approved" in str(w) for w in summary.warnings)
    assert "Омаров" not in answers(campaign)


def test_a_kobo_export_without_groups_in_its_headers_reads_the_same(app, campaign, make_campaign):
    """KoboToolbox's export dialog may leave the groups out of the headers: ``post``, ``languages/kk``."""
    book = openpyxl.load_workbook(io.BytesIO(fixture("kobo_staff26.xlsx")))
    for sheet in book.worksheets:
        for cell in sheet[1]:
            parts = (cell.value or "").split("/")
            many = len(parts) > 2 and parts[-2] in ("languages", "ai_purposes", "ai_tools")
            cell.value = "/".join(parts[-2:]) if many else parts[-1]
    out = io.BytesIO()
    book.save(out)
    assert "languages/kk" in [cell.value for cell in book.worksheets[0][1]]
    import_responses(campaign, fixture("kobo_staff26.xlsx"), "kobo_staff26.xlsx", source="kobo")
    other = make_campaign(code="FLAT26")
    summary = import_responses(other, out.getvalue(), "kobo_staff26.xlsx", source="kobo")
    db.session.commit()
    assert summary.created == 3
    assert answers(other) == answers(campaign)
