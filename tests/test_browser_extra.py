"""A campaign's own questions in a browser (issue 17 item 2): on a 360 px phone in Kazakh, answering one question
reveals another at once, without a horizontal scroll; without JavaScript every question is there and the server
decides; the page script evaluates an expression as the server does."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import Response
from survey.questions.expressions import parse
from tests.test_e2e import go, shot
from tests.test_extra_pages import SKILLS, _core, extra  # noqa: F401
from tests.test_questionnaire import _fresh_limits, link, start  # noqa: F401

pytestmark = pytest.mark.browser
SCRIPT = Path(__file__).resolve().parent.parent / "survey" / "static" / "questionnaire.js"


def _teacher_at_the_extra_page(app, client, link, make_iin_for, context, live_url):
    """The core steps answered through the test client; its session cookie handed to the browser."""
    start(client, link, make_iin_for(), lang="kk")
    _core(client, link)
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_url}])


def _shown(page, name: str) -> bool:
    return page.locator(f"#{name}-group").is_visible()


def test_answering_one_question_reveals_another_on_a_phone_in_kazakh(app, _browser, client, live_url, link,
                                                                      extra, make_iin_for):
    context = _browser.new_context(viewport={"width": 360, "height": 740}, locale="kk-KZ")
    page = context.new_page()
    page.set_default_timeout(10_000)
    _teacher_at_the_extra_page(app, client, link, make_iin_for, context, live_url)
    page.goto(f"{live_url}/lang/kk?next=/q/{link.token}/step/{SKILLS}")
    assert page.inner_text("h1") == "Дағдылар"
    assert _shown(page, "tools")  # ${ai_use} = 'true' on the core work page
    assert not _shown(page, "why") and not _shown(page, "ai_hours")  # hidden at once: nothing chosen yet
    page.check("[name=skill][value=low]")
    assert _shown(page, "why")  # revealed by the answer, without a round trip
    page.check("[name=tools][value=gemini]")
    assert _shown(page, "ai_hours")
    page.uncheck("[name=tools][value=gemini]")
    assert not _shown(page, "ai_hours")
    page.check("[name=tools][value=chatgpt]")
    page.check("[name=skill][value=high]")
    assert not _shown(page, "why")
    shot(page, "phone-kk-extra-page")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.fill("[name=ai_hours]", "5")
    go(page, "button[value=next]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    response = db.session.scalars(sa.select(Response)).one()
    db.session.refresh(response)
    assert response.answers == {"skill": "high", "tools": ["chatgpt"], "ai_hours": 5}
    context.close()


def test_without_javascript_every_question_is_shown_and_the_server_decides(app, _browser, client, live_url, link,
                                                                          extra, make_iin_for):
    context = _browser.new_context(viewport={"width": 360, "height": 740}, locale="kk-KZ", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    _teacher_at_the_extra_page(app, client, link, make_iin_for, context, live_url)
    page.goto(f"{live_url}/lang/kk?next=/q/{link.token}/step/{SKILLS}")
    assert all(_shown(page, name) for name in ("skill", "why", "tools", "ai_hours"))
    page.check("[name=skill][value=high]")
    page.fill("[name=why]", "уақыт жоқ")  # not relevant once "high" is chosen: cleared on save
    go(page, "button[value=next]")
    response = db.session.scalars(sa.select(Response)).one()
    db.session.refresh(response)
    assert response.answers == {"skill": "high"}
    context.close()


EXPRESSIONS = (
    "${a} = 'x'", "${a} != 'x'", "${a} = ''", "${n} > 3", "${n} >= 3.5", "${n} < '10'", "${d} >= '2020-01-01'",
    "selected(${m}, 'b')", "count-selected(${m}) >= 2", "string-length(${a}) = 1", "regex(${a}, '^[a-z]$')",
    "not(${a} = 'x') or ${n} <= 2", "${a} = 'x' and (${n} = 3 or selected(${m}, 'c'))", "${n} = ${k}",
    "${a}", "${n} > ${a}", "${y} = 'true'", "string-length(.) > 2", ". < 5", "${a} > 3", ". < 'a'",
)
ANSWERS = (
    {}, {"a": "x", "n": "3", "k": "3.0", "m": "a b", "d": "2021-05-01", "y": "true"},
    {"a": "y", "n": "10", "m": "b c", "d": "2019-12-31", "y": "false"},
    {"a": "", "n": "", "m": "", "k": "-1"}, {"a": "x", "n": "2.5", "m": "c", "k": "abc"},
)


def test_the_page_script_evaluates_expressions_as_the_server_does(_browser):
    page = _browser.new_page()
    page.set_content("<!doctype html><html><body></body></html>")
    page.add_script_tag(path=str(SCRIPT))
    cases = [(text, answers, here) for text, answers, here in
             itertools.product(EXPRESSIONS, ANSWERS, ("", "abc", "4", "12"))]
    expected = [parse(text).holds(answers, here) for text, answers, here in cases]
    found = page.evaluate("""(cases) => cases.map(([tree, answers, here]) =>
        window.surveyExpressions.holds(tree, answers, here))""",
                          [[parse(text).as_json(), answers, here] for text, answers, here in cases])
    wrong = [(case, want) for case, want, got in zip(cases, expected, found) if want != got]
    assert not wrong and len(cases) == 420
    page.close()
