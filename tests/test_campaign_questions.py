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


def test_headers_and_types_as_pyxform_also_reads_them(app):
    form = xlsform([["Type", "Name", "Label::kk", "Label::ru", "Constraint Message::kk", "Constraint Message::ru",
                     "Relevant"],
                    ["begin group", "g", "Топ", "Группа", "", "", ""],
                    ["select all that apply tools", "tools", "Құралдар", "Инструменты", "", "", "${ai_use} = 'true'"],
                    ["select one tools", "main_tool", "Негізгі", "Основной", "Біреуі", "Один", ""],
                    ["end group", "", "", "", "", "", ""]], LIST)
    definition = read_xlsform(form, "f.xlsx")
    tools, main = definition.questions
    assert [page.key for page in definition.pages] == ["x_g"]
    assert (tools.kind, tools.relevant.names, main.kind) == (Kind.MANY, {"ai_use"}, Kind.ONE)
    assert main.constraint_message == Translated("Біреуі", "Один")


def test_columns_without_a_language_are_in_the_forms_default_language(app):
    form = xlsform([["type", "name", "label", "label::Russian (ru)", "hint", "hint::ru"],
                    ["integer", "pupils", "Оқушылар", "Ученики", "Барлығы", "Всего"]],
                   settings=[["form_title", "default_language"], ["Мектеп", "Kazakh (kk)"]])
    pupils = read_xlsform(form, "f.xlsx").questions[0]
    assert (pupils.label, pupils.hint) == (Translated("Оқушылар", "Ученики"), Translated("Барлығы", "Всего"))


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


# ---- refusals: every feature the platform does not take, named by sheet, row and column ----------------------

H = SURVEY_HEADERS
C = CHOICES_HEADERS
FINE = question("integer", "fine", "Жақсы", "Хорошо")
LIST = [C, ["tools", "a", "А", "А"], ["tools", "b", "Б", "Б"]]


def q(type_: str, name: str, **columns) -> list[str]:
    return question(type_, name, f"{name} kk", f"{name} ru", **columns)


REFUSALS = {
    "repeat": ([H, FINE, q("begin_repeat", "kids"), q("integer", "age"), q("end_repeat", "")], [C],
               [("survey", 3, "type"), ("survey", 5, "type")], "Repeats"),
    "calculate": ([H, FINE, q("calculate", "total")], [C], [("survey", 3, "type")], "Calculations"),
    "choice filter": ([[*H, "choice_filter"], [*FINE, ""], [*q("select_one tools", "tool"), "name = 'a'"]], LIST,
                      [("survey", 3, "choice_filter")], "choice_filter"),
    "select from a file": ([H, FINE, q("select_one_from_file towns.csv", "town")], [C], [("survey", 3, "type")],
                           "External"),
    "select external": ([H, FINE, q("select_one_external towns", "town")], [C], [("survey", 3, "type")],
                        "External"),
    "or_other": ([H, FINE, q("select_one tools or_other", "tool")], LIST, [("survey", 3, "type")], "or_other"),
    "photo": ([H, FINE, q("image", "photo")], [C], [("survey", 3, "type")], "Media"),
    "audio": ([H, FINE, q("audio", "voice")], [C], [("survey", 3, "type")], "Media"),
    "media column": ([[*H, "media::image::kk"], [*FINE, ""], [*q("note", "look"), "pic.png"]], [C],
                     [("survey", 3, "media::image::kk")], "not supported"),
    "geopoint": ([H, FINE, q("geopoint", "where")], [C], [("survey", 3, "type")], "geo"),
    "geoshape": ([H, q("geoshape", "area"), FINE], [C], [("survey", 2, "type")], "geo"),
    "calculation column": ([[*H, "calculation"], [*FINE, ""], [*q("integer", "x"), "${fine} * 2"]], [C],
                           [("survey", 3, "calculation")], "calculation"),
    "repeat_count column": ([[*H, "repeat_count"], [*FINE, "3"]], [C], [("survey", 2, "repeat_count")], "repeat"),
    "read_only column": ([[*H, "read_only"], [*FINE, ""], [*q("text", "x"), "yes"]], [C],
                         [("survey", 3, "read_only")], "read_only"),
    "range type": ([H, FINE, q("range", "scale")], [C], [("survey", 3, "type")], "range"),
    "core name": ([H, FINE, q("integer", "teaching_hours")], [C], [("survey", 3, "name")], "core"),
    "core name in other case": ([H, q("text", "Post"), FINE], [C], [("survey", 2, "name")], "core"),
    "core part name": ([H, FINE, q("text", "subject")], [C], [("survey", 3, "name")], "core"),
    "response column": ([H, FINE, q("text", "status")], [C], [("survey", 3, "name")], "core"),
    "core list name": ([H, FINE, q("select_one post", "my_post")], [C, ["post", "a", "А", "А"]],
                       [("choices", 2, "list_name")], "core"),
    "bad name": ([H, FINE, q("text", "my-answer")], [C], [("survey", 3, "name")], "Latin"),
    "name twice": ([H, FINE, q("text", "fine")], [C], [("survey", 3, "name")], "row 2"),
    "no name": ([H, FINE, q("text", "")], [C], [("survey", 3, "name")], "no name"),
    "bad relevant": ([H, FINE, q("text", "x", relevant="${fine} + 1 = 2")], [C], [("survey", 3, "relevant")],
                     "cannot be read"),
    "bad constraint": ([H, FINE, q("text", "x", constraint="today() > .")], [C], [("survey", 3, "constraint")],
                       "today"),
    "unknown name": ([H, FINE, q("text", "x", relevant="${nope} = 1")], [C], [("survey", 3, "relevant")], "nope"),
    "the IIN is never stored": ([H, FINE, q("text", "x", relevant="${iin} != ''")], [C],
                                [("survey", 3, "relevant")], "iin"),
    "a note holds no answer": ([H, q("note", "intro"), q("text", "x", relevant="${intro} = ''")], [C],
                               [("survey", 3, "relevant")], "intro"),
    "dot in relevant": ([H, FINE, q("text", "x", relevant=". = 'a'")], [C], [("survey", 3, "relevant")],
                        "constraint"),
    "shown by itself": ([H, FINE, q("text", "x", relevant="${x} = ''")], [C], [("survey", 3, "relevant")],
                        "own answer"),
    "circle": ([H, q("text", "a", relevant="${b} = 'y'"), q("text", "b", relevant="${a} = 'x'")], [C],
               [("survey", 2, "relevant")], "circle"),
    "kk label missing": ([["type", "name", "label::ru"], ["integer", "x", "Икс"]], [C],
                         [("survey", 2, "label::kk")], "Kazakh"),
    "ru label missing in a row": ([H, FINE, question("text", "x", "Икс", "")], [C], [("survey", 3, "label::ru")],
                                  "Russian"),
    "hint in one language": ([H, FINE, q("text", "x", hint=("Кеңес", ""))], [C], [("survey", 3, "hint::ru")],
                             "Russian"),
    "label without a language": ([["type", "name", "label", "label::kk", "label::ru"], ["integer", "x", "X", "Х",
                                                                                         "Х"]], [C],
                                 [("survey", 1, "label")], "language"),
    "unknown language": ([[*H, "label::French (fr)"], [*FINE, "Bien"]], [C], [("survey", 1, "label::French (fr)")],
                         "language"),
    "choice label missing": ([H, q("select_one tools", "tool")], [C, ["tools", "a", "А", ""]],
                             [("choices", 2, "label::ru")], "Russian"),
    "choice name with a space": ([H, q("select_multiple tools", "tool")], [C, ["tools", "a b", "А", "А"]],
                                 [("choices", 2, "name")], "spaces"),
    "choice twice": ([H, q("select_one tools", "tool")], [*LIST, ["tools", "a", "А", "А"]],
                     [("choices", 4, "name")], "twice"),
    "list not on choices": ([H, FINE, q("select_one tools", "tool")], [C], [("survey", 3, "type")], "tools"),
    "select without a list": ([H, FINE, q("select_one", "tool")], [C], [("survey", 3, "type")], "list"),
    "group in a group": ([H, q("begin_group", "g"), q("begin_group", "h"), FINE, q("end_group", ""),
                          q("end_group", "")], [C], [("survey", 3, "type")], "inside"),
    "group not ended": ([H, q("begin_group", "g"), FINE], [C], [("survey", 2, "type")], "end_group"),
    "end without begin": ([H, FINE, q("end_group", "")], [C], [("survey", 3, "type")], "begin_group"),
    "empty group": ([H, FINE, q("begin_group", "g"), q("end_group", "")], [C], [("survey", 3, "type")],
                    "no question"),
    "required is an expression": ([H, FINE, q("text", "x", required="${fine} > 3")], [C],
                                  [("survey", 3, "required")], "yes or no"),
    "a note required": ([H, FINE, q("note", "n", required="yes")], [C], [("survey", 3, "required")], "note"),
    "default of another type": ([[*H, "default"], [*FINE, "many"]], [C], [("survey", 2, "default")], "many"),
    "default not a choice": ([[*H, "default"], [*q("select_one tools", "tool"), "c"]], LIST,
                             [("survey", 2, "default")], "“c”"),
    "no question": ([H, q("begin_group", "g"), q("end_group", "")], [C],
                    [("survey", 2, "type"), ("survey", None, None)], "no question"),
}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_each_refused_feature_is_named_by_sheet_row_and_column(app, case):
    survey_rows, choices_rows, where, fragment = REFUSALS[case]
    with pytest.raises(XLSFormRefused) as caught:
        read_xlsform(xlsform(survey_rows, choices_rows), "bad.xlsx")
    problems = caught.value.problems
    assert [(p.sheet, p.row, p.column) for p in problems] == where
    assert fragment in str(problems[0]), str(problems[0])
    if where[0][1]:
        assert f"row {where[0][1]}" in str(problems[0])


def test_an_empty_column_of_an_unsupported_kind_changes_nothing_and_kobo_columns_are_passed_over(app):
    form = xlsform([[*H, "calculation", "$kuid", "$autoname"], [*FINE, "", "ab12", "fine"],
                    ["start", "start", "", "", "", "", "", "", "", "", "", "", "", "", ""]])
    assert read_xlsform(form, "kobo.xlsx").names == ("fine",)


@pytest.mark.parametrize(("sheet", "fragment"), [("external_choices", "External"), ("entities", "Entities"),
                                                 ("osm", "OpenStreetMap")])
def test_sheets_of_refused_features(app, sheet, fragment):
    form = xlsform([H, FINE], [C], sheets={sheet: [["list_name", "name", "label"], ["towns", "a", "A"]]})
    with pytest.raises(XLSFormRefused) as caught:
        read_xlsform(form, "bad.xlsx")
    assert [(p.sheet, p.row, p.column) for p in caught.value.problems] == [(sheet, None, None)]
    assert fragment in str(caught.value.problems[0])


@pytest.mark.parametrize("data", [b"", b"type,name\ninteger,x\n", b"PK\x03\x04broken"])
def test_a_file_that_is_no_workbook_is_refused(app, data):
    with pytest.raises(XLSFormRefused) as caught:
        read_xlsform(data, "form.xlsx")
    assert len(caught.value.problems) == 1 and caught.value.problems[0].row is None


def test_a_form_too_large_or_with_too_many_questions_is_refused(app, monkeypatch):
    from survey.campaigns import questions as module

    with pytest.raises(XLSFormRefused) as caught:
        read_xlsform(b"PK\x03\x04" + b"0" * module.MAX_FORM_BYTES, "huge.xlsx")
    assert "larger than 2 MB" in str(caught.value.problems[0])
    monkeypatch.setattr(module, "MAX_QUESTIONS", 3)
    assert refused([H, *(q("integer", f"n{i}") for i in range(4))]) == [("survey", None, None)]
    assert read_xlsform(xlsform([H, *(q("integer", f"n{i}") for i in range(3))]), "f.xlsx").names == ("n0", "n1",
                                                                                                         "n2")


def test_every_problem_of_a_form_is_listed_at_once(app):
    problems = refused([H, q("geopoint", "where"), q("integer", "post"), q("text", "x", relevant="${y} = 1")])
    assert problems == [("survey", 2, "type"), ("survey", 3, "name"), ("survey", 4, "relevant")]


def test_a_workbook_with_a_document_type_declaration_is_refused(app):
    from tests.spreadsheets import with_part
    from tests.test_upload_limits import with_dtd

    with pytest.raises(XLSFormRefused) as caught:
        read_xlsform(with_part(EXAMPLE, *with_dtd("xl/workbook.xml")), "form.xlsx")
    assert "document type declaration" in str(caught.value.problems[0])


# ---- versions: a draft's set is replaced, an open campaign's only grows ------------------------------------------

def _example(extra_rows=(), extra_choices=(), change=None) -> bytes:
    survey = [list(row) for row in EXAMPLE_SURVEY]
    survey[-1:-1] = [list(row) for row in extra_rows]  # before end_group
    choices = [list(row) for row in EXAMPLE_CHOICES] + [list(row) for row in extra_choices]
    if change:
        change(survey, choices)
    return xlsform(survey, choices)


@pytest.fixture
def open_with_example(app, make_campaign):
    campaign = make_campaign(status="draft")
    upload_questions(campaign, EXAMPLE, "example.xlsx")
    campaign.status = "open"
    db.session.commit()
    return campaign


def test_an_open_campaign_takes_optional_questions_and_new_choices(app, open_with_example):
    campaign = open_with_example
    grown = _example([q("text", "mentor_topics"), q("note", "thanks")],
                     [["skill_level", "expert", "Сарапшы", "Эксперт", "Expert"]])
    assert upload_questions(campaign, grown, "grown.xlsx").version == 2
    questionnaire = questionnaire_for(campaign)
    assert questionnaire["digital_skills"].choice_codes()[-1] == "expert"
    assert questionnaire["mentor_topics"].version == 2
    assert questions_of_version(campaign.id, 1).questions[0].choice_codes() == ("none", "basic", "confident",
                                                                                "advanced")


def _relabel(survey, choices):
    survey[2][3] = "Другой текст вопроса"


def _drop_choice(survey, choices):
    del choices[1]


def _require(survey, choices):
    survey[3][7] = "yes"


def _drop(survey, choices):
    del survey[4]


@pytest.mark.parametrize(("form", "where", "fragment"), [
    (lambda: _example([q("text", "must", required="yes")]), ("survey", None, "required"), "must"),
    (lambda: _example(change=_relabel), ("survey", None, "name"), "digital_skills"),
    (lambda: _example(change=_drop_choice), ("survey", None, "name"), "digital_skills"),
    (lambda: _example(change=_require), ("survey", None, "name"), "ai_tools"),
    (lambda: _example(change=_drop), ("survey", None, "name"), "mentor_hours"),
], ids=["new required question", "changed label", "dropped choice", "made required", "dropped question"])
def test_an_open_campaign_refuses_changes_that_alter_given_answers(app, open_with_example, form, where, fragment):
    campaign = open_with_example
    with pytest.raises(XLSFormRefused) as caught:
        upload_questions(campaign, form(), "changed.xlsx")
    problem = caught.value.problems[0]
    assert (problem.sheet, problem.row, problem.column) == where and fragment in str(problem)
    db.session.rollback()
    assert campaign.questions_version == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CampaignQuestionSet)) == 1


def test_the_first_set_of_an_open_campaign_has_only_optional_questions(app, make_campaign):
    campaign = make_campaign(status="open")
    with pytest.raises(XLSFormRefused):
        upload_questions(campaign, EXAMPLE, "example.xlsx")
    optional = xlsform([H, q("integer", "pupils")])
    assert upload_questions(campaign, optional, "optional.xlsx").version == 1


def test_a_closed_campaign_keeps_its_questions(app, make_campaign):
    with pytest.raises(XLSFormRefused) as caught:
        upload_questions(make_campaign(status="closed"), EXAMPLE, "example.xlsx")
    assert "closed" in str(caught.value.problems[0])


# ---- the console's upload and the command ----------------------------------------------------------------------

def _post_form(client, csrf_token, url: str, data: bytes, filename: str = "form.xlsx"):
    import io

    token = csrf_token(url)
    return client.post(url, data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def test_a_national_administrator_uploads_the_questions_on_the_console(client, login, make_user, make_campaign,
                                                                         csrf_token):
    admin = make_user("national_admin")
    campaign = make_campaign(status="draft")
    login(admin)
    url = f"/admin/campaigns/{campaign.id}/questions"
    assert "core questions only" in client.get(url).get_data(as_text=True)
    answer = _post_form(client, csrf_token, url, EXAMPLE, "digital.xlsx")
    assert answer.status_code == 302 and answer.location.endswith(url)
    page = client.get(url).get_data(as_text=True)
    assert "Version 1 of the campaign&#39;s own questions is in force: 4 questions." in page
    assert "digital.xlsx" in page and "<code>other_tool</code>" in page and "in force" in page
    assert db.session.get(type(campaign), campaign.id).questions_version == 1
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "campaign.questions"))
    assert event.user_id == admin.id and event.details["source"] == "web" and event.details["version"] == 1
    assert f'href="{url}"' in client.get("/admin/campaigns").get_data(as_text=True)


def test_a_refused_form_lists_its_problems_in_the_readers_language_and_changes_nothing(client, login, make_user,
                                                                                        make_campaign, csrf_token):
    login(make_user("national_admin"))
    campaign = make_campaign(status="draft")
    client.get("/lang/ru")
    url = f"/admin/campaigns/{campaign.id}/questions"
    bad = xlsform([H, FINE, q("begin_repeat", "kids"), q("integer", "post"), q("end_repeat", "")])
    answer = _post_form(client, csrf_token, url, bad)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "Форма отклонена, ничего не изменено." in page
    assert "<td>survey</td><td>3</td><td>type</td><td>Повторяющиеся группы (repeat) не поддерживаются.</td>" in page
    assert "<td>survey</td><td>4</td><td>name</td><td>Имя «post» занято основной анкетой" in page
    assert db.session.get(type(campaign), campaign.id).questions_version is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CampaignQuestionSet)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


@pytest.mark.parametrize("role", ["director", "district_admin", "region_admin"])
def test_only_national_administrators_upload_questions(client, login, make_user, make_org, make_campaign, role,
                                                       csrf_token):
    org = make_org()
    scope = {"director": {"organization": org}, "district_admin": {"district": org.district},
             "region_admin": {"region": org.district.region}}[role]
    campaign = make_campaign(status="draft")
    login(make_user(role, **scope))
    url = f"/admin/campaigns/{campaign.id}/questions"
    assert client.get(url).status_code == 403
    token = csrf_token("/auth/password")
    import io
    answer = client.post(url, data={"csrf_token": token, "file": (io.BytesIO(EXAMPLE), "f.xlsx")},
                         content_type="multipart/form-data")
    assert answer.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CampaignQuestionSet)) == 0


def test_the_command_uploads_a_form(runner, make_campaign, tmp_path):
    campaign = make_campaign(code="KZ-2027", status="draft")
    path = tmp_path / "digital.xlsx"
    path.write_bytes(EXAMPLE)
    result = runner.invoke(args=["survey", "campaign", "questions", "KZ-2027", str(path)])
    assert result.exit_code == 0, result.output
    assert "questions version 1 in force (4 questions from digital.xlsx)" in result.output
    assert campaign.questions_version == 1
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "campaign.questions"))
    assert (event.actor, event.details["source"]) == ("cli", "cli")
    # the campaign can still be opened and closed as before
    assert runner.invoke(args=["survey", "campaign", "open", "KZ-2027"]).exit_code == 0


def test_the_command_prints_each_problem_on_a_line_and_fails(runner, make_campaign, tmp_path):
    make_campaign(code="KZ-2027", status="draft")
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsform([H, q("geopoint", "where"), q("integer", "post"), q("text", "x", relevant="${y} = 1")]))
    result = runner.invoke(args=["survey", "campaign", "questions", "KZ-2027", str(path), "--lang", "ru"])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert errors == [
        "error: лист survey, строка 2, столбец type: Местоположения (типы geo) не поддерживаются.",
        "error: лист survey, строка 3, столбец name: Имя «post» занято основной анкетой; выберите другое.",
        "error: лист survey, строка 4, столбец relevant: В выражении названо y, но ни один вопрос этого не "
        "спрашивает.",
    ]
    assert "3 problem(s); nothing was changed" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CampaignQuestionSet)) == 0
    assert runner.invoke(args=["survey", "campaign", "questions", "NOPE", str(path)]).exit_code == 1
    assert runner.invoke(args=["survey", "campaign", "questions", "KZ-2027"]).exit_code == 2


# ---- whatever a spreadsheet holds, the answer is a form or a list of problems ---------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

CELLS = st.one_of(
    st.none(), st.integers(-3, 3), st.floats(allow_nan=False, allow_infinity=False, width=32), st.booleans(),
    st.sampled_from(["integer", "text", "note", "select_one tools", "select_multiple tools", "begin_group",
                     "end_group", "begin repeat", "calculate", "yes", "${fine} = 1", ".", "${", "x", "tools", "a",
                     "Кіріспе", "", " ", "label::kk", "=1+1", "2026-01-01"]),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12),
)
HEADERS = st.lists(st.sampled_from(["type", "name", "label::kk", "label::ru", "required", "relevant", "constraint",
                                    "default", "hint::kk", "appearance", "calculation", "label", "$kuid"]),
                   min_size=1, max_size=7, unique=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(headers=HEADERS, data=st.data())
def test_any_spreadsheet_gives_a_form_or_problems_never_an_error(app, headers, data):
    rows = data.draw(st.lists(st.lists(CELLS, min_size=len(headers), max_size=len(headers)), max_size=6))
    choices = data.draw(st.lists(st.lists(CELLS, min_size=4, max_size=4), max_size=4))
    form = xlsform([headers, *rows], [["list_name", "name", "label::kk", "label::ru"], *choices])
    try:
        definition = read_xlsform(form, "random.xlsx")
    except XLSFormRefused as refused:
        assert refused.problems and all(str(problem) for problem in refused.problems)
    else:
        assert definition.questions and Definition.from_json(definition.as_json()).as_json() == definition.as_json()
