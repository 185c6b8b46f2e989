"""A campaign's own questions on the teacher's pages (issue 17 item 2, the review page of item 3): the extra pages
after the core steps in the teacher's language, with the same drafts, errors, edit history and sign-off lock;
relevance decided on the server (an answer whose question is not relevant is cleared on save); constraint,
required and choices; the version each answer was given under; the review page."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
import sqlalchemy as sa

from survey import rules
from survey.campaigns.questions import questionnaire_for
from survey.extensions import db
from survey.models import OrgReport, Response, ResponseVersion
from survey.models.base import utcnow
from survey.questionnaire import services
from tests.pages import csrf_from
from tests.test_questionnaire import STEP_DATA, WORK, _fresh_limits, link, post, shows_page, start  # noqa: F401

T = ("label::Kazakh (kk)", "label::Russian (ru)", "label::English (en)")
SURVEY = (
    ("type", "name", *T, "required", "relevant", "constraint", "constraint_message::Kazakh (kk)",
     "constraint_message::Russian (ru)", "constraint_message::English (en)"),
    ("begin_group", "skills", "Дағдылар", "Навыки", "Skills", "", "", "", "", "", ""),
    ("select_one skill_level", "skill", "Деңгейіңіз", "Ваш уровень", "Your level", "yes", "", "", "", "", ""),
    ("text", "why", "Неге төмен?", "Почему низкий?", "Why low?", "", "${skill} = 'low'", "", "", "", ""),
    ("select_multiple tools", "tools", "Құралдар", "Инструменты", "Tools", "", "${ai_use} = 'true'", "", "", "",
     ""),
    ("integer", "ai_hours", "Сағаттар", "Часы", "Hours a week", "", "count-selected(${tools}) > 0", ". <= 40",
     "40 сағаттан аспайды", "Не больше 40 часов", "At most 40 hours"),
    ("note", "thanks", "Рақмет!", "Спасибо!", "Thank you!", "", "", "", "", "", ""),
    ("end_group", "skills", "", "", "", "", "", "", "", "", ""),
    ("decimal", "share", "Үлес", "Доля", "Share of lessons with AI", "", "", ". <= 1", "1-ден аспайды",
     "Не больше 1", "At most 1"),
)
CHOICES = (
    ("list_name", "name", *T),
    ("skill_level", "low", "Төмен", "Низкий", "Low"),
    ("skill_level", "high", "Жоғары", "Высокий", "High"),
    ("tools", "chatgpt", "ChatGPT", "ChatGPT", "ChatGPT"),
    ("tools", "gemini", "Gemini", "Gemini", "Gemini"),
)
SKILLS, MORE, REVIEW = 5, 6, 7  # the extra pages come after the four core steps


@pytest.fixture
def extra(link, make_campaign_questions):
    """The campaign of ``link`` with its own questions: a page "Skills" and the page "More questions"."""
    link.campaign.status = "draft"
    questionnaire = make_campaign_questions(link.campaign, SURVEY, CHOICES)
    link.campaign.status = "open"
    db.session.commit()
    return questionnaire


def _core(client, link, work=None):
    for number, data in STEP_DATA.items():
        data = work if number == 4 and work is not None else data
        reply = post(client, f"/q/{link.token}/step/{number}", {**data, "action": "next"})
        assert reply.status_code == 200, reply.get_data(as_text=True)[:2000]
    return reply


def _the_response() -> Response:
    return db.session.scalars(sa.select(Response)).one()


def _text(reply) -> str:
    return unescape(reply.get_data(as_text=True))


def test_the_extra_pages_follow_the_core_steps_in_the_teachers_language(client, link, extra, make_iin_for):
    assert [step.key for step in extra.steps][-2:] == ["x_skills", "x_more"] and extra.review_step == REVIEW
    start(client, link, make_iin_for(), lang="kk")
    reply = _core(client, link)
    assert shows_page(reply, f"/q/{link.token}/step/{SKILLS}")
    page = _text(reply)
    assert "<h1>Дағдылар</h1>" in page and "Деңгейіңіз" in page and "Төмен" in page and "Рақмет!" in page
    assert "Навыки" not in page
    assert re.search(r'type="radio" value="low"', page)  # the campaign's own choices, as radio buttons
    assert re.search(r'type="checkbox" value="gemini"', page)
    # the progress indicator lists both extra pages, then the review
    progress = page[page.index('class="progress"'):page.index("<h1>")]
    assert progress.index("Дағдылар") < progress.index("Қосымша сұрақтар") < progress.index(
        "Тексеріп, жіберу")
    # the page in Russian, after switching the language
    client.get("/lang/ru")
    page = _text(client.get(f"/q/{link.token}/step/{SKILLS}"))
    assert "<h1>Навыки</h1>" in page and "Ваш уровень" in page and "Высокий" in page


def test_errors_drafts_and_constraints_on_an_extra_page(client, link, extra, make_iin_for):
    start(client, link, make_iin_for())
    _core(client, link)
    url = f"/q/{link.token}/step/{SKILLS}"
    # required
    missing = post(client, url, {"action": "next"})
    assert missing.status_code == 422 and "This answer is required." in _text(missing)
    assert 'id="skill-error"' in _text(missing)
    # a constraint with its message, a choice that is not one, a number that is not one; nothing typed is lost
    wrong = post(client, url, {"skill": "high", "tools": ["chatgpt", "claude"], "ai_hours": "50", "action": "next"})
    page = _text(wrong)
    assert wrong.status_code == 422 and "“claude” is not one of the answers: chatgpt, gemini." in page
    wrong = post(client, url, {"skill": "high", "tools": ["chatgpt"], "ai_hours": "50", "action": "next"})
    page = _text(wrong)
    assert wrong.status_code == 422 and "At most 40 hours" in page and 'value="50"' in page
    assert post(client, url, {"skill": "high", "tools": ["chatgpt"], "ai_hours": "many",
                              "action": "next"}).status_code == 422
    # saved to finish later: the draft comes back as typed
    later = post(client, url, {"skill": "high", "tools": ["gemini"], "ai_hours": "99", "action": "later"})
    assert later.status_code == 200
    page = _text(client.get(url))
    assert 'value="99"' in page and re.search(r'checked id="tools-1"', page)
    assert _the_response().answers in (None, {})
    # in Kazakh the constraint message is the Kazakh one
    client.get("/lang/kk")
    assert "40 сағаттан аспайды" in _text(post(client, url, {"skill": "high", "tools": ["chatgpt"], "ai_hours": "41",
                                                            "action": "next"}))
    ok = post(client, url, {"skill": "high", "tools": ["gemini", "chatgpt"], "ai_hours": "6", "action": "next"})
    assert shows_page(ok, f"/q/{link.token}/step/{MORE}")
    assert _the_response().answers == {"skill": "high", "tools": ["chatgpt", "gemini"], "ai_hours": 6}
    decimal = post(client, f"/q/{link.token}/step/{MORE}", {"share": "1,5", "action": "next"})
    assert decimal.status_code == 422 and "1-ден аспайды" in _text(decimal)
    assert shows_page(post(client, f"/q/{link.token}/step/{MORE}", {"share": "0,25", "action": "next"}),
                      f"/q/{link.token}/review")
    assert _the_response().answers["share"] == "0.25"


def test_a_question_that_is_not_relevant_is_not_shown_and_its_answer_is_cleared(client, link, extra,
                                                                              make_iin_for):
    start(client, link, make_iin_for())
    no_ai = {**WORK, "ai_use": "false", "ai_purposes": []}
    page = _text(_core(client, link, work=no_ai))
    # ${ai_use} is 'false' on an earlier page: the AI tools are not shown at all; hours depend on them, on this page
    assert 'name="tools"' not in page
    assert 'id="ai_hours-group" data-relevant=' in page and 'id="why-group" data-relevant=' in page
    # answers sent anyway for questions that are not relevant are cleared by the server
    url = f"/q/{link.token}/step/{SKILLS}"
    reply = post(client, url, {"skill": "high", "why": "no time", "tools": ["chatgpt"], "ai_hours": "99",
                               "action": "next"})
    assert shows_page(reply, f"/q/{link.token}/step/{MORE}"), _text(reply)[:2000]
    assert _the_response().answers == {"skill": "high"}
    # relevant now: ai_use true on the work page; the answers are kept
    post(client, f"/q/{link.token}/step/4", {**WORK, "action": "next"})
    reply = post(client, url, {"skill": "low", "why": "no time", "tools": ["chatgpt"], "ai_hours": "3",
                               "action": "next"})
    assert _the_response().answers == {"skill": "low", "why": "no time", "tools": ["chatgpt"], "ai_hours": 3}
    # changing an answer on an earlier page clears the answers that depended on it, on the other page too
    post(client, f"/q/{link.token}/step/4", {**no_ai, "action": "next"})
    response = _the_response()
    assert response.answers == {"skill": "low", "why": "no time"}
    assert set(response.answer_versions) == {"skill", "why"}


def test_the_page_carries_the_expressions_for_the_script(client, link, extra, make_iin_for):
    start(client, link, make_iin_for())
    page = client.get(f"/q/{link.token}/step/{SKILLS}")
    assert page.status_code == 302  # not reachable before the core steps
    _core(client, link)
    html = client.get(f"/q/{link.token}/step/{SKILLS}").get_data(as_text=True)
    trees = {name: json.loads(unescape(tree)) for name, tree in
             re.findall(r'id="(\w+)-group" data-relevant="([^"]+)"', html)}
    assert trees == {"why": ["cmp", "=", ["ref", "skill"], ["str", "low"]],
                     "ai_hours": ["cmp", ">", ["count-selected", ["ref", "tools"]], ["num", 0.0]]}
    known = re.search(r'<form [^>]*data-answers="([^"]+)"', html)
    assert known is None  # the page's expressions read only its own answers (tools' ${ai_use} is decided here)
    assert 'name="tools"' in html  # ${ai_use} is 'true' (WORK)


def test_the_sign_off_lock_holds_for_the_extra_pages(client, link, extra, make_iin_for, make_user):
    start(client, link, make_iin_for())
    _core(client, link)
    director = make_user("director", organization=link.organization)
    db.session.add(OrgReport(campaign_id=link.campaign_id, organization_id=link.organization_id,
                             attested_at=utcnow(), attested_by_id=director.id))
    db.session.commit()
    url = f"/q/{link.token}/step/{SKILLS}"
    assert client.get(url).status_code == 403
    token = csrf_from(client.get("/"))
    assert client.post(url, data={"csrf_token": token, "skill": "high", "action": "next"}).status_code == 403
    assert _the_response().answers in (None, {})


def _submitted(client, link):
    _core(client, link)
    post(client, f"/q/{link.token}/step/{SKILLS}", {"skill": "high", "tools": ["chatgpt"], "ai_hours": "4",
                                                    "action": "next"})
    post(client, f"/q/{link.token}/step/{MORE}", {"share": "0.5", "action": "next"})
    reply = post(client, f"/q/{link.token}/review", {}, page_url=f"/q/{link.token}/review")
    assert reply.status_code == 302, _text(reply)[:2000]


def test_edits_after_submission_keep_the_history_with_the_extra_answers(client, link, extra, make_iin_for):
    start(client, link, make_iin_for())
    _submitted(client, link)
    response = _the_response()
    assert response.status == "submitted" and response.answer_versions == {"skill": 1, "tools": 1, "ai_hours": 1,
                                                                            "share": 1}
    post(client, f"/q/{link.token}/step/{SKILLS}", {"skill": "low", "why": "time", "tools": ["chatgpt"],
                                                    "ai_hours": "4", "action": "save"})
    version = db.session.scalars(sa.select(ResponseVersion)).one()
    assert version.changes == {"skill": ["high", "low"], "why": [None, "time"]}
    assert version.snapshot["skill"] == "high" and version.snapshot["tools"] == ["chatgpt"]
    # a change on a core page that clears extra answers is in the same history
    post(client, f"/q/{link.token}/step/4", {**WORK, "ai_use": "false", "ai_purposes": [], "action": "save"})
    latest = db.session.scalars(sa.select(ResponseVersion).order_by(ResponseVersion.version.desc())).first()
    assert latest.changes["tools"] == [["chatgpt"], []] and latest.changes["ai_hours"] == [4, None]
    assert "tools" not in _the_response().answers and "ai_hours" not in _the_response().answer_versions


def test_each_answer_records_the_version_it_was_given_under(client, link, extra, make_iin_for,
                                                           make_campaign_questions):
    start(client, link, make_iin_for())
    _submitted(client, link)
    # the open campaign gets a second version: an optional question added to the page "More questions"
    extended = make_campaign_questions(link.campaign, SURVEY + (
        ("integer", "mentees", "Шәкірттер", "Подопечные", "Colleagues you mentor", "", "", "", "", "", ""),),
        CHOICES)
    db.session.commit()
    assert extended["mentees"].version == 2 and questionnaire_for(link.campaign)["share"].version == 2
    post(client, f"/q/{link.token}/step/{MORE}", {"share": "0.5", "mentees": "3", "action": "save"})
    response = _the_response()
    assert response.answers["mentees"] == 3
    assert response.answer_versions == {"skill": 1, "tools": 1, "ai_hours": 1, "share": 1, "mentees": 2}
    post(client, f"/q/{link.token}/step/{MORE}", {"share": "0.75", "mentees": "3", "action": "save"})
    assert _the_response().answer_versions["share"] == 2  # given anew under version 2


def test_the_review_page_lists_the_extra_answers(client, link, extra, make_iin_for):
    start(client, link, make_iin_for(), lang="ru")
    _submitted(client, link)
    page = _text(client.get(f"/q/{link.token}/review"))
    assert re.search(r"<dt>Ваш уровень</dt>\s*<dd>Высокий</dd>", page)
    assert re.search(r"<dt>Инструменты</dt>\s*<dd>ChatGPT</dd>", page)
    assert re.search(r"<dt>Часы</dt>\s*<dd>4</dd>", page)
    assert re.search(r"<dt>Доля</dt>\s*<dd>0,5</dd>", page)
    assert "Почему низкий?" not in page  # not relevant: not listed
    assert "Спасибо!" not in page  # a note is not an answer
    assert "<h2 id=\"review-x_skills\">Навыки</h2>" in page


def test_a_missing_required_extra_answer_stops_the_submission(client, link, extra, make_iin_for):
    start(client, link, make_iin_for())
    _core(client, link)
    response = _the_response()
    response.current_step = REVIEW  # as if the extra pages had been skipped (an older questionnaire)
    db.session.commit()
    reply = post(client, f"/q/{link.token}/review", {}, page_url=f"/q/{link.token}/review")
    assert reply.status_code == 422
    assert re.search(rf'href="/q/{link.token}/step/{SKILLS}">Your level: This answer is required.', _text(reply))


def test_the_rules_check_extra_answers_for_every_importer(app, link, extra):
    """The one rule set: what the paper and ODK/Kobo imports call (all fields of a row at once)."""
    ctx = services.rule_context(link.campaign, type("P", (), {"birth_date": None})())
    assert ctx.questionnaire is questionnaire_for(link.campaign)
    fields = ("ai_use", "skill", "why", "tools", "ai_hours", "share")
    checked = rules.check({"ai_use": "false", "skill": "high", "why": "x", "tools": "chatgpt gemini",
                           "ai_hours": "3", "share": ""}, ctx, fields, required=False)
    assert checked.ok and checked.values == {"ai_use": False, "skill": "high", "why": None, "tools": [],
                                             "ai_hours": None, "share": None}
    checked = rules.check({"ai_use": "true", "skill": "low", "why": "x", "tools": "gemini chatgpt",
                           "ai_hours": "41", "share": "2"}, ctx, fields, required=False)
    assert checked.values["tools"] == ["chatgpt", "gemini"]  # in the order of the choices, as ODK writes them
    assert {(e.field, str(e.message)) for e in checked.errors} == {("ai_hours", "At most 40 hours"),
                                                                   ("share", "At most 1")}
    missing = rules.check({"ai_use": "true", "skill": "", "tools": "", "ai_hours": "", "why": "", "share": ""},
                          ctx, fields)
    assert [(e.field, str(e.message)) for e in missing.errors] == [("skill", "This answer is required.")]


def test_a_page_whose_questions_all_depend_on_other_pages_says_so(client, link, make_campaign_questions,
                                                                 make_iin_for):
    link.campaign.status = "draft"
    make_campaign_questions(link.campaign, (
        SURVEY[0],
        ("begin_group", "ai", "ЖИ", "ИИ", "AI", "", "", "", "", "", ""),
        ("integer", "ai_minutes", "Минут", "Минуты", "Minutes a day with AI", "yes", "${ai_use} = 'true'", "", "",
         "", ""),
        ("end_group", "", "", "", "", "", "", "", "", "", ""),
    ))
    link.campaign.status = "open"
    start(client, link, make_iin_for())
    page = _text(_core(client, link, work={**WORK, "ai_use": "false", "ai_purposes": []}))
    assert "None of the questions on this page apply to your earlier answers" in page
    assert 'name="ai_minutes"' not in page
    reply = post(client, f"/q/{link.token}/step/{SKILLS}", {"action": "next"})  # required, but not asked
    assert shows_page(reply, f"/q/{link.token}/review")
    assert post(client, f"/q/{link.token}/review", {}, page_url=f"/q/{link.token}/review").status_code == 302


def test_a_default_answer_is_offered_on_a_page_never_saved(client, link, make_campaign_questions, make_iin_for):
    link.campaign.status = "draft"
    make_campaign_questions(link.campaign, (
        ("type", "name", *T, "default", "appearance"),
        ("integer", "pupils", "Оқушылар", "Ученики", "Pupils you tutor", "3", ""),
        ("select_multiple tools", "tools", "Құралдар", "Инструменты", "Tools", "gemini", ""),
        ("select_one skill_level", "level", "Деңгей", "Уровень", "Level", "", "minimal"),
    ), CHOICES)
    link.campaign.status = "open"
    start(client, link, make_iin_for())
    page = _text(_core(client, link))
    assert re.search(r'id="pupils"[^>]*value="3"', page), page[page.index("<form"):]
    assert re.search(r'checked id="tools-1"', page), page[page.index("<form"):]
    # appearance "minimal": a drop-down list of the campaign's choices
    assert re.search(r'<select id="level" name="level"><option selected value="">— choose —</option><option '
                     r'value="low">Low</option><option value="high">High</option></select>', page)
    post(client, f"/q/{link.token}/step/{SKILLS}", {"pupils": "", "tools": [], "action": "next"})
    assert _the_response().answers in (None, {})
    page = _text(client.get(f"/q/{link.token}/step/{SKILLS}"))  # saved blank: no default again
    assert 'value="3"' not in page and "checked" not in page


def test_the_page_after_a_saved_step_keeps_the_stored_ticks(client, link, make_iin_for):
    """The next step's page is sent in answer to the POST of the step before: it was filled with that post, where
    a checkbox of the next step is absent, i.e. "none ticked" — ticked answers showed blank, and saving the page
    then cleared them (ai_purposes after editing the education step of a submitted questionnaire)."""
    start(client, link, make_iin_for())
    _core(client, link)
    assert post(client, f"/q/{link.token}/review", {}, page_url=f"/q/{link.token}/review").status_code == 302
    reply = post(client, f"/q/{link.token}/step/3", {**STEP_DATA[3], "experience_org": "9", "action": "save"})
    assert shows_page(reply, f"/q/{link.token}/step/4")
    assert re.search(r'checked id="ai_purposes-\d+" name="ai_purposes" type="checkbox" value="lesson_planning"',
                     _text(reply))
