"""In a real browser at 360 px: the director's pages fit the screen, work by keyboard, and show Kazakh and Russian."""

from __future__ import annotations

import datetime as dt

import pytest

from survey.extensions import db

pytestmark = pytest.mark.browser


def sign_in_cookie(page, live_url, app, user):
    """Put a signed session cookie for ``user`` into the browser (the sign-in page is tested on its own)."""
    from flask.sessions import SecureCookieSessionInterface
    from flask_login.utils import _create_identifier

    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": page.evaluate("navigator.userAgent")}):
        identifier = _create_identifier()
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    value = serializer.dumps({"_user_id": str(user.id), "_fresh": True, "_id": identifier})
    page.context.add_cookies([{"name": app.config.get("SESSION_COOKIE_NAME", "session"), "value": value,
                               "url": live_url}])


def test_director_dashboard_and_report_at_phone_width(app, page, live_url, make_org, make_campaign, make_user):
    org = make_org(level="school", name_kk="№ 7 мектеп", name_ru="Школа № 7")
    make_campaign(code="KZ26", census_date=dt.date(2026, 11, 1))
    director = make_user("director", organization=org)
    db.session.commit()
    sign_in_cookie(page, live_url, app, director)

    page.goto(f"{live_url}/lang/kk?next=/director/")
    assert page.locator("html").get_attribute("lang") == "kk"
    assert "Жиынтық" in page.inner_text("h1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone

    page.goto(f"{live_url}/lang/ru?next=/director/KZ26/report")
    assert "Отчёт организации" in page.inner_text("h1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # by keyboard only: focus the first field, type, tab onward, submit with Enter
    page.focus("#pupils")
    page.keyboard.type("512")
    page.keyboard.press("Tab")
    page.keyboard.type("20")
    page.keyboard.press("Tab")
    page.keyboard.type("0,3")  # approved rates may be any decimal; only vacancy rates go in steps of 0.25
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Отчёт организации сохранён" in page.inner_text("main")

    page.select_option("#vacancies-0-post", "teacher")
    page.fill("#vacancies-0-rate", "0,3")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "шагом 0,25" in page.inner_text("#vacancies-0-rate-error")
    assert page.input_value("#pupils") == "512"  # nothing typed was lost
    assert page.locator(".error-summary a").first.get_attribute("href") == "#vacancies-0-rate"
