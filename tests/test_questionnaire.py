"""The teacher questionnaire: access, identity, steps and drafts, edits and versions, decimals as typed, answers
prefilled at a second organization (coming back with the personal code, and the limits on the way in:
test_questionnaire_return.py)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from survey.campaigns.services import ensure_access_links
from survey.extensions import db, limiter
from survey.models import AccessLink, Response, ResponseVersion
from survey.questionnaire import services
from tests.pages import csrf_from

BIRTH = dt.date(1985, 3, 14)

EMPLOYMENT = {
    "post": "teacher", "basis": "main", "contract": "permanent", "start_date": "2010-09-01", "rate": "1.25",
    "teaching_hours": "20", "languages": ["kk", "ru"],
    "subjects-0-subject": "mathematics", "subjects-0-hours": "12", "subjects-0-language": "kk",
    "subjects-1-subject": "algebra", "subjects-1-hours": "8", "subjects-1-language": "ru",
    "subjects-2-subject": "", "subjects-2-hours": "", "subjects-2-language": "",
}
OTHER_JOBS = {"other_jobs-0-org_bin": "", "other_jobs-0-org_name": "", "other_jobs-0-basis": "",
              "other_jobs-0-hours": ""}
EDUCATION = {
    "education_level": "bachelor", "ped_education": "ped_higher", "specialty": "Математика",
    "graduation_year": "2007", "category": "expert", "category_year": "2022", "experience_total": "16",
    "experience_org": "10",
}
WORK = {"pd_hours_3y": "120", "total_hours_week": "36", "ai_use": "true", "ai_purposes": ["lesson_planning"],
        "ai_training": "short", "ai_training_wanted": "false", "satisfaction": "3", "plans": "stay"}
STEP_DATA = {1: EMPLOYMENT, 2: OTHER_JOBS, 3: EDUCATION, 4: WORK}


@pytest.fixture(autouse=True)
def _fresh_limits(app):
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def link(make_org, make_campaign):
    org = make_org(name_kk="№1 мектеп", name_ru="Школа №1")
    campaign = make_campaign()
    ensure_access_links(campaign)
    return db.session.scalar(sa.select(AccessLink).where(AccessLink.organization_id == org.id))


def post(client, url, data, page_url=None):
    token = csrf_from(client.get(page_url or url))
    return client.post(url, data={"csrf_token": token, **data})


def start(client, link, iin, names=None, lang="en"):
    """Identity, confirmation and the personal code page; returns the code."""
    client.get(f"/lang/{lang}")
    page = client.get(f"/q/{link.token}/start")
    nonce = re.search(r'name="nonce" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    data = {"csrf_token": csrf_from(page), "iin": iin, "last_name": "Сейітова", "first_name": "Әйгерім",
            "middle_name": "", "consent": "y", "nonce": nonce, **(names or {})}
    confirm = client.post(f"/q/{link.token}/start", data=data)
    assert confirm.status_code == 200, confirm.get_data(as_text=True)
    reply = client.post(f"/q/{link.token}/start", data={**data, "confirmed": "yes"})
    assert reply.status_code == 200, reply.get_data(as_text=True)
    page = reply.get_data(as_text=True)
    if f'data-page-url="/q/{link.token}/resume"' in page:  # this person has a questionnaire here already
        return None
    # the code page itself, at its own address, shown once
    assert f'data-page-url="/q/{link.token}/code"' in page and reply.headers["Cache-Control"] == "no-store"
    return re.search(r'class="personal-code"[^>]*><strong>([A-Z0-9-]+)<', page).group(1)


def shows_page(reply, url):
    """A saved step answers with the following page, which names its own address."""
    return reply.status_code == 200 and f'data-page-url="{url}"' in reply.get_data(as_text=True)


def fill_all(client, link):
    for number, data in STEP_DATA.items():
        reply = post(client, f"/q/{link.token}/step/{number}", {**data, "action": "next"})
        following = f"/q/{link.token}/step/{number + 1}" if number < 4 else f"/q/{link.token}/review"
        assert shows_page(reply, following), reply.get_data(as_text=True)[:3000]
    return post(client, f"/q/{link.token}/review", {})


def the_response() -> Response:
    return db.session.scalars(sa.select(Response)).one()


def test_access_code_on_the_home_page_opens_the_organization(client, link):
    home = client.get("/")
    assert 'action="/q/code"' in home.get_data(as_text=True)
    reply = client.post("/q/code", data={"csrf_token": csrf_from(home), "code": " " + link.code.lower()[:4] + "-"
                                         + link.code.lower()[4:]})
    assert reply.status_code == 302 and reply.headers["Location"] == f"/q/{link.token}"
    page = client.get(f"/q/{link.token}", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Школа №1" in page and "Қазақша" in page


def test_unknown_code_and_link_get_a_clear_page(client, link):
    reply = client.post("/q/code", data={"csrf_token": csrf_from(client.get("/")), "code": "ZZZZ9999"},
                        headers={"Accept-Language": "ru"})
    assert reply.status_code == 404
    assert "Ни одна организация не имеет такого кода" in reply.get_data(as_text=True)
    assert client.get("/q/not-a-token").status_code == 404


def test_a_teacher_completes_the_questionnaire_in_kazakh(client, link, make_iin_for):
    code = start(client, link, make_iin_for(BIRTH, "f"), lang="kk")
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    page = client.get(f"/q/{link.token}/step/1").get_data(as_text=True)
    assert '<html lang="kk">' in page and "1-қадам (барлығы 5)" in page
    reply = fill_all(client, link)
    assert reply.status_code == 302 and reply.headers["Location"].endswith("/done")
    response = the_response()
    assert response.status == "submitted" and response.submitted_at is not None
    assert (response.post, response.rate, response.teaching_hours, response.languages) == (
        "teacher", Decimal("1.25"), 20, "kk;ru")
    assert [(s.subject, s.hours, s.language) for s in response.subjects] == [
        ("mathematics", 12, "kk"), ("algebra", 8, "ru")]
    assert (response.birth_date, response.sex, response.category_year) == (BIRTH, "f", 2022)
    assert services.check_personal_code(response, code.lower().replace("-", " "))
    # the database keeps a random salt, not the code nor anything it can be guessed from without IIN_HASH_KEY
    assert response.personal_code_hash.startswith(services.KEYED) and code[:4] not in response.personal_code_hash
    assert "Рақмет" in client.get(f"/q/{link.token}/done").get_data(as_text=True)


def test_a_saved_step_answers_with_the_next_page_at_its_own_address(client, link, make_iin_for):
    """One round trip per step: the answer to a saved step is the next page, which names its own address for the
    address bar (questionnaire.js) and the language switch, and is never cached."""
    start(client, link, make_iin_for(BIRTH, "f"))
    reply = post(client, f"/q/{link.token}/step/1", {**EMPLOYMENT, "action": "next"})
    page = reply.get_data(as_text=True)
    assert shows_page(reply, f"/q/{link.token}/step/2") and reply.headers["Cache-Control"] == "no-store"
    assert f'action="/q/{link.token}/step/2"' in page  # the form posts to step 2
    assert f"/lang/ru?next=/q/{link.token}/step/2" in page  # switching language stays on step 2
    assert the_response().current_step == 2
    # a page fetched by its own address names none (nothing to put in the address bar)
    assert "data-page-url" not in client.get(f"/q/{link.token}/step/2").get_data(as_text=True)


def test_the_iin_is_never_stored(client, link, make_iin_for):
    iin = make_iin_for(BIRTH, "f")
    start(client, link, iin)
    fill_all(client, link)
    for table in ("responses", "audit_events", "response_versions"):
        dump = str(db.session.execute(sa.text(f"SELECT * FROM {table}")).all())
        assert iin not in dump


def test_identity_errors_and_confirmation_of_birth_date_and_sex(client, link, make_iin_for):
    client.get("/lang/ru")
    page = client.get(f"/q/{link.token}/start")
    bad = client.post(f"/q/{link.token}/start", data={"csrf_token": csrf_from(page), "iin": "900515400124",
                                                       "last_name": "", "first_name": "Анна", "nonce": "n"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "последняя цифра не совпадает" in text and 'aria-describedby="iin-hint iin-error"' in text
    assert 'href="#last_name"' in text and 'href="#consent"' in text
    assert 'value="Анна"' in text  # nothing typed is lost
    good = client.post(f"/q/{link.token}/start", data={
        "csrf_token": csrf_from(page), "iin": make_iin_for(BIRTH, "m"), "last_name": "Ахметов", "first_name": "Ерлан",
        "consent": "y", "nonce": "n"})
    text = good.get_data(as_text=True)
    assert "14 марта 1985" in text and "Мужской" in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0


def test_a_validation_error_keeps_what_was_typed_and_the_draft_survives_a_new_visit(client, link, make_iin_for):
    iin = make_iin_for(BIRTH, "f")
    code = start(client, link, iin)
    reply = post(client, f"/q/{link.token}/step/1", {**EMPLOYMENT, "rate": "1.3", "teaching_hours": "25",
                                                       "action": "next"})
    text = reply.get_data(as_text=True)
    assert reply.status_code == 422
    assert "steps of 0.25" in text and "add up to 20, but your teaching hours are 25" in text
    assert 'value="1.3"' in text and 'id="rate" inputmode="decimal"' in text
    assert 'aria-describedby="rate-hint rate-error"' in text and 'href="#rate"' in text
    response = the_response()
    assert response.rate is None and response.current_step == 1
    assert response.draft_data["steps"]["employment"]["rate"] == "1.3"

    client.cookie_jar.clear() if hasattr(client, "cookie_jar") else None
    fresh = type(client)(client.application, client.response_wrapper, use_cookies=True)
    reply = post(fresh, f"/q/{link.token}/resume", {"iin": iin, "code": code})
    assert reply.status_code == 302 and reply.headers["Location"].endswith("/step/1")
    page = fresh.get(reply.headers["Location"]).get_data(as_text=True)
    assert 'value="1.3"' in page and 'value="25"' in page


@pytest.mark.parametrize(("lang", "expected"), [
    ("kk", "Ставка 0,25 қадаммен көрсетіледі"), ("ru", "Ставка указывается с шагом 0,25"),
    ("en", "The rate goes in steps of 0.25")])
def test_a_step_error_arrives_in_the_teachers_language(client, link, make_iin_for, lang, expected):
    start(client, link, make_iin_for(), lang=lang)
    reply = post(client, f"/q/{link.token}/step/1", {**EMPLOYMENT, "rate": "0.6", "action": "next"})
    assert reply.status_code == 422 and expected in reply.get_data(as_text=True)


def test_steps_cannot_be_skipped_and_later_saves_the_draft(client, link, make_iin_for):
    start(client, link, make_iin_for())
    assert client.get(f"/q/{link.token}/step/3").headers["Location"].endswith("/step/1")
    assert client.get(f"/q/{link.token}/review").headers["Location"].endswith("/step/1")
    reply = post(client, f"/q/{link.token}/step/1", {"post": "teacher", "action": "later"})
    assert reply.status_code == 200 and "saved" in reply.get_data(as_text=True)
    assert the_response().draft_data["steps"]["employment"]["post"] == "teacher"
    assert client.get(f"/q/{link.token}/step/9").status_code == 404


def test_adding_a_row_without_javascript(client, link, make_iin_for):
    start(client, link, make_iin_for())
    reply = post(client, f"/q/{link.token}/step/1", {**EMPLOYMENT, "action": "add_subject"})
    text = reply.get_data(as_text=True)
    assert reply.status_code == 200 and 'name="subjects-3-hours"' in text and "error-summary" not in text
    assert 'value="mathematics" selected' in text or 'selected value="mathematics"' in text


def test_submit_lists_missing_answers(client, link, make_iin_for, monkeypatch):
    start(client, link, make_iin_for())
    for number in (1, 2, 3):
        post(client, f"/q/{link.token}/step/{number}", {**STEP_DATA[number], "action": "next"})
    response = the_response()
    response.current_step = 5
    response.experience_org = None
    reply = post(client, f"/q/{link.token}/review", {})
    assert reply.status_code == 422
    assert "Experience at this organization, years: This answer is required." in reply.get_data(as_text=True)
    assert the_response().status == "draft"


def test_edit_after_submit_keeps_the_history(client, link, make_iin_for):
    start(client, link, make_iin_for())
    fill_all(client, link)
    reply = post(client, f"/q/{link.token}/step/3", {**EDUCATION, "category": "master", "category_year": "2025",
                                                       "action": "next"})
    assert shows_page(reply, f"/q/{link.token}/step/4") and "Your changes are saved." in reply.get_data(as_text=True)
    response = the_response()
    assert (response.category, response.category_year, response.version) == ("master", 2025, 2)
    version = db.session.scalars(sa.select(ResponseVersion)).one()
    assert version.version == 1 and version.source == "web"
    assert version.changes == {"category": ["expert", "master"], "category_year": [2022, 2025]}
    assert version.snapshot["category"] == "expert" and version.snapshot["rate"] == "1.25"
    # saving the same answers again changes nothing and adds no version
    post(client, f"/q/{link.token}/step/3", {**EDUCATION, "category": "master", "category_year": "2025",
                                              "action": "next"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ResponseVersion)) == 1
    # an edit that breaks a cross-field rule with another step is refused
    reply = post(client, f"/q/{link.token}/step/1", {**EMPLOYMENT, "teaching_hours": "40",
                                                       "subjects-0-hours": "32", "action": "next"})
    assert reply.status_code == 422 and "All working hours (36)" in reply.get_data(as_text=True)
    assert the_response().teaching_hours == 20


def test_names_can_be_corrected_with_a_version_after_submit(client, link, make_iin_for):
    start(client, link, make_iin_for())
    fill_all(client, link)
    page = client.get(f"/q/{link.token}/about").get_data(as_text=True)
    assert 'value="Сейітова"' in page
    bad = post(client, f"/q/{link.token}/about", {"last_name": "", "first_name": "Әйгерім"})
    assert bad.status_code == 422 and 'href="#last_name"' in bad.get_data(as_text=True)
    reply = post(client, f"/q/{link.token}/about", {"last_name": "Сейітова-Ким", "first_name": "Әйгерім",
                                                    "middle_name": "Маратқызы"})
    assert reply.status_code == 302 and reply.headers["Location"].endswith("/review")
    response = the_response()
    assert (response.last_name, response.middle_name, response.version) == ("Сейітова-Ким", "Маратқызы", 2)
    assert db.session.scalars(sa.select(ResponseVersion)).one().changes == {
        "last_name": ["Сейітова", "Сейітова-Ким"], "middle_name": [None, "Маратқызы"]}


@pytest.mark.parametrize(("lang", "rate", "experience"), [("ru", "1,25", "16,5"), ("kk", "1,25", "16,5"),
                                                          ("en", "1.25", "16.5")])
def test_saved_decimals_come_back_as_they_are_typed(client, link, make_iin_for, lang, rate, experience):
    """Issue 14 (11): a saved rate came back into its field as "1.25" on a Kazakh or Russian page."""
    start(client, link, make_iin_for(BIRTH, "f"), lang=lang)
    post(client, f"/q/{link.token}/step/1", {**EMPLOYMENT, "rate": "1,25", "action": "next"})
    post(client, f"/q/{link.token}/step/2", {**OTHER_JOBS, "action": "next"})
    post(client, f"/q/{link.token}/step/3", {**EDUCATION, "experience_total": "16.50", "action": "next"})
    assert the_response().rate == Decimal("1.25") and the_response().experience_total == Decimal("16.5")
    assert f'name="rate" type="text" value="{rate}"' in client.get(f"/q/{link.token}/step/1").get_data(as_text=True)
    assert f'value="{experience}"' in client.get(f"/q/{link.token}/step/3").get_data(as_text=True)
    post(client, f"/q/{link.token}/step/4", {**WORK, "action": "next"})
    review = re.sub(r"<[^>]+>", " ", client.get(f"/q/{link.token}/review").get_data(as_text=True))
    assert f" {rate} " in review and f" {experience} " in review


def test_personal_sections_are_prefilled_at_a_second_organization(client, link, make_org, make_iin_for):
    iin = make_iin_for()
    start(client, link, iin)
    fill_all(client, link)
    second_org = make_org(name_ru="Колледж")
    ensure_access_links(link.campaign)
    second = db.session.scalar(sa.select(AccessLink).where(AccessLink.organization_id == second_org.id))
    # in the same browser, which proved who it is at the first organization
    start(client, second, iin)
    post(client, f"/q/{second.token}/step/1", {**EMPLOYMENT, "action": "next"})
    post(client, f"/q/{second.token}/step/2", {**OTHER_JOBS, "action": "next"})
    page = client.get(f"/q/{second.token}/step/3").get_data(as_text=True)
    assert "filled in from your questionnaire at another organization" in page
    assert 'value="Математика"' in page and 'value="2007"' in page and 'value="16"' in page
    assert 'name="experience_org" type="text" value=""' in page
    # someone who merely knows the IIN sees nothing of the person's other answers
    third_org = make_org(name_ru="Детский сад", level="school")
    ensure_access_links(link.campaign)
    third = db.session.scalar(sa.select(AccessLink).where(AccessLink.organization_id == third_org.id))
    stranger = type(client)(client.application, client.response_wrapper, use_cookies=True)
    start(stranger, third, iin)
    assert db.session.scalar(sa.select(Response).where(Response.organization_id == third_org.id)).draft_data[
        "steps"] == {}
    # nor does the browser that proved the first person, for a second person with answers elsewhere (a phone
    # shared in the staff room)
    colleague = make_iin_for(dt.date(1979, 3, 4), "m")
    own_phone = type(client)(client.application, client.response_wrapper, use_cookies=True)
    start(own_phone, second, colleague)
    fill_all(own_phone, second)
    start(client, third, colleague)
    other = db.session.scalar(sa.select(Response).where(Response.organization_id == third_org.id,
                                                        Response.sex == "m"))
    assert other is not None and other.draft_data["steps"] == {}


def test_qr_code_and_access_sheet(client, link):
    svg = client.get(f"/q/{link.token}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    sheet = client.get(f"/q/{link.token}/sheet").get_data(as_text=True)
    assert link.code in sheet and f"/q/{link.token}/qr.svg" in sheet
