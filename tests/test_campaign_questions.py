"""Campaign questions from an XLSForm (issue 17): reading the form, refusing what is not supported (each problem
with its sheet, row and column, nothing saved), the versions of a campaign's set and the questionnaire it asks."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from survey.campaigns.questions import (
    MORE_PAGE, Definition, XLSFormRefused, questionnaire_for, questions_of_version, read_xlsform, upload_questions,
)
from survey.extensions import db
from survey.models import AuditEvent, CampaignQuestionSet
from survey.questions import CORE, Kind, Translated
from tests.xlsforms import CHOICES_HEADERS, EXAMPLE, EXAMPLE_CHOICES, EXAMPLE_SURVEY, SURVEY_HEADERS, question, xlsform


def test_the_example_form_is_read_into_records(app):
    definition = read_xlsform(EXAMPLE, "example.xlsx")
    assert [page.key for page in definition.pages] == ["x_digital"]
    assert definition.pages[0].title == Translated("Цифрлық дағдылар", "Цифровые навыки", "Digital skills")
    assert definition.names == ("digital_skills", "ai_tools", "mentor_hours", "other_tool")
    skills, tools, hours, other = definition.questions
    assert (skills.kind, skills.mandatory, skills.list_name) == (Kind.ONE, True, "skill_level")
    assert skills.choice_codes() == ("none", "basic", "confident", "advanced")
    assert skills.options[2].label == Translated("Сенімді", "Уверенные", "Confident")
    assert (tools.kind, tools.mandatory) == (Kind.MANY, False)
    assert tools.relevant.as_json() == ["cmp", "=", ["ref", "ai_use"], ["str", "true"]]
    assert hours.kind is Kind.INTEGER and hours.constraint.text == ". >= 0 and . <= 20"
    assert hours.hint == Translated("0-ден 20-ға дейін.", "От 0 до 20.", "")
    assert hours.constraint_message == Translated("0-ден 20-ға дейінгі сан.", "Число от 0 до 20.", "")
    assert (other.kind, other.limit) == (Kind.TEXT, 1000)
    assert other.relevant.holds({"ai_tools": ["chatgpt", "other"]})
    assert not other.relevant.holds({"ai_tools": ["chatgpt"]})
    assert all(q.page == "x_digital" and q.version is None for q in definition.questions)
    # what a version keeps is plain JSON, and gives the same records back
    again = Definition.from_json(json.loads(json.dumps(definition.as_json())), 3)
    assert again.as_json() == definition.as_json()
    assert {q.version for q in again.questions} == {3} and all(q.is_extra for q in again.questions)


def test_plain_language_columns_notes_and_questions_outside_groups(app):
    form = xlsform([
        ["type", "name", "label::kk", "label::ru", "required", "default"],
        ["note", "intro", "Кіріспе", "Вступление", "", ""],
        ["decimal", "share", "Үлес", "Доля", "TRUE", "12.5"],
        ["date", "trained_on", "Күні", "Дата", "no", ""],
        ["select_multiple tools", "tools", "Құралдар", "Инструменты", "", "b a"],
    ], [["list_name", "name", "label::kk", "label::ru"], ["tools", "a", "А", "А"], ["tools", "b", "Б", "Б"]])
    definition = read_xlsform(form, "f.xlsx")
    assert [page.key for page in definition.pages] == [MORE_PAGE]
    note, share, date, tools = definition.questions
    assert note.kind is Kind.NOTE and not note.is_stored
    assert (share.kind, share.mandatory, share.default) == (Kind.DECIMAL, True, "12.5")
    assert (date.kind, date.mandatory) == (Kind.DATE, False)
    assert tools.default == ["a", "b"]  # in the order of the choices


def test_upload_makes_versions_and_the_questionnaire_asks_them(app, make_campaign):
    campaign = make_campaign(status="draft")
    first = upload_questions(campaign, EXAMPLE, "example.xlsx")
    assert (first.version, campaign.questions_version, first.form, first.filename) == (1, 1, EXAMPLE, "example.xlsx")
    questionnaire = questionnaire_for(campaign)
    assert questionnaire.questions[:len(CORE.questions)] == CORE.questions
    assert [step.key for step in questionnaire.steps][-1] == "x_digital"
    assert questionnaire.step_by_number[len(CORE.steps) + 1].fields == (
        "digital_skills", "ai_tools", "mentor_hours", "other_tool")
    assert questionnaire["ai_tools"].version == 1 and "digital_skills" in questionnaire.mandatory
    # a draft's set is replaced whole, and the old version is kept
    smaller = xlsform([SURVEY_HEADERS, question("integer", "pupils", "Оқушылар", "Ученики", required="yes")])
    second = upload_questions(campaign, smaller, "smaller.xlsx")
    assert (second.version, campaign.questions_version) == (2, 2)
    assert "digital_skills" not in questionnaire_for(campaign) and questionnaire_for(campaign)["pupils"].version == 2
    assert questions_of_version(campaign.id, 1).names == ("digital_skills", "ai_tools", "mentor_hours", "other_tool")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CampaignQuestionSet)) == 2
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "campaign.questions")).all()
    assert [event.details["version"] for event in events] == [1, 2]


def test_a_campaign_without_its_own_questions_asks_the_core_ones(app, make_campaign):
    assert questionnaire_for(make_campaign()) is CORE


def test_the_conftest_fixture_uploads_rows(app, make_campaign, make_campaign_questions):
    questionnaire = make_campaign_questions(make_campaign(status="draft"), EXAMPLE_SURVEY, EXAMPLE_CHOICES)
    assert questionnaire["mentor_hours"].constraint.holds({}, here=20)
    assert not questionnaire["mentor_hours"].constraint.holds({}, here=21)


def refused(survey_rows, choices_rows=(CHOICES_HEADERS,)) -> list[tuple]:
    with pytest.raises(XLSFormRefused) as caught:
        read_xlsform(xlsform(survey_rows, choices_rows), "bad.xlsx")
    return [(p.sheet, p.row, p.column) for p in caught.value.problems]


def test_a_refused_form_names_sheet_row_and_column_and_saves_nothing(app, make_campaign):
    campaign = make_campaign(status="draft")
    rows = [SURVEY_HEADERS, question("integer", "fine", "Жақсы", "Хорошо"),
            question("begin_repeat", "kids", "Балалар", "Дети")]
    with pytest.raises(XLSFormRefused) as caught:
        upload_questions(campaign, xlsform(rows), "bad.xlsx")
    assert [(p.sheet, p.row, p.column) for p in caught.value.problems] == [("survey", 3, "type")]
    assert "Repeats" in str(caught.value.problems[0])
    assert campaign.questions_version is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CampaignQuestionSet)) == 0
