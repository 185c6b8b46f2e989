"""Sign-in, sign-out, passwords, one-time links, the sign-in rate limit, security headers, create-user."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import AuditEvent, User
from tests.pages import csrf_from

PASSWORD = "password-123"


def sign_in(client, csrf_token, email, password, next_url=""):
    token = csrf_token("/auth/sign-in")
    return client.post("/auth/sign-in", data={"email": email, "password": password, "next": next_url,
                                              "csrf_token": token})


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_sign_in_and_out_with_audit(client, csrf_token, make_user):
    user = make_user("national_admin", email="boss@example.kz")
    answer = sign_in(client, csrf_token, "Boss@Example.kz ", PASSWORD)
    assert answer.status_code == 302 and answer.headers["Location"] == "/admin/progress"
    assert client.get("/admin/progress").status_code == 200
    event = db.session.scalars(sa.select(AuditEvent)).one()
    assert (event.action, event.user_id, event.actor, event.ip) == ("auth.sign_in", user.id, "boss@example.kz",
                                                                      "127.0.0.1")
    assert db.session.get(User, user.id).last_login_at is not None

    token = csrf_token("/auth/password")
    answer = client.post("/auth/sign-out", data={"csrf_token": token})
    assert answer.status_code == 302
    assert client.get("/admin/progress").status_code == 302
    assert actions() == ["auth.sign_in", "auth.sign_out"]


def test_one_message_for_wrong_email_or_password(client, csrf_token, make_user):
    make_user("national_admin", email="boss@example.kz")
    wrong_password = sign_in(client, csrf_token, "boss@example.kz", "not-the-password")
    wrong_email = sign_in(client, csrf_token, "nobody@example.kz", PASSWORD)
    for answer in (wrong_password, wrong_email):
        assert answer.status_code == 422
        assert "Wrong e-mail or password." in answer.get_data(as_text=True)
    assert "boss@example.kz" not in wrong_email.get_data(as_text=True)
    failed = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor, e.user_id) for e in failed] == [
        ("auth.sign_in_failed", "boss@example.kz", None), ("auth.sign_in_failed", "nobody@example.kz", None)]
    assert client.get("/admin/progress").status_code == 302


def test_inactive_and_invited_users_cannot_sign_in(client, csrf_token, make_user):
    inactive = make_user("national_admin", email="gone@example.kz")
    inactive.is_active = False
    invited = make_user("national_admin", email="new@example.kz")
    invited.password_hash = None
    for email in ("gone@example.kz", "new@example.kz"):
        answer = sign_in(client, csrf_token, email, PASSWORD)
        assert "Wrong e-mail or password." in answer.get_data(as_text=True)
    assert client.get("/admin/progress").status_code == 302


@pytest.mark.parametrize("next_url, expected", [
    ("/admin/users", "/admin/users"),
    ("//evil.example/x", "/admin/progress"),
    ("https://evil.example/", "/admin/progress"),
    ("javascript:alert(1)", "/admin/progress"),
])
def test_next_redirects_stay_on_the_site(client, csrf_token, make_user, next_url, expected):
    make_user("national_admin", email="boss@example.kz")
    answer = sign_in(client, csrf_token, "boss@example.kz", PASSWORD, next_url)
    assert answer.headers["Location"] == expected


def test_sign_in_is_rate_limited(client, csrf_token, make_user, app):
    make_user("national_admin", email="boss@example.kz")
    app.config["SIGN_IN_RATE_LIMIT"] = "3 per minute"
    try:
        codes = [sign_in(client, csrf_token, "boss@example.kz", "wrong-password").status_code for _ in range(3)]
        assert codes == [422, 422, 422]
        blocked = sign_in(client, csrf_token, "boss@example.kz", PASSWORD)  # even the right password waits now
        assert blocked.status_code == 429
        assert "Too many attempts" in blocked.get_data(as_text=True)
        assert client.get("/admin/progress").status_code == 302
        assert client.get("/auth/sign-in").status_code == 200  # only POST counts
    finally:
        app.config["SIGN_IN_RATE_LIMIT"] = "10 per minute;50 per hour"


def test_default_limit_blocks_the_eleventh_attempt_in_a_minute(client, csrf_token, make_user):
    make_user("national_admin", email="boss@example.kz")
    codes = [sign_in(client, csrf_token, "boss@example.kz", "wrong-password").status_code for _ in range(11)]
    assert codes == [422] * 10 + [429]


def test_change_password(client, csrf_token, make_user, login):
    user = make_user("national_admin")
    login(user)
    token = csrf_token("/auth/password")
    wrong = client.post("/auth/password", data={"csrf_token": token, "current": "nope-nope-nope",
                                                "password": "a-new-password", "confirm": "a-new-password"})
    assert "The current password is not correct." in wrong.get_data(as_text=True)
    short = client.post("/auth/password", data={"csrf_token": token, "current": PASSWORD,
                                                "password": "short", "confirm": "short"})
    assert "at least 10 characters" in short.get_data(as_text=True)
    ok = client.post("/auth/password", data={"csrf_token": token, "current": PASSWORD,
                                             "password": "a-new-password", "confirm": "a-new-password"})
    assert ok.status_code == 302
    from survey.passwords import verify_password
    assert verify_password(db.session.get(User, user.id).password_hash, "a-new-password")
    assert actions() == ["auth.password_change"]


def test_security_headers_and_cookie_flags(client, csrf_token):
    answer = client.get("/auth/sign-in")
    csp = answer.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["Referrer-Policy"] == "same-origin"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "<script" not in answer.get_data(as_text=True)


def test_demo_users_sign_in(app, client, csrf_token):
    from survey.demo import DEMO_PASSWORD, load_almaty_demo

    load_almaty_demo()
    db.session.commit()
    expected = {"admin@demo.kz": "/admin/progress", "almaty@demo.kz": "/admin/progress",
                "bostandyk@demo.kz": "/admin/progress", "director@demo.kz": "/director/"}
    for email, home in expected.items():
        answer = sign_in(client, csrf_token, email, DEMO_PASSWORD)
        assert answer.status_code == 302 and answer.headers["Location"] == home, email
        assert client.get("/admin/progress").status_code == (200 if home != "/director/" else 403)
        client.post("/auth/sign-out", data={"csrf_token": csrf_token("/auth/password")})


def _link_from(html: str, kind: str) -> str:
    match = re.search(rf"http://localhost(/auth/{kind}/[^<\s]+)", html)
    assert match, html
    return match.group(1)


def test_invitation_link_sets_the_password_once(client, csrf_token, make_user, make_org, login):
    org = make_org()
    admin = make_user("national_admin")
    login(admin)
    page = client.post("/admin/users/invite", data={
        "csrf_token": csrf_token("/admin/users/invite"), "email": "Director@School.kz", "full_name": "A. Director",
        "role": "director", "region_id": "0", "district_id": "0", "org_bin": org.bin})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "No e-mail was sent" in html
    link = _link_from(html, "invitation")
    invited = db.session.scalar(sa.select(User).where(User.email == "director@school.kz"))
    assert (invited.role, invited.organization_id, invited.password_hash) == ("director", org.id, None)

    client.post("/auth/sign-out", data={"csrf_token": csrf_token("/auth/password")})
    assert client.get(link).status_code == 200
    token = csrf_token(link)
    mismatch = client.post(link, data={"csrf_token": token, "password": "director-pass-1", "confirm": "other-pass-1"})
    assert "The two passwords differ." in mismatch.get_data(as_text=True)
    done = client.post(link, data={"csrf_token": token, "password": "director-pass-1", "confirm": "director-pass-1"})
    assert done.status_code == 302 and done.headers["Location"] == "/auth/sign-in"
    assert client.get(link).status_code == 404  # used once
    assert sign_in(client, csrf_token, "director@school.kz", "director-pass-1").status_code == 302
    assert actions() == ["user.invite", "auth.sign_out", "auth.invite_accepted", "auth.sign_in"]


def test_reset_link_replaces_the_old_password(client, csrf_token, make_user, make_org, login):
    admin = make_user("national_admin")
    director = make_user("director", organization=make_org(), email="d@example.kz")
    login(admin)
    page = client.post(f"/admin/users/{director.id}/reset-link", data={"csrf_token": csrf_token("/admin/users")})
    link = _link_from(page.get_data(as_text=True), "reset")
    client.post("/auth/sign-out", data={"csrf_token": csrf_token("/auth/password")})
    token = csrf_token(link)
    assert client.post(link, data={"csrf_token": token, "password": "brand-new-pass",
                                   "confirm": "brand-new-pass"}).status_code == 302
    assert "Wrong e-mail or password." in sign_in(client, csrf_token, "d@example.kz", PASSWORD).get_data(as_text=True)
    assert sign_in(client, csrf_token, "d@example.kz", "brand-new-pass").status_code == 302
    assert client.get(link).status_code == 404
    assert client.get("/auth/reset/not-a-token").status_code == 404
    assert client.get(link.replace("/reset/", "/invitation/")).status_code == 404  # a reset token is no invitation
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.target_id) for e in events if e.action.startswith(("user.", "auth.reset"))] == [
        ("user.reset_link", director.id), ("auth.reset_accepted", director.id)]
    assert events[0].user_id == admin.id and events[0].details == {"email": "d@example.kz", "mailed": False}


def test_create_user_command(runner, make_org, monkeypatch):
    org = make_org(region="Алматы", district="Бостандыкский")
    monkeypatch.setenv("SURVEY_USER_PASSWORD", "cli-password-1")
    result = runner.invoke(args=["survey", "create-user", "--email", "Dir@X.kz", "--role", "director",
                                 "--org", org.bin])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["survey", "create-user", "--email", "dist@x.kz", "--role", "district_admin",
                                 "--district", "бостандыкский"])
    assert result.exit_code == 0, result.output
    users = {u.email: u for u in db.session.scalars(sa.select(User))}
    assert users["dir@x.kz"].organization_id == org.id
    assert users["dist@x.kz"].district_id == org.district_id
    from survey.passwords import verify_password
    assert verify_password(users["dir@x.kz"].password_hash, "cli-password-1")
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor, e.details["email"]) for e in events] == [
        ("user.create", "cli", "dir@x.kz"), ("user.create", "cli", "dist@x.kz")]

    bad = runner.invoke(args=["survey", "create-user", "--email", "r@x.kz", "--role", "region_admin"])
    assert bad.exit_code != 0 and "needs a region" in bad.output
    bad = runner.invoke(args=["survey", "create-user", "--email", "n@x.kz", "--role", "national_admin",
                              "--org", org.bin])
    assert bad.exit_code != 0 and "does not fit the role" in bad.output
    bad = runner.invoke(args=["survey", "create-user", "--email", "dir@x.kz", "--role", "national_admin"])
    assert bad.exit_code != 0 and "already exists" in bad.output
    monkeypatch.setenv("SURVEY_USER_PASSWORD", "short")
    bad = runner.invoke(args=["survey", "create-user", "--email", "z@x.kz", "--role", "national_admin"])
    assert bad.exit_code != 0 and "at least 10 characters" in bad.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 2


def test_create_user_command_prompts_for_the_password(runner, monkeypatch):
    monkeypatch.delenv("SURVEY_USER_PASSWORD", raising=False)
    result = runner.invoke(args=["survey", "create-user", "--email", "n@x.kz", "--role", "national_admin"],
                           input="prompted-pass-1\nprompted-pass-1\n")
    assert result.exit_code == 0, result.output
    assert "prompted-pass-1" not in result.output
    from survey.passwords import verify_password
    user = db.session.scalar(sa.select(User).where(User.email == "n@x.kz"))
    assert verify_password(user.password_hash, "prompted-pass-1")


def test_anonymous_visitor_is_sent_to_sign_in_with_a_translated_message(client):
    client.get("/lang/ru")
    answer = client.get("/admin/users")
    assert answer.status_code == 302 and answer.headers["Location"] == "/auth/sign-in?next=%2Fadmin%2Fusers"
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Войдите, чтобы открыть эту страницу." in page
    assert 'name="next" type="hidden" value="/admin/users"' in page


def test_rate_limit_also_holds_per_account_across_addresses(client, csrf_token, make_user, app):
    make_user("national_admin", email="boss@example.kz")
    app.config["SIGN_IN_RATE_LIMIT"] = "3 per minute"
    try:
        token = csrf_token("/auth/sign-in")

        def attempt(address: str, email: str, password: str) -> int:
            return client.post("/auth/sign-in", data={"email": email, "password": password, "csrf_token": token},
                               environ_base={"REMOTE_ADDR": address}).status_code

        assert [attempt(f"10.0.0.{n}", "boss@example.kz", "wrong-password") for n in range(1, 4)] == [422] * 3
        assert attempt("10.0.0.9", "boss@example.kz", PASSWORD) == 429
        assert attempt("10.0.0.9", "other@example.kz", "wrong-password") == 422  # another account is not blocked
    finally:
        app.config["SIGN_IN_RATE_LIMIT"] = "10 per minute;50 per hour"


@pytest.mark.parametrize("proxies, expected", [(0, "10.0.0.1"), (1, "203.0.113.7")])
def test_client_address_behind_a_trusted_proxy(proxies, expected):
    from flask import Flask, request

    from survey.auth import security

    app = Flask(__name__)
    app.config["TRUSTED_PROXIES"] = proxies
    security.init_app(app)
    app.add_url_rule("/ip", "ip", lambda: request.remote_addr)
    answer = app.test_client().get("/ip", headers={"X-Forwarded-For": "203.0.113.7"},
                                   environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert answer.get_data(as_text=True) == expected
    assert answer.headers["X-Frame-Options"] == "DENY"


# --- signing out ends the session (issue 14, item 17) -----------------------------------------------------------

def browser_signed_in(client, email: str, password: str = PASSWORD):
    """Another browser (its own cookies), signed in through the sign-in page."""
    other = type(client)(client.application, client.response_wrapper, use_cookies=True)
    token = csrf_from(other.get("/auth/sign-in"))
    answer = other.post("/auth/sign-in", data={"email": email, "password": password, "csrf_token": token})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    assert signed_in(other)
    return other


def signed_in(browser) -> bool:
    answer = browser.get("/auth/password")  # any signed-in account may open it
    assert answer.status_code in (200, 302)
    return answer.status_code == 200


def test_signing_out_ends_the_session_and_every_copy_of_its_cookie(client, make_user):
    make_user("national_admin", email="boss@example.kz")
    laptop = browser_signed_in(client, "boss@example.kz")
    phone = browser_signed_in(client, "boss@example.kz")
    copied = laptop.get_cookie("session").value
    token = csrf_from(laptop.get("/auth/password"))
    assert laptop.post("/auth/sign-out", data={"csrf_token": token}).status_code == 302
    assert not signed_in(laptop)
    laptop.set_cookie("session", copied)  # the cookie as it was before signing out
    assert not signed_in(laptop)
    assert not signed_in(phone)  # every session of the account ends
    assert signed_in(browser_signed_in(client, "boss@example.kz"))  # signing in again works


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(client, make_user):
    user = make_user("national_admin", email="boss@example.kz")
    laptop = browser_signed_in(client, "boss@example.kz")
    stolen = browser_signed_in(client, "boss@example.kz")
    answer = laptop.post("/auth/password", data={"csrf_token": csrf_from(laptop.get("/auth/password")),
                                                 "current": PASSWORD, "password": "a-new-password",
                                                 "confirm": "a-new-password"})
    assert answer.status_code == 302
    assert signed_in(laptop) and not signed_in(stolen)
    assert db.session.get(User, user.id).session_generation == 1


def test_a_password_reset_ends_every_session(client, csrf_token, make_user, make_org, login):
    director = make_user("director", organization=make_org(), email="d@example.kz")
    stolen = browser_signed_in(client, "d@example.kz")
    login(make_user("national_admin"))
    page = client.post(f"/admin/users/{director.id}/reset-link", data={"csrf_token": csrf_token("/admin/users")})
    link = _link_from(page.get_data(as_text=True), "reset")
    assert signed_in(stolen)  # issuing the link alone changes nothing
    fresh = type(client)(client.application, client.response_wrapper, use_cookies=True)
    token = csrf_from(fresh.get(link))
    assert fresh.post(link, data={"csrf_token": token, "password": "brand-new-pass",
                                  "confirm": "brand-new-pass"}).status_code == 302
    assert not signed_in(stolen)


def test_deactivation_ends_the_session_for_good(client, csrf_token, make_user, login):
    target = make_user("national_admin", email="leaving@example.kz")
    theirs = browser_signed_in(client, "leaving@example.kz")
    login(make_user("national_admin"))
    token = csrf_token("/admin/users")
    assert client.post(f"/admin/users/{target.id}/deactivate", data={"csrf_token": token}).status_code == 302
    assert not signed_in(theirs)
    assert client.post(f"/admin/users/{target.id}/activate", data={"csrf_token": token}).status_code == 302
    assert not signed_in(theirs)  # activated again, the old session stays ended
    assert signed_in(browser_signed_in(client, "leaving@example.kz"))


def test_wrong_passwords_from_elsewhere_do_not_lock_out_a_browser_that_signed_in_before(client, app, make_user):
    """Anyone can use up an account's sign-in limit; the browser that signed in with the password before still
    can, a browser that never did waits (issue 14, item 22)."""
    make_user("national_admin", email="boss@example.kz")
    app.config["SIGN_IN_RATE_LIMIT"] = "3 per minute"
    try:
        laptop = browser_signed_in(client, "boss@example.kz")
        laptop.post("/auth/sign-out", data={"csrf_token": csrf_from(laptop.get("/auth/password"))})
        for n in range(2):  # with the laptop's sign-in, the account's 3 attempts a minute are used up
            stranger = type(client)(client.application, client.response_wrapper, use_cookies=True)
            assert stranger.post("/auth/sign-in", data={
                "email": "boss@example.kz", "password": "wrong-password",
                "csrf_token": csrf_from(stranger.get("/auth/sign-in"))}, environ_base={"REMOTE_ADDR": f"10.0.0.{n + 1}"}
            ).status_code == 422
        new = type(client)(client.application, client.response_wrapper, use_cookies=True)
        assert new.post("/auth/sign-in", data={"email": "boss@example.kz", "password": PASSWORD,
                                               "csrf_token": csrf_from(new.get("/auth/sign-in"))}).status_code == 429
        answer = laptop.post("/auth/sign-in", data={"email": "boss@example.kz", "password": PASSWORD,
                                                    "csrf_token": csrf_from(laptop.get("/auth/sign-in"))})
        assert answer.status_code == 302 and signed_in(laptop)
        # the mark is for the password it proved: once the password is changed elsewhere, it opens nothing
        user = db.session.scalar(sa.select(User).where(User.email == "boss@example.kz"))
        from survey.auth.services import set_password
        set_password(user, "another-password-1")
        assert not signed_in(laptop)  # the new password ended the laptop's session too
        token = csrf_from(laptop.get("/auth/sign-in"))
        assert laptop.post("/auth/sign-in", data={"email": "boss@example.kz", "password": "another-password-1",
                                                  "csrf_token": token}).status_code == 429
    finally:
        app.config["SIGN_IN_RATE_LIMIT"] = "10 per minute;50 per hour"
