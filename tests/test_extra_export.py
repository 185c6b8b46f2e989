"""A campaign's own questions everywhere the core answers go out and back (issue 17 item 3): the flat layout (one
column per question name, a select_multiple as its names separated by spaces), its round trip through the paper
import, and the raw export (one column per question, codes or labels in kk/ru/en, listed in the Codebook sheet)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from survey.campaigns.questions import questionnaire_for
from survey.extensions import db
from survey.models import Campaign, Response
from survey.questionnaire.paper import import_responses
from survey.questionnaire.services import apply_values, stored_values
from tests.test_odk_kobo import BINS, odk_zip
from tests.xlsforms import EXAMPLE

EXTRA = {  # by last name: the EXAMPLE answers, typed as the rules give them
    "Ахметова": {"digital_skills": "confident", "ai_tools": ["chatgpt", "other"], "mentor_hours": 4,
                 "other_tool": "Qwen"},
    "Омаров": {"digital_skills": "none", "ai_tools": [], "mentor_hours": 0, "other_tool": None},
    "Ким": {"digital_skills": "advanced", "ai_tools": ["chatgpt", "gemini"], "mentor_hours": None,
            "other_tool": None},
}


@pytest.fixture
def campaign(make_org, make_campaign, make_campaign_questions):
    """Three teachers (the ODK fixture's core answers), then EXAMPLE's answers given under version 1."""
    for number, bin_ in enumerate(BINS, start=1):
        make_org(bin=bin_, name_ru=f"Школа {number}")
    campaign = make_campaign(code="STAFF26", status="draft")
    import_responses(campaign, odk_zip(), "STAFF26.csv.zip", source="odk")
    questionnaire = make_campaign_questions(campaign, EXAMPLE)
    for response in db.session.scalars(sa.select(Response)):
        apply_values(response, EXTRA[response.last_name], source="web")
    campaign.status = "open"
    db.session.commit()
    return campaign


def by_name(campaign: Campaign) -> dict[str, dict]:
    questionnaire = questionnaire_for(campaign)
    found = db.session.scalars(sa.select(Response).where(Response.campaign_id == campaign.id))
    return {r.last_name: {**stored_values(r, questionnaire), "org": r.organization.bin,
                          "versions": r.answer_versions} for r in found}


def export(runner, tmp_path: Path, *options: str) -> Path:
    out = tmp_path / f"export-{len(list(tmp_path.iterdir()))}.xlsx"
    result = runner.invoke(args=["survey", "export", "responses", "--campaign", "STAFF26", *options, "--out",
                                 str(out)])
    assert result.exit_code == 0, result.output
    return out


def sheet(path: Path, index: int = 0) -> list[list]:
    book = openpyxl.load_workbook(path, read_only=True)
    rows = [list(row) for row in book.worksheets[index].iter_rows(values_only=True)]
    return [row + [None] * (len(rows[0]) - len(row)) for row in rows]


def test_extra_answers_record_their_version(app, campaign):
    stored = by_name(campaign)
    assert stored["Ахметова"]["ai_tools"] == ["chatgpt", "other"] and stored["Ахметова"]["mentor_hours"] == 4
    assert stored["Ахметова"]["versions"] == {"digital_skills": 1, "ai_tools": 1, "mentor_hours": 1,
                                              "other_tool": 1}
    assert stored["Омаров"]["versions"] == {"digital_skills": 1, "mentor_hours": 1}  # blank answers: none given


def test_the_flat_layout_has_a_column_per_question_and_space_separated_choices(app, runner, campaign, tmp_path):
    rows = sheet(export(runner, tmp_path, "--headers", "codes", "--layout", "flat"))
    header = rows[0]
    assert header[-4:] == ["digital_skills", "ai_tools", "mentor_hours", "other_tool"]
    assert len({row[header.index("person_key")] for row in rows[1:]}) == 3
    values = {row[header.index("digital_skills")]: row[header.index("ai_tools")] for row in rows[1:]}
    assert values == {"confident": "chatgpt other", "none": None, "advanced": "chatgpt gemini"}
    assert sorted(row[header.index("mentor_hours")] for row in rows[1:] if row[header.index("mentor_hours")]
                  is not None) == [0, 4]


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_flat_export_imports_back_with_identical_answers(app, runner, campaign, tmp_path, make_campaign,
                                                         make_campaign_questions, file_format):
    out = tmp_path / f"flat.{'xlsx' if file_format == 'xlsx' else 'zip'}"
    result = runner.invoke(args=["survey", "export", "responses", "--campaign", "STAFF26", "--headers", "codes",
                                 "--layout", "flat", "--format", file_format, "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    if file_format == "csv":
        import zipfile

        if zipfile.is_zipfile(out):
            with zipfile.ZipFile(out) as archive:
                data = archive.read(next(n for n in archive.namelist() if n.endswith(".csv")))
        text = data.decode("utf-8-sig")
        header = next(csv.reader(io.StringIO(text)))
        assert header[-4:] == ["digital_skills", "ai_tools", "mentor_hours", "other_tool"]
        assert "chatgpt other" in text
    copy = make_campaign(code="COPY26", status="draft")
    make_campaign_questions(copy, EXAMPLE)
    copy.status = "open"
    db.session.commit()
    summary = import_responses(copy, data, out.name if file_format == "xlsx" else "flat.csv")
    db.session.commit()
    assert (summary.created, summary.updated, summary.unchanged) == (3, 0, 0)
    assert by_name(copy) == by_name(campaign)
    again = import_responses(copy, data, out.name if file_format == "xlsx" else "flat.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


@pytest.mark.parametrize("lang, header, skill, tools", [
    ("kk", "Цифрлық дағдыларыңызды қалай бағалайсыз?", "Сенімді", "ChatGPT; Басқа"),
    ("ru", "Как вы оцениваете свои цифровые навыки?", "Уверенные", "ChatGPT; Другое"),
    ("en", "How do you rate your digital skills?", "Confident", "ChatGPT; Other"),
])
def test_the_raw_export_labels_extra_questions_and_the_codebook_lists_them(app, runner, campaign, tmp_path, lang,
                                                                           header, skill, tools):
    path = export(runner, tmp_path, "--headers", "labels", "--lang", lang)
    responses = sheet(path)
    columns = responses[0]
    assert header in columns
    first = next(row for row in responses[1:] if row[columns.index(header)] == skill)
    tools_header = {"kk": "Қандай ЖИ құралдарын қолданасыз?", "ru": "Какими инструментами ИИ вы пользуетесь?",
                    "en": "Which AI tools do you use?"}[lang]
    assert first[columns.index(tools_header)] == tools
    book = openpyxl.load_workbook(path, read_only=True)
    title = {"kk": "Кодтар анықтамалығы", "ru": "Справочник кодов", "en": "Codebook"}[lang]
    codebook = book[title]
    entries = [list(row) for row in codebook.iter_rows(values_only=True)]
    assert ["column", "digital_skills", "Цифрлық дағдыларыңызды қалай бағалайсыз?",
            "Как вы оцениваете свои цифровые навыки?", "How do you rate your digital skills?"] in entries
    assert ["digital_skills", "confident", "Сенімді", "Уверенные", "Confident"] in entries
    assert ["ai_tools", "other", "Басқа", "Другое", "Other"] in entries
    assert [row[1] for row in entries if row[0] == "ai_tools"] == ["chatgpt", "gemini", "copilot", "other"]


def test_the_raw_export_in_codes_writes_choice_names(app, runner, campaign, tmp_path):
    responses = sheet(export(runner, tmp_path, "--headers", "codes"))
    columns = responses[0]
    tools = sorted(row[columns.index("ai_tools")] or "" for row in responses[1:])
    assert tools == ["", "chatgpt gemini", "chatgpt other"]
    assert sorted(row[columns.index("mentor_hours")] for row in responses[1:]
                  if row[columns.index("mentor_hours")] is not None) == [0, 4]


def test_the_flat_layout_reads_several_choices_separated_by_spaces(app, make_org, make_campaign, make_iin_for):
    from tests.test_paper_import import csv as flat_csv
    from tests.test_paper_import import line

    org = make_org(bin="940140000385")
    campaign = make_campaign(code="PAPER26")
    data = flat_csv(line(org.bin, make_iin_for(), languages="kk ru", ai_use="true",
                         ai_purposes="lesson_planning  assessment"))
    summary = import_responses(campaign, data, "paper.csv")
    assert summary.created == 1
    response = db.session.scalars(sa.select(Response)).one()
    assert (response.languages, response.ai_purposes) == ("kk;ru", "lesson_planning;assessment")
