"""Campaign questions from an XLSForm (issue 17): reading the form, the versions of a campaign's set and the
questionnaire it asks, the console's upload and the command (what is refused, each problem with its sheet, row and
column and nothing saved: test_campaign_question_refusals.py)."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from survey.campaigns.questions import questionnaire_for, questions_of_version, upload_questions
from survey.campaigns.xlsform import MORE_PAGE, Definition, XLSFormRefused, read_xlsform
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


# ---- pieces of forms (the refusals use them too: test_campaign_question_refusals.py) --------------------

H = SURVEY_HEADERS
C = CHOICES_HEADERS
FINE = question("integer", "fine", "Жақсы", "Хорошо")
LIST = [C, ["tools", "a", "А", "А"], ["tools", "b", "Б", "Б"]]


def q(type_: str, name: str, **columns) -> list[str]:
    return question(type_, name, f"{name} kk", f"{name} ru", **columns)


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
    errors = [line for line in result.output.splitlines() if line.startswith("Ошибка: ")]
    assert errors == [
        "Ошибка: лист survey, строка 2, столбец type: Местоположения (типы geo) не поддерживаются.",
        "Ошибка: лист survey, строка 3, столбец name: Имя «post» занято основной анкетой; выберите другое.",
        "Ошибка: лист survey, строка 4, столбец relevant: В выражении названо y, но ни один вопрос этого не "
        "спрашивает.",
    ]
    assert "3 ошибки. Файл отклонён, ничего не изменено." in result.output
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
