"""The questionnaire defined once, as data: a question added as one record reaches every place that shows, checks,
stores, exports, imports or publishes answers; everything else is derived from the records."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from survey import questions
from survey.campaigns.services import ensure_access_links
from survey.extensions import db
from survey.models import AccessLink, Response
from survey.questionnaire.paper import import_responses
from survey.questions import CORE, Kind, Question, Translated
from survey.registry.services import ImportRejected
from survey.reports.services import export_responses, select_organizations
from survey.reports.profiles import ExportContext
from tests.test_questionnaire import STEP_DATA, WORK, post, start

ROOT = Path(__file__).resolve().parent.parent
BIRTH = dt.date(1985, 3, 14)
DIGITAL = Question(
    "digital_skills", Kind.INTEGER, Translated(kk="Цифрлық дағдыларыңыз, 1-ден 5-ке дейін",
                                               ru="Ваши цифровые навыки, от 1 до 5", en="Your digital skills, 1 to 5"),
    "work", export_label=Translated(kk="Цифрлық дағдылар", ru="Цифровые навыки", en="Digital skills"),
    low=1, high=5, mandatory=True)


@pytest.fixture
def definition(app):
    """The core questionnaire and one more question, as the app's questionnaire for the test."""
    questionnaire = CORE.with_questions(DIGITAL)
    questions.use(app, questionnaire)
    yield questionnaire
    questions.use(app, None)


@pytest.fixture
def link(make_org, make_campaign):
    org = make_org(bin="940140000385", name_kk="№1 мектеп", name_ru="Школа №1")
    campaign = make_campaign(code="CENSUS26")
    ensure_access_links(campaign)
    return db.session.scalar(sa.select(AccessLink).where(AccessLink.organization_id == org.id))


def _export(campaign, headers="labels", lang="ru", **options) -> bytes:
    target = io.BytesIO()
    ctx = ExportContext(campaign, lang=lang, headers=headers, exported_by="tester")
    export_responses(ctx, select_organizations(None), target, **options)
    return target.getvalue()


def _rows(book, index: int) -> list[tuple]:
    return [tuple(row) for row in book.worksheets[index].iter_rows(values_only=True)]


def test_a_question_added_as_one_record_is_asked_checked_shown_exported_imported_and_published(
        app, client, link, definition, make_iin_for):
    start(client, link, make_iin_for(BIRTH, "f"))
    for number in (1, 2, 3):
        reply = post(client, f"/q/{link.token}/step/{number}", {**STEP_DATA[number], "action": "next"})
        assert reply.status_code == 200
    url = f"/q/{link.token}/step/4"

    # the step form asks it, with its label, as a number
    page = client.get(url).get_data(as_text=True)
    assert "Your digital skills, 1 to 5" in page
    assert re.search(r'<input[^>]*id="digital_skills"[^>]*inputmode="numeric"[^>]*name="digital_skills"', page)
    # the rules: mandatory, and within its range
    missing = post(client, url, {**WORK, "action": "next"})
    assert missing.status_code == 422 and 'id="digital_skills-error"' in missing.get_data(as_text=True)
    assert "This answer is required." in missing.get_data(as_text=True)
    beyond = post(client, url, {**WORK, "digital_skills": "9", "action": "next"})
    assert beyond.status_code == 422 and "Enter a number from 1 to 5." in beyond.get_data(as_text=True)
    # the review page shows it
    review = post(client, url, {**WORK, "digital_skills": "4", "action": "next"}).get_data(as_text=True)
    assert re.search(r"<dt>Your digital skills, 1 to 5</dt>\s*<dd>4</dd>", review)
    assert post(client, f"/q/{link.token}/review", {}, page_url=f"/q/{link.token}/review").status_code == 302
    response = db.session.scalars(sa.select(Response)).one()
    assert response.status == "submitted" and response.answers == {"digital_skills": 4}

    # the raw export: its column with its labels (ru, codes), its value, and its row in the Codebook sheet
    campaign = response.campaign
    labelled = load_workbook(io.BytesIO(_export(campaign, lang="ru")))
    header, row = _rows(labelled, 0)[:2]
    assert row[header.index("Цифровые навыки")] == 4
    assert header.index("Цифровые навыки") == header.index("Планы") + 1  # after the last core answer
    coded = _rows(load_workbook(io.BytesIO(_export(campaign, headers="codes"))), 0)
    assert coded[1][coded[0].index("digital_skills")] == 4
    codebook = _rows(labelled, 3)
    assert ("column", "digital_skills", "Цифрлық дағдылар", "Цифровые навыки", "Digital skills") in codebook

    # the flat layout: exported, then imported back with a change (a new version), a wrong value refused
    flat = _rows(load_workbook(io.BytesIO(_export(campaign, headers="codes", layout="flat"))), 0)
    header, row = list(flat[0]), list(flat[1])
    assert row[header.index("digital_skills")] == 4

    def flat_file(value) -> bytes:
        changed = [value if name == "digital_skills" else cell for name, cell in zip(header, row)]
        buffer = io.StringIO()
        buffer.write(",".join(header) + "\n" + ",".join("" if c is None else f'"{c}"' for c in changed) + "\n")
        return buffer.getvalue().encode()

    with pytest.raises(ImportRejected) as refused:
        import_responses(campaign, flat_file(7), "paper.csv")
    assert [(e.column, str(e.message)) for e in refused.value.errors] == [
        ("digital_skills", "Enter a number from 1 to 5.")]
    summary = import_responses(campaign, flat_file(2), "paper.csv")
    db.session.commit()
    assert (summary.updated, db.session.get(Response, response.id).answers) == (1, {"digital_skills": 2})
    assert db.session.get(Response, response.id).versions[-1].snapshot["digital_skills"] == 4
    without = [name for name in header if name != "digital_skills"]
    with pytest.raises(ImportRejected) as missing_column:
        import_responses(campaign, (",".join(without) + "\n").encode(), "paper.csv")
    assert "digital_skills" in str(missing_column.value.file_error)

    # the XLSForm: its row, with its labels, range and requirement, converted by pyxform without warnings
    from survey.questionnaire.xlsform import write_xlsform

    workbook = io.BytesIO()
    write_xlsform(definition, campaign, workbook)
    survey = _rows(load_workbook(io.BytesIO(workbook.getvalue())), 0)
    published = dict(zip(survey[0], next(r for r in survey if r[1] == "digital_skills")))
    assert (published["type"], published["required"], published["constraint"]) == ("integer", "yes",
                                                                                    ". >= 1 and . <= 5")
    assert published["label::Russian (ru)"] == "Ваши цифровые навыки, от 1 до 5"
    assert _convert(workbook.getvalue()) == []


def _convert(workbook: bytes, validate: bool = False) -> list[str]:
    """pyxform's warnings for an XLSForm (it raises on an error)."""
    from pyxform.xls2xform import convert

    warnings: list[str] = []
    convert(xlsform=workbook, warnings=warnings, validate=validate, file_type=".xlsx")
    return warnings


def test_everything_is_derived_from_the_records():
    from survey import rules
    from survey.models.responses import Response as Model
    from survey.questionnaire.paper import layout
    from survey.reports import rows

    # what the rules require is what the database requires of a submitted response, and what a paper file must have
    complete = next(c for c in Model.__table__.constraints if c.name == "ck_responses_submitted_complete")
    required = {code for code in CORE.mandatory if CORE[code].kind is not Kind.CONSENT}
    assert required == set(re.findall(r"(\w+) IS NOT NULL", str(complete.sqltext))) - {"submitted_at"}
    assert "languages" in required and set(rules.MANDATORY) == set(CORE.mandatory)
    assert set(CORE.mandatory) < set(layout(CORE).required)
    # the steps, the export columns and the flat layout follow the records' order
    assert [step.fields for step in CORE.steps][0] == (
        "post", "basis", "contract", "start_date", "rate", "teaching_hours", "languages", "subjects")
    assert rows.FLAT_FIELDS[4:] == tuple(q.code for q in CORE.questions if q.kind is not Kind.IIN)
    assert "satisfaction" in rows.RESPONSE_FIELDS and "subjects" not in rows.RESPONSE_FIELDS
    # rule G12 compares the answers of the personal sections
    assert CORE.personal == tuple(q.code for q in CORE.questions if q.page in ("education", "work"))
    # every core answer has a column of its own (a question without one is kept in ``answers``)
    assert all(code in Model.__table__.c for code in (q.code for q in CORE.columns if q.kind is not Kind.ROWS))


def test_hints_and_show_when_come_from_the_records(client, link, make_iin_for):
    start(client, link, make_iin_for(BIRTH, "f"), lang="kk")
    page = client.get(f"/q/{link.token}/step/1").get_data(as_text=True)
    assert "0,25-тен 2-ге дейін, 0,25 қадаммен." in page  # the rate's range and step, in Kazakh numbers
    assert "Осы ұйымдағы аптасына сабақ саны, 0-ден 40-қа дейін." in page
    for number in (1, 2):
        post(client, f"/q/{link.token}/step/{number}", {**STEP_DATA[number], "action": "next"})
    page = client.get(f"/q/{link.token}/step/3").get_data(as_text=True)
    assert 'id="category_year-group" data-show-when="category!=none"' in page
    assert 'id="specialty-group" data-show-when="education_level!=secondary"' in page


def test_a_changed_range_changes_the_rules_the_hint_and_the_export_label(app):
    """Numbers are written once: the range of a record fills in its hint, its messages and its column header."""
    from dataclasses import replace

    from flask_babel import force_locale

    from survey import rules
    from survey.reports.labels import column_labels

    wider = replace(CORE["teaching_hours"], high=45)
    assert "0 to 45" in wider.text("hint")
    known = {"subjects": [{"subject": "mathematics", "hours": 44, "language": None}]}
    for questionnaire, ok in ((_with(wider), True), (CORE, False)):
        ctx = rules.RuleContext(dt.date(2026, 11, 1), questionnaire=questionnaire)
        checked = rules.check({"teaching_hours": "44"}, ctx, ("teaching_hours",), known)
        assert checked.ok is ok, checked.errors
    assert str(checked.errors[0].message) == "Enter a number from 0 to 40."
    scale = replace(CORE["satisfaction"], low=0, high=10)
    with force_locale("ru"):
        assert str(column_labels(_with(scale))["satisfaction"]) == "Удовлетворённость работой (0–10)"
        assert str(column_labels(CORE)["satisfaction"]) == "Удовлетворённость работой (1–4)"


def _with(question: Question):
    """The core questionnaire with ``question`` in place of the record of the same code."""
    return questions.Questionnaire(CORE.pages, tuple(question if q.code == question.code else q
                                                     for q in CORE.questions))


def test_the_satisfaction_question_lives_in_at_most_four_files():
    found = subprocess.run(["grep", "-rlw", "satisfaction", "survey", "templates"], cwd=ROOT, capture_output=True,
                           text=True).stdout.split()
    files = [f for f in found if "/migrations/" not in f and "/translations/" not in f and "__pycache__" not in f]
    assert len(files) <= 4, files


# ---- the XLSForm ----------------------------------------------------------------------------------------------

@pytest.fixture
def campaign_with_orgs(make_org, make_campaign):
    campaign = make_campaign(code="ALMATY-26", levels="school")
    make_org(bin="940140000385", name_kk="№1 мектеп", name_ru="Школа №1")
    make_org(bin="040140000385", name_ru="Школа №2")
    make_org(level="college", name_ru="Колледж")  # its level takes no part
    return campaign


def test_the_cli_writes_the_campaigns_xlsform_and_pyxform_converts_it(runner, campaign_with_orgs, tmp_path):
    out = tmp_path / "questionnaire.xlsx"
    result = runner.invoke(args=["survey", "questionnaire", "--campaign", "ALMATY-26", "--out", str(out)])
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    assert book.sheetnames == ["survey", "choices", "settings"]
    survey = _rows(book, 0)
    assert survey[0][:5] == ("type", "name", "label::Kazakh (kk)", "label::Russian (ru)", "label::English (en)")
    assert {"hint::Kazakh (kk)", "required", "relevant", "constraint", "constraint_message::Russian (ru)"} <= set(
        survey[0])
    by_name = {row[1]: dict(zip(survey[0], row)) for row in survey[1:] if row[1]}
    assert by_name["org_bin"]["type"] == "select_one organizations"
    choices = _rows(book, 1)
    assert [row[1:4] for row in choices if row[0] == "organizations"] == [
        ("040140000385", "Школа №2", "Школа №2"), ("940140000385", "№1 мектеп", "Школа №1")]
    assert by_name["iin"]["type"] == "text" and "regex(., '^[0-9]{12}$')" in by_name["iin"]["constraint"]
    assert by_name["category_year"]["relevant"] == "${category} != '' and ${category} != 'none'"
    assert by_name["rate"]["constraint"] == ". >= 0.25 and . <= 2 and round(. * 4, 0) = . * 4"
    assert by_name["rate"]["hint::Russian (ru)"] == "От 0,25 до 2 с шагом 0,25."
    assert by_name["satisfaction"]["type"] == "select_one satisfaction"
    assert [row[0] for row in survey].count("begin_repeat") == 2  # subjects and other jobs
    assert ("begin_repeat", "subjects") in [row[:2] for row in survey]
    assert ("satisfaction", "4", "Толық келісемін", "Полностью согласен(на)", "Strongly agree") in choices
    assert _rows(book, 2)[1][:2] == ("Сауалнама", "ALMATY-26")
    assert _convert(out.read_bytes()) == []


@pytest.mark.skipif(subprocess.run(["which", "java"], capture_output=True).returncode != 0,
                    reason="ODK Validate needs Java")
def test_odk_validate_accepts_the_xlsform(app, campaign_with_orgs):
    from survey.questionnaire.xlsform import write_xlsform

    workbook = io.BytesIO()
    write_xlsform(CORE, campaign_with_orgs, workbook)
    assert _convert(workbook.getvalue(), validate=True) == []


def test_the_console_offers_the_xlsform_to_national_administrators(client, login, make_user, campaign_with_orgs):
    login(make_user("national_admin"))
    page = client.get("/admin/campaigns").get_data(as_text=True)
    url = f"/admin/campaigns/{campaign_with_orgs.id}/questionnaire.xlsx"
    assert f'href="{url}"' in page
    reply = client.get(url)
    assert reply.status_code == 200 and reply.mimetype.endswith("spreadsheetml.sheet")
    assert "ALMATY-26-questionnaire.xlsx" in reply.headers["Content-Disposition"]
    assert load_workbook(io.BytesIO(reply.data)).sheetnames == ["survey", "choices", "settings"]


def test_a_campaign_without_organizations_has_no_xlsform(client, login, make_user, make_campaign, runner):
    campaign = make_campaign(code="EMPTY")
    login(make_user("national_admin"))
    reply = client.get(f"/admin/campaigns/{campaign.id}/questionnaire.xlsx")
    assert reply.status_code == 302
    assert "No organization takes part" in client.get(reply.headers["Location"]).get_data(as_text=True)
    result = runner.invoke(args=["survey", "questionnaire", "--campaign", "EMPTY", "--out", "/tmp/never.xlsx"])
    assert result.exit_code == 1 and "No organization takes part" in result.output
    result = runner.invoke(args=["survey", "questionnaire", "--campaign", "NONE", "--out", "/tmp/never.xlsx"])
    assert result.exit_code == 1 and "No campaign has the code NONE" in result.output


def _xpath_functions():
    """ODK's functions that XPath 1.0 lacks, as JavaRosa defines them, for lxml to evaluate our expressions."""
    from lxml import etree

    def text(value):
        return value if isinstance(value, str) else "".join(node.text or "" for node in value)

    functions = etree.FunctionNamespace(None)
    functions["substr"] = lambda _ctx, value, start, end: text(value)[int(start):int(end)]
    functions["regex"] = lambda _ctx, value, pattern: re.search(pattern, text(value)) is not None
    return etree


def test_the_xlsform_checks_an_iin_and_a_bin_as_the_domain_does(rng):
    from survey.demo import make_bin, make_iin
    from survey.domain import IdentityError, check_id, parse_iin
    from survey.questionnaire.xlsform import check_digit_constraint

    etree = _xpath_functions()
    iin_rule, bin_rule = (etree.XPath(check_digit_constraint(iin=kind)) for kind in (True, False))

    def accepted(rule, number: str) -> bool:
        return bool(rule(etree.fromstring(f"<answer>{number}</answer>")))

    def valid(check, number: str) -> bool:
        try:
            check(number)
        except IdentityError:
            return False
        return True

    numbers = ["900515400123", "061211600012", "940140000385", "900515400124", "12345", "9005154001234",
               "90051540012x", "901315400123", "900515700123"]
    for _ in range(300):
        number = make_iin(dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(25_000)), rng.choice("mf"), rng)
        numbers += [number, number[:11] + str((int(number[11]) + 1) % 10), make_bin(rng)]
    for number in numbers:
        assert accepted(iin_rule, number) == valid(parse_iin, number), number
        assert accepted(bin_rule, number) == valid(check_id, number), number
