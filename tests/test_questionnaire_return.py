"""Coming back to the questionnaire: the personal code and the resume page, repeats and double clicks, idle
sessions, the pages of a closed or locked campaign, and the limits on the entry points (issue 14, items 21, 22)."""

from __future__ import annotations

import datetime as dt
import re
import threading
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from survey.domain import personal_code
from survey.extensions import db
from survey.models import AuditEvent, OrgReport, Response
from survey.models.base import utcnow
from survey.questionnaire import services
from tests.pages import csrf_from
from tests.test_questionnaire import (  # noqa: F401  (_fresh_limits and link: fixtures)
    BIRTH,
    EMPLOYMENT,
    _fresh_limits,
    fill_all,
    link,
    post,
    start,
    the_response,
)


def test_second_visit_with_the_same_iin_needs_the_personal_code(client, link, make_iin_for):
    iin = make_iin_for()
    code = start(client, link, iin)
    other = type(client)(client.application, client.response_wrapper, use_cookies=True)
    assert start(other, link, iin) is None  # the resume page, no new code, no second response
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 1
    assert services.check_personal_code(the_response(), code)


def test_the_resume_page_after_already_started_keeps_the_iin_just_typed(client, link, make_iin_for):
    """Issue 14 (12): after "you have already started here" the resume form asked for the IIN again. It comes in
    the answer to the POST itself (never in the cookie or an address), with the notice, at the resume address."""
    iin = make_iin_for()
    start(client, link, iin)
    other = type(client)(client.application, client.response_wrapper, use_cookies=True)
    other.get("/lang/ru")
    data = {"csrf_token": csrf_from(other.get(f"/q/{link.token}/start")), "iin": f" {iin[:6]} {iin[6:]}",
            "last_name": "Ким", "first_name": "Анна", "consent": "y", "nonce": "n", "confirmed": "yes"}
    reply = other.post(f"/q/{link.token}/start", data=data)
    page = reply.get_data(as_text=True)
    assert reply.status_code == 200 and reply.headers["Cache-Control"] == "no-store"
    assert f'data-page-url="/q/{link.token}/resume"' in page
    assert f'action="/q/{link.token}/resume"' in page
    assert f'name="iin" type="text" value=" {iin[:6]} {iin[6:]}"' in page  # as typed
    assert 'name="code" type="text" value=""' in page
    assert "Вы уже начали анкету в этой организации" in page
    app = client.application
    stored = app.session_interface.get_signing_serializer(app).loads(other.get_cookie("session").value)
    assert iin not in str(stored) and iin[:6] not in str(stored)
    resumed = post(other, f"/q/{link.token}/resume", {"iin": iin, "code": "WRONGCODE"})
    assert resumed.status_code == 422  # the form posts on as usual


def test_saved_to_finish_later_has_its_own_tab_title(client, link, make_iin_for):
    """Issue 14 (12): "saved, finish later" showed the bare site name in the tab."""
    start(client, link, make_iin_for(), lang="kk")
    reply = post(client, f"/q/{link.token}/step/1", {**EMPLOYMENT, "action": "later"})
    title = re.search(r"<title>([^<]*)</title>", reply.get_data(as_text=True)).group(1)
    assert title.startswith("Жауаптарыңыз сақталды — ")


def test_a_double_click_shows_a_working_code_and_makes_one_response(client, link, make_iin_for):
    iin = make_iin_for()
    client.get("/lang/en")
    page = client.get(f"/q/{link.token}/start")
    data = {"csrf_token": csrf_from(page), "iin": iin, "last_name": "Ким", "first_name": "Анна", "consent": "y",
            "nonce": "same-form", "confirmed": "yes"}
    first = client.post(f"/q/{link.token}/start", data=data)
    second = client.post(f"/q/{link.token}/start", data=data)
    assert first.status_code == second.status_code == 200
    code = re.search(r"<strong>([A-Z0-9-]+)</strong>", second.get_data(as_text=True))  # the page the browser shows
    assert services.check_personal_code(the_response(), code.group(1))
    # the code is in that answer only: not in the cookie, and its address now leads on to the questionnaire
    app = client.application
    stored = app.session_interface.get_signing_serializer(app).loads(client.get_cookie("session").value)
    assert stored.get("questionnaire") and code.group(1) not in str(stored)
    assert client.get(f"/q/{link.token}/code").headers["Location"].endswith("/step/1")


def test_a_form_without_its_nonce_is_never_taken_for_a_repeat(client, link, make_iin_for):
    """A repeat of the same form (same nonce) shows a fresh code; a post without a nonce is no repeat, even when
    the first one came without one too: knowing a colleague's IIN and names gives no code."""
    iin = make_iin_for()
    client.get("/lang/en")
    data = {"csrf_token": csrf_from(client.get(f"/q/{link.token}/start")), "iin": iin, "last_name": "Ким",
            "first_name": "Анна", "consent": "y", "nonce": "", "confirmed": "yes"}
    assert client.post(f"/q/{link.token}/start", data=data).status_code == 200  # the code page
    intruder = type(client)(client.application, client.response_wrapper, use_cookies=True)
    intruder.get("/lang/en")
    reply = intruder.post(f"/q/{link.token}/start", data={**data, "csrf_token": csrf_from(intruder.get(
        f"/q/{link.token}/start"))})
    assert reply.status_code == 200 and f'data-page-url="/q/{link.token}/resume"' in reply.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 1


def test_wrong_codes_are_refused_audited_and_rate_limited(client, link, make_iin_for):
    iin = make_iin_for()
    start(client, link, iin)
    stranger = type(client)(client.application, client.response_wrapper, use_cookies=True)
    statuses = [post(stranger, f"/q/{link.token}/resume", {"iin": iin, "code": "AAAA-AAAA"}).status_code
                for _ in range(6)]
    assert statuses == [422, 422, 422, 422, 422, 429]
    failures = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "response.code_failed")).all()
    assert len(failures) == 5 and failures[0].details["reason"] == "wrong_code"
    assert iin not in str([f.details for f in failures])
    # another IIN from the same address still gets its own attempts until the address limit
    reply = post(stranger, f"/q/{link.token}/resume", {"iin": make_iin_for(dt.date(1990, 1, 2)), "code": "x"})
    assert reply.status_code == 422


def test_resume_after_submit_goes_to_the_summary(client, link, make_iin_for):
    iin = make_iin_for()
    code = start(client, link, iin)
    fill_all(client, link)
    fresh = type(client)(client.application, client.response_wrapper, use_cookies=True)
    reply = post(fresh, f"/q/{link.token}/resume", {"iin": iin, "code": code})
    assert reply.headers["Location"].endswith("/review")
    page = fresh.get(f"/q/{link.token}/review", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Mathematics: 12 h" in page and "Submitted on" in page


def test_codes_are_keyed_and_codes_hashed_before_still_work(app, client, link, make_iin_for):
    iin = make_iin_for()
    code = start(client, link, iin)
    response = the_response()
    salt = response.personal_code_hash.removeprefix(services.KEYED)
    assert personal_code(app.config["IIN_HASH_KEY"], salt) == code
    assert personal_code("another key", salt) != code  # the stored salt alone gives no code
    # a code given before 27 November 2026 kept its argon2id hash: the teacher still gets back in with it
    response.personal_code_hash = PasswordHasher(time_cost=2, memory_cost=8 * 1024, parallelism=1).hash("ABCDEFGH")
    db.session.commit()
    fresh = type(client)(client.application, client.response_wrapper, use_cookies=True)
    assert post(fresh, f"/q/{link.token}/resume", {"iin": iin, "code": code}).status_code == 422
    reply = post(fresh, f"/q/{link.token}/resume", {"iin": iin, "code": "abcd efgh"})
    assert reply.status_code == 302 and reply.headers["Location"].endswith("/step/1")
    assert not services.check_personal_code(None, code) and not services.check_personal_code(None, "")


def test_pages_for_closed_not_open_and_locked(client, link, make_iin_for, make_user):
    campaign = link.campaign
    campaign.status = "draft"
    assert "has not opened yet" in client.get(f"/q/{link.token}", headers={"Accept-Language": "en"}).get_data(
        as_text=True)
    campaign.status = "open"
    campaign.closes_at = utcnow() - dt.timedelta(minutes=1)
    campaign.opens_at = utcnow() - dt.timedelta(days=1)
    reply = client.get(f"/q/{link.token}/start", headers={"Accept-Language": "ru"})
    assert reply.status_code == 403 and "Анкетирование закрыто" in reply.get_data(as_text=True)
    campaign.closes_at = None
    director = make_user("director", organization=link.organization)
    db.session.add(OrgReport(campaign_id=campaign.id, organization_id=link.organization_id,
                             attested_at=utcnow(), attested_by_id=director.id))
    db.session.flush()
    assert services.link_with_lock(link.token)[1]  # locked
    reply = client.get(f"/q/{link.token}/step/1", headers={"Accept-Language": "kk"})
    assert reply.status_code == 403 and "бұғатталған" in reply.get_data(as_text=True)


@pytest.mark.parametrize(("lang", "who"), [("en", "an administrator of the district, region or country can reopen"),
                                           ("ru", "может администратор района, области или республики"),
                                           ("kk", "аудан, облыс немесе республика әкімшісі")])
def test_the_lock_page_says_who_can_reopen(client, link, make_user, lang, who):
    """Issue 14 (2): the page told teachers their director could reopen the data; only administrators can."""
    director = make_user("director", organization=link.organization)
    db.session.add(OrgReport(campaign_id=link.campaign_id, organization_id=link.organization_id,
                             attested_at=utcnow(), attested_by_id=director.id))
    client.get(f"/lang/{lang}")
    page = client.get(f"/q/{link.token}/start").get_data(as_text=True)
    assert who in page
    assert "they can reopen" not in page and "они могут" not in page


def test_an_idle_session_gets_the_expired_page(client, link, make_iin_for, app):
    start(client, link, make_iin_for())
    with client.session_transaction() as session:
        session["questionnaire"] = {**session["questionnaire"], "at": session["questionnaire"]["at"] - 181 * 60}
    reply = client.get(f"/q/{link.token}/step/1", headers={"Accept-Language": "en"})
    assert reply.status_code == 401 and "Your session has ended" in reply.get_data(as_text=True)
    assert the_response().id  # the draft is still there


def test_activity_keeps_the_session_alive_without_rewriting_the_cookie_on_every_page(client, link, make_iin_for):
    start(client, link, make_iin_for())
    with client.session_transaction() as session:
        recent = session["questionnaire"]["at"] - 30
        session["questionnaire"] = {**session["questionnaire"], "at": recent}
    reply = client.get(f"/q/{link.token}/step/1")
    assert reply.status_code == 200 and "Set-Cookie" not in reply.headers
    with client.session_transaction() as session:
        assert session["questionnaire"]["at"] == recent
        session["questionnaire"] = {**session["questionnaire"], "at": recent - 150 * 60}  # idle for 2.5 hours
    assert client.get(f"/q/{link.token}/step/1").status_code == 200
    with client.session_transaction() as session:
        assert session["questionnaire"]["at"] > recent  # the idle clock starts again
    with client.session_transaction() as session:
        session["questionnaire"] = {**session["questionnaire"], "at": session["questionnaire"]["at"] - 170 * 60}
    assert client.get(f"/q/{link.token}/step/1").status_code == 200  # 170 minutes after the last mark: still in


@pytest.mark.postgres_only
def test_twenty_simultaneous_starts_make_one_response(app, link, make_iin_for, is_postgres):
    if not is_postgres:
        pytest.skip("SQLite serializes writers; the race needs PostgreSQL")
    from survey.domain import person_from_iin

    person = person_from_iin(make_iin_for(), app.config["IIN_HASH_KEY"])
    where = SimpleNamespace(campaign_id=link.campaign_id, organization_id=link.organization_id)
    db.session.commit()
    barrier = threading.Barrier(20, timeout=30)
    outcomes, failures = [], []

    def submit(number: int) -> None:
        try:
            barrier.wait()  # before taking a connection: the pool holds fewer than 20
            with app.app_context():
                started = services.start_response(where, person, {"last_name": "Ким", "first_name": "Анна"},
                                                  nonce=f"tab-{number}")
                db.session.commit()
                outcomes.append((started.created, started.response.id))
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(repr(exc))

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.remove()
    db.engine.dispose()  # close the extra pooled connections the threads opened
    assert failures == []
    assert sorted(created for created, _ in outcomes) == [False] * 19 + [True]
    assert len({rid for _, rid in outcomes}) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 1


def test_starts_per_address_are_limited_by_the_setting(app, client, link, make_iin_for):
    """A staff room shares one address: the limit is a setting (600 an hour by default), and it is enforced."""
    app.config["QUESTIONNAIRE_START_LIMIT"] = "2 per hour"
    try:
        page = client.get(f"/q/{link.token}/start")
        nonce = re.search(r'name="nonce" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
        statuses = [client.post(f"/q/{link.token}/start", data={
            "csrf_token": csrf_from(page), "iin": make_iin_for(BIRTH, "f"), "last_name": "Сейітова",
            "first_name": "Әйгерім", "middle_name": "", "consent": "y", "nonce": nonce}).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
    finally:
        app.config["QUESTIONNAIRE_START_LIMIT"] = "600 per hour"


# --- the entry points cannot be worked from outside (issue 14, items 21 and 22) -----------------------------------

def browser(client):
    """Another browser: its own cookies, its own session."""
    return type(client)(client.application, client.response_wrapper, use_cookies=True)


def test_the_code_page_limits_unknown_codes_per_address(app, client, link):
    """Organizations' access codes cannot be enumerated: unknown codes are limited per address (a setting); the
    right code never counts, so a staff room behind one address keeps coming in."""
    app.config["ACCESS_CODE_LIMIT"] = "3 per hour"
    try:
        token = csrf_from(client.get("/"))
        known = [client.post("/q/code", data={"csrf_token": token, "code": link.code}).status_code
                 for _ in range(5)]
        assert known == [302] * 5
        wrong = [client.post("/q/code", data={"csrf_token": token, "code": f"ZZZZ999{n}"},
                             headers={"Accept-Language": "ru"}) for n in range(4)]
        assert [reply.status_code for reply in wrong] == [404, 404, 404, 429]
        assert "Слишком много попыток" in wrong[-1].get_data(as_text=True)
        other = client.post("/q/code", data={"csrf_token": token, "code": link.code},
                            environ_base={"REMOTE_ADDR": "10.1.1.1"})
        assert other.status_code == 302  # another address is not refused
    finally:
        app.config["ACCESS_CODE_LIMIT"] = "30 per hour"


def test_a_copied_confirmation_gives_another_browser_no_code(client, link, make_iin_for):
    """The confirmation form holds the IIN and the page's nonce; posted again from another browser (a shared
    computer's history, a proxy log) it used to show a new personal code, which let that browser in."""
    iin = make_iin_for()
    client.get("/lang/en")
    page = client.get(f"/q/{link.token}/start")
    nonce = re.search(r'name="nonce" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    data = {"iin": iin, "last_name": "Ким", "first_name": "Анна", "consent": "y", "nonce": nonce, "confirmed": "yes"}
    first = client.post(f"/q/{link.token}/start", data={**data, "csrf_token": csrf_from(page)})
    code = re.search(r"<strong>([A-Z0-9-]+)</strong>", first.get_data(as_text=True)).group(1)
    thief = browser(client)
    thief.get("/lang/en")
    token = csrf_from(thief.get(f"/q/{link.token}/start"))
    reply = thief.post(f"/q/{link.token}/start", data={**data, "csrf_token": token})
    shown = reply.get_data(as_text=True)  # the resume page ("you already started here"), asking for the code
    assert reply.status_code == 200 and f'action="/q/{link.token}/resume"' in shown
    assert 'class="personal-code"' not in shown and code not in shown
    assert thief.get(f"/q/{link.token}/step/1").status_code != 200
    assert services.check_personal_code(the_response(), code)  # the teacher's code still works
    again = client.post(f"/q/{link.token}/start", data={**data, "csrf_token": csrf_from(page)})  # the teacher's repeat
    assert again.status_code == 200 and 'class="personal-code"' in again.get_data(as_text=True)


def test_wrong_codes_from_elsewhere_do_not_lock_out_the_teachers_own_browser(app, client, link, make_iin_for):
    """Anyone who knows an IIN can use up its per-IIN limit; the browser that proved the code before still gets in
    with it, while a new browser waits like everyone else (the limit stays)."""
    iin = make_iin_for()
    code = start(client, link, iin)  # this browser was shown the code: it proved it
    mark = client.get_cookie("survey_device")
    assert mark.http_only and mark.same_site == "Lax" and iin not in mark.value and code not in mark.value
    for n in range(5):  # someone else, from five addresses
        attacker = browser(client)
        reply = post(attacker, f"/q/{link.token}/resume", {"iin": iin, "code": "AAAA-AAAA"})
        assert reply.status_code == 422
    new_phone = browser(client)
    assert post(new_phone, f"/q/{link.token}/resume", {"iin": iin, "code": code}).status_code == 429
    client.get("/lang/en")
    with client.session_transaction() as session:
        session.pop("questionnaire", None)  # the questionnaire's own proof has gone idle: the code is asked again
    reply = post(client, f"/q/{link.token}/resume", {"iin": iin, "code": code})
    assert reply.status_code == 302 and reply.headers["Location"].endswith("/step/1")
    assert client.get(f"/q/{link.token}/step/1").status_code == 200
    # the mark holds for the code it proved: after the director gives a new code, the browser waits like any other
    response = the_response()
    new_code = services.set_personal_code(response)
    db.session.commit()
    with client.session_transaction() as session:
        session.pop("questionnaire", None)
    assert post(client, f"/q/{link.token}/resume", {"iin": iin, "code": new_code}).status_code == 429
