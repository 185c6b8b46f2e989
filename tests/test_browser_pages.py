"""What a browser shows (issue 14: 3, 4, 5, 7, 8, 9), in headless Chromium: layout at 360 and 1280 px, scrolling,
focus and confirmation dialogs.

Screenshots of the pages are kept under tests/e2e/screenshots/ (git-ignored), as tests/test_e2e.py keeps its own.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from survey.campaigns.services import ensure_access_links
from survey.extensions import db
from survey.models import AccessLink, OrgReport, RequiredHours, Response, ResponseSubject, RosterEntry, User
from survey.questionnaire.services import check_personal_code
from tests.test_browser_directors import sign_in_cookie
from tests.test_directors import add_response  # noqa: F401  (fixture)
from tests.test_e2e import fill_education, fill_employment, go, shot

pytestmark = pytest.mark.browser

LONG_NAME = {"kk": "Қарағанды облысы білім басқармасының «№ 112 жалпы білім беретін мектеп-гимназиясы» КММ",
             "ru": "КГУ «Общеобразовательная школа-гимназия № 112» управления образования Карагандинской области"}
TITLE = {"kk": "Педагог кадрларын санақтан өткізу жұмыстарының қорытындылары 2026",
         "ru": "Перепись педагогических кадров организаций образования 2026"}
SCROLL_WIDTH = "document.documentElement.scrollWidth"


def _too_wide(page) -> list[str]:
    """What sticks out of the viewport (the innermost elements), for the failure message."""
    return page.evaluate("""(w) => {
        const out = (el) => el.getBoundingClientRect().right > w + 0.5;
        return [...document.querySelectorAll('body *')].filter(el => out(el) && ![...el.children].some(out))
            .slice(0, 5).map(el => el.tagName + ' ' + (el.textContent || '').trim().slice(0, 40)); }""",
                         page.viewport_size["width"])


@pytest.fixture
def school(app, make_org, make_campaign):
    org = make_org(name_kk=LONG_NAME["kk"], name_ru=LONG_NAME["ru"])
    campaign = make_campaign(code="KZ26")
    campaign.title_kk, campaign.title_ru = TITLE["kk"], TITLE["ru"]
    ensure_access_links(campaign)
    db.session.commit()
    link = db.session.scalar(sa.select(AccessLink).where(AccessLink.organization_id == org.id))
    return org, campaign, link


# --- (5) every teacher page at 360 px, in Kazakh and Russian: no horizontal scroll --------------------------------

@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_every_teacher_page_fits_a_phone(app, _browser, live_url, school, make_iin_for, make_campaign, make_user,
                                        lang):
    """Issue 14 (5): "Жауаптарыңызды" (resume page) was 361.5 px wide in a 360 px screen. Every page a teacher
    can meet, filled with long names, must not scroll sideways; and no date ends in two full stops (6)."""
    org, campaign, link = school
    later = make_campaign(code="LATER", status="draft")  # a campaign not open yet: the "not opened" page
    later.opens_at = dt.datetime(2027, 1, 10, 4, 0, tzinfo=dt.timezone.utc)
    ensure_access_links(later)
    db.session.commit()
    later_token = db.session.scalar(sa.select(AccessLink.token).where(AccessLink.campaign_id == later.id))
    context = _browser.new_context(viewport={"width": 360, "height": 740}, locale=f"{lang}-KZ")
    page = context.new_page()
    seen = []

    def check(name: str) -> None:
        seen.append(name)
        shot(page, f"phone-{lang}-{name}")
        assert page.evaluate(SCROLL_WIDTH) <= 360, f"{name} scrolls sideways: {_too_wide(page)}"
        text = page.inner_text("body")
        assert re.search(r"[^.]\.\.(?!\.)", text) is None, f"{name}: two full stops in {text!r}"

    page.goto(f"{live_url}/lang/{lang}?next=/")
    check("home")
    page.fill("[name=code]", "ZZZZ-ZZZZ")
    go(page, "main [type=submit]")
    check("unknown-code")
    page.goto(f"{live_url}/q/{link.token}")
    check("landing")
    page.goto(f"{live_url}/q/{link.token}/sheet")
    check("sheet")
    page.goto(f"{live_url}/q/{later_token}")
    check("not-open-yet")
    page.goto(f"{live_url}/q/{link.token}/resume")
    check("resume")
    go(page, "main button[type=submit]")
    check("resume-errors")
    page.goto(f"{live_url}/q/{link.token}/start")
    check("identity")
    go(page, "main button[type=submit]")
    check("identity-errors")
    iin = make_iin_for(dt.date(1986, 4, 12), "f")
    page.fill("[name=iin]", iin)
    page.fill("[name=last_name]", "Жауаптарыңыздыңқайсысы")
    page.fill("[name=first_name]", "Әйгерім")
    page.check("[name=consent]")
    go(page, "main button[type=submit]")
    check("confirm")
    go(page, "form:has(input[name=confirmed][value=yes]) button")
    check("code")
    code = page.inner_text(".personal-code").strip()
    go(page, "main a.button")
    check("step-1")
    go(page, "button[name=action][value=next]")
    check("step-1-errors")
    fill_employment(page, [("mathematics", "12"), ("algebra", "8")])
    go(page, "button[name=action][value=next]")
    check("step-2")
    go(page, "button[name=action][value=later]")
    check("saved")
    page.goto(f"{live_url}/q/{link.token}/step/2")
    go(page, "button[name=action][value=next]")
    check("step-3")
    fill_education(page, "Математика және информатика пәнінің мұғалімі", "14,5")
    go(page, "button[name=action][value=next]")
    check("step-4")
    go(page, "button[name=action][value=next]")
    check("review")
    page.goto(f"{live_url}/q/{link.token}/about")
    check("names")
    page.goto(f"{live_url}/q/{link.token}/review")
    go(page, "#submit button[type=submit]")
    check("done")

    other = context.new_page()  # the same person from a browser without the proof
    page.close()
    page = other
    page.goto(f"{live_url}/q/{link.token}/start")
    page.fill("[name=iin]", iin)
    page.fill("[name=last_name]", "Жауаптарыңыздыңқайсысы")
    page.fill("[name=first_name]", "Әйгерім")
    page.check("[name=consent]")
    go(page, "main button[type=submit]")
    go(page, "form:has(input[name=confirmed][value=yes]) button")
    check("already-started")
    context.clear_cookies()
    page.goto(f"{live_url}/q/{link.token}/start")  # a fresh session, then a stale proof: "please sign in again"
    _stale_proof(page, live_url, app, db.session.scalar(sa.select(Response.id)))
    page.goto(f"{live_url}/q/{link.token}/step/1")
    check("expired")
    db.session.add(OrgReport(campaign_id=campaign.id, organization_id=org.id, attested_at=dt.datetime.now(
        dt.timezone.utc), attested_by_id=make_user("director", organization=org).id))
    db.session.commit()
    page.goto(f"{live_url}/q/{link.token}")
    check("locked")
    context.close()
    assert check_personal_code(db.session.scalar(sa.select(Response)), code)
    assert len(seen) == 23


def _stale_proof(page, live_url, app, response_id: int) -> None:
    """A session cookie whose proof of the response is a day old."""
    from flask.sessions import SecureCookieSessionInterface

    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    value = serializer.dumps({"questionnaire": {"rid": response_id, "at": 0}})
    page.context.add_cookies([{"name": app.config.get("SESSION_COOKIE_NAME", "session"), "value": value,
                               "url": live_url}])


# --- (7) the identity page moves the focus to the error summary ----------------------------------------------

@pytest.mark.parametrize("path", ["start", "resume"])
def test_after_an_error_the_focus_is_on_the_error_summary(page, live_url, school, path):
    """Issue 14 (7): after an error the focus stayed on the page's body; a screen reader heard nothing."""
    org, campaign, link = school
    page.goto(f"{live_url}/lang/kk?next=/q/{link.token}/{path}")
    go(page, "main button[type=submit]")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.locator("#error-summary").get_attribute("role") == "alert"
    if path == "start":
        consent = page.locator("#error-summary li").last.inner_text()
        assert "келісемін:" in consent and ".:" not in consent  # no full stop before the colon


# --- (3) the progress board ----------------------------------------------------------------------------------

def test_progress_board_shows_every_column_at_1280_and_fits_a_phone(app, _browser, live_url, school, make_user):
    """Issue 14 (3): at 1280 px "Signed off" and "Flags" hid behind an inner scroll; on a phone the campaign
    select (a long title) widened the page to 555 px."""
    admin = make_user("national_admin")
    db.session.commit()
    for width, lang in ((1280, "kk"), (1280, "ru"), (360, "kk"), (360, "ru")):
        context = _browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        sign_in_cookie(page, live_url, app, admin)
        page.goto(f"{live_url}/lang/{lang}?next=/admin/progress?district={school[0].district_id}")
        shot(page, f"progress-{width}-{lang}")
        assert page.evaluate(SCROLL_WIDTH) <= width, _too_wide(page)
        if width == 1280:
            wrap = page.locator(".table-wrap").first
            assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth"), "the board scrolls inside"
            last = page.locator("thead th").last.bounding_box()
            assert last["x"] + last["width"] <= width
        else:
            select = page.locator("select[name=campaign]").bounding_box()
            assert select["x"] + select["width"] <= width
        context.close()


# --- (4) /reports/: the options of the chosen export, labels beside their boxes --------------------------------

def test_export_form_shows_the_options_of_the_chosen_kind(app, page, live_url, school, make_user):
    """Issue 14 (4): format and layout belong to raw responses, a sheet per organization and a zip to profiles;
    a checkbox's label sat on the line below its box."""
    admin = make_user("national_admin")
    db.session.commit()
    sign_in_cookie(page, live_url, app, admin)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_url}/lang/ru?next=/reports/")
    assert page.locator("select[name=kind]").input_value() == "profiles"
    assert page.locator("[name=per_org]").is_visible() and page.locator("[name=as_zip]").is_visible()
    assert not page.locator("[name=format]").is_visible() and not page.locator("[name=layout]").is_visible()
    for name in ("per_org", "as_zip"):
        box = page.locator(f"[name={name}]").bounding_box()
        left, middle = page.locator(f"label[for={name}]").evaluate("""label => {
            const words = [...label.childNodes].filter(n => n.nodeType === 3 && n.textContent.trim())[0];
            const range = document.createRange(); range.selectNodeContents(words);
            const line = range.getClientRects()[0]; return [line.left, line.top + line.height / 2]; }""")
        assert left >= box["x"] + box["width"] and abs(middle - (box["y"] + box["height"] / 2)) < 12  # beside it
    page.select_option("select[name=kind]", "responses")
    assert page.locator("[name=format]").is_visible() and page.locator("[name=layout]").is_visible()
    assert not page.locator("[name=per_org]").is_visible() and not page.locator("[name=as_zip]").is_visible()
    shot(page, "exports-responses")


# --- (8) the director's summary chart -----------------------------------------------------------------------

def _summary_world(make_org, make_campaign, make_user, add_response, make_iin_for):  # noqa: F811
    """A school whose director's summary has subjects with long names, one of them short of hours."""
    org = make_org(name_kk="№ 7 мектеп", name_ru="Школа № 7")
    campaign = make_campaign(code="KZ26")
    director = make_user("director", organization=org)
    report = OrgReport(campaign_id=campaign.id, organization_id=org.id, pupils=400)
    db.session.add(report)
    db.session.flush()
    for subject, hours in (("vocational_theory", 30), ("chemistry", 10), ("algebra", 12), ("kazakh_language", 20)):
        db.session.add(RequiredHours(report_id=report.id, subject=subject, hours=hours))
    response = add_response(campaign, org, make_iin_for(dt.date(1980, 1, 2), "f"), teaching_hours=24)
    for subject, hours in (("vocational_theory", 12), ("algebra", 12)):
        db.session.add(ResponseSubject(response_id=response.id, subject=subject, hours=hours, language="ru"))
    db.session.commit()
    return org, campaign, director


@pytest.mark.parametrize("width", [1280, 360])
def test_summary_chart_labels_fit_and_values_are_explained(app, _browser, live_url, make_org, make_campaign,
                                                          make_user, add_response, make_iin_for, width):
    """Issue 14 (8): "Профессиональное теоретическое обучение" was cut off on the left; "a / b" had no legend;
    a bullet was glued to "(.xlsx)"."""
    org, campaign, director = _summary_world(make_org, make_campaign, make_user, add_response, make_iin_for)
    context = _browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in_cookie(page, live_url, app, director)
    page.goto(f"{live_url}/lang/ru?next=/director/KZ26/")
    shot(page, f"summary-{width}")
    chart = page.locator("#subjects-heading ~ svg.chart")
    assert "Профессиональное" in chart.inner_html()
    boxes = chart.evaluate("""svg => [...svg.querySelectorAll('text')].map(t => {
        const b = t.getBBox(); return [t.textContent, b.x, b.x + b.width]; })""")
    width_of_view = chart.evaluate("svg => svg.viewBox.baseVal.width")
    assert [text for text, left, right in boxes if left < 0 or right > width_of_view] == []
    legend = page.locator("#subjects-heading ~ .chart-legend").inner_text()
    assert "/" in legend and "учебному плану" in legend
    markers = page.locator("ul.actions li").evaluate_all("items => items.map(li => getComputedStyle(li).listStyleType)")
    assert markers and set(markers) == {"none"}
    assert page.evaluate(SCROLL_WIDTH) <= width, _too_wide(page)
    context.close()


# --- (9) one-click destructive actions ask first -------------------------------------------------------------

def test_new_personal_code_and_roster_removal_ask_first(app, page, live_url, make_org, make_campaign, make_user,
                                                       add_response, make_iin_for):
    """Issue 14 (9): "New personal code" and the roster's "Remove" acted on one click."""
    org, campaign, director = _summary_world(make_org, make_campaign, make_user, add_response, make_iin_for)
    response = db.session.scalar(sa.select(Response))
    db.session.add(RosterEntry(campaign_id=campaign.id, organization_id=org.id, person_key=response.person_key,
                               birth_date=response.birth_date, sex="f", last_name="Ахметова", first_name="Дана"))
    db.session.commit()
    before = response.personal_code_hash
    sign_in_cookie(page, live_url, app, director)
    asked = []

    def answer(dialog, accept: bool):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.goto(f"{live_url}/lang/ru?next=/director/KZ26/staff")
    page.once("dialog", lambda dialog: answer(dialog, False))
    page.click("main form button[type=submit]")
    page.wait_for_timeout(300)
    assert "/staff" in page.url and "Ахметова" in asked[-1] and "новый личный код" in asked[-1]
    db.session.expire_all()
    assert db.session.scalar(sa.select(Response.personal_code_hash)) == before  # nothing happened
    page.once("dialog", lambda dialog: answer(dialog, True))
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.locator(".code strong").inner_text()
    db.session.expire_all()
    assert db.session.scalar(sa.select(Response.personal_code_hash)) != before

    page.goto(f"{live_url}/director/KZ26/roster")
    page.once("dialog", lambda dialog: answer(dialog, False))
    page.click("form[action*='/delete'] button")
    page.wait_for_timeout(300)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RosterEntry)) == 1
    assert "Ахметова Дана" in asked[-1]
    page.once("dialog", lambda dialog: answer(dialog, True))
    with page.expect_navigation():
        page.click("form[action*='/delete'] button")
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RosterEntry)) == 0


def test_deactivating_a_user_asks_first_and_is_not_the_main_button(app, page, live_url, make_org, make_user):
    org = make_org()
    admin = make_user("national_admin")
    director = make_user("director", organization=org, email="director@school.kz")
    db.session.commit()
    sign_in_cookie(page, live_url, app, admin)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_url}/lang/ru?next=/admin/users")
    row = page.locator("tr", has_text="director@school.kz")
    button = row.locator("form[action$='/deactivate'] button")
    main = page.locator("main a.button").first  # "Invite a user", the page's main action
    colours = button.evaluate("b => getComputedStyle(b).backgroundColor")
    assert colours != main.evaluate("a => getComputedStyle(a).backgroundColor")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    button.click()
    page.wait_for_timeout(300)
    assert "director@school.kz" in asked[0]
    db.session.expire_all()
    assert db.session.get(User, director.id).is_active
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        button.click()
    db.session.expire_all()
    assert not db.session.get(User, director.id).is_active
