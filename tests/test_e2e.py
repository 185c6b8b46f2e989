"""End-to-end in headless Chromium (issue 8): a teacher in Kazakh on a 360 × 740 phone, a director, an administrator.

Screenshots of each final page are kept under tests/e2e/screenshots/ (git-ignored) as CI artifacts.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from survey.campaigns.services import ensure_access_links
from survey.extensions import db
from survey.models import AccessLink, OrgReport, Organization, Response

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).parent / "e2e" / "screenshots"
BIRTH = dt.date(1986, 4, 12)


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


@pytest.fixture
def phone(_browser):
    context = _browser.new_context(viewport={"width": 360, "height": 740}, locale="kk-KZ")
    yield context
    context.close()


@pytest.fixture
def school(app, make_org, make_campaign):
    org = make_org(level="school", name_kk="№ 12 мектеп-гимназия", name_ru="Школа-гимназия № 12")
    campaign = make_campaign(code="KZ26", census_date=dt.date(2026, 11, 1))
    ensure_access_links(campaign)
    db.session.commit()
    link = db.session.scalar(sa.select(AccessLink).where(AccessLink.organization_id == org.id))
    return org, campaign, link


def fill_employment(page, subjects: list[tuple[str, str]]):
    page.select_option("[name=post]", "teacher")
    page.select_option("[name=basis]", "main")
    page.select_option("[name=contract]", "permanent")
    page.fill("[name=start_date]", "2012-09-01")
    page.fill("[name=rate]", "1,25")
    page.fill("[name=teaching_hours]", "20")
    page.check("[name=languages][value=kk]")
    for index, (subject, hours) in enumerate(subjects):
        page.select_option(f"[name=subjects-{index}-subject]", subject)
        page.fill(f"[name=subjects-{index}-hours]", hours)
        page.select_option(f"[name=subjects-{index}-language]", "kk")


def fill_education(page, specialty: str, experience: str) -> None:
    page.select_option("[name=education_level]", "bachelor")
    page.select_option("[name=ped_education]", "ped_higher")
    page.fill("[name=specialty]", specialty)
    page.fill("[name=graduation_year]", "2008")
    page.select_option("[name=category]", "expert")
    page.fill("[name=category_year]", "2023")
    page.fill("[name=experience_total]", experience)
    page.fill("[name=experience_org]", "9")


def go(page, selector: str) -> None:
    """Click something that loads a new page, and wait until that page has loaded (not merely started)."""
    with page.expect_navigation():
        page.click(selector)


def next_step(page):
    go(page, "button[name=action][value=next]")


def test_teacher_in_kazakh_on_a_phone_meets_an_error_leaves_resumes_and_submits(
        app, phone, live_url, school, make_iin_for):
    org, campaign, link = school
    iin = make_iin_for(BIRTH, "f")
    page = phone.new_page()
    page.goto(f"{live_url}/lang/kk?next=/")
    page.fill("[name=code]", link.code[:4] + "-" + link.code[4:].lower())
    go(page, "main [type=submit]")
    assert "№ 12 мектеп-гимназия" in page.inner_text("main")
    go(page, "a.button")  # start
    page.fill("[name=iin]", iin)
    page.fill("[name=last_name]", "Сейітова")
    page.fill("[name=first_name]", "Әйгерім")
    page.check("[name=consent]")
    go(page, "main button[type=submit]")
    assert "1986" in page.inner_text("main")  # the birth date read from the IIN, shown for confirmation
    go(page, "form:has(input[name=confirmed][value=yes]) button")
    code = page.inner_text(".personal-code").strip()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    go(page, "main a.button")
    assert fits(page)

    fill_employment(page, [("mathematics", "12")])  # 12 h of subjects but 20 teaching hours: an error
    next_step(page)
    summary = page.locator(".error-summary")
    assert summary.is_visible() and summary.get_attribute("role") == "alert"
    assert page.input_value("[name=rate]") == "1,25" or page.input_value("[name=rate]") == "1.25"  # kept
    target = summary.locator("a").first.get_attribute("href")
    assert target.startswith("#") and page.locator(target).count() == 1  # the summary links to the field
    assert "20" in summary.inner_text()  # "… your teaching hours are 20 …", in Kazakh
    shot(page, "teacher-validation-error")
    page.select_option("[name=subjects-1-subject]", "algebra")
    page.fill("[name=subjects-1-hours]", "8")
    page.select_option("[name=subjects-1-language]", "kk")
    next_step(page)
    assert "/step/2" in page.url  # the saved step answered with step 2, whose address the script put in the bar
    sent = []
    page.on("request", lambda request: sent.append((request.method, request.url)))
    page.reload()  # a plain GET of step 2: nothing is sent again
    assert [(m, u.split("/q/", 1)[1]) for m, u in sent if "/q/" in u] == [("GET", f"{link.token}/step/2")]
    assert "/step/2" in page.url and page.locator("form[action$='/step/2']").count() == 1
    page.close()  # the teacher leaves

    page = phone.new_page()
    page.goto(f"{live_url}/q/{link.token}/resume")
    page.fill("[name=iin]", iin)
    page.fill("[name=code]", code.lower())
    go(page, "main button[type=submit]")
    assert "/step/2" in page.url  # back where she stopped
    next_step(page)  # no other jobs
    fill_education(page, "Математика", "14")
    next_step(page)
    next_step(page)  # development, workload, AI and plans may stay blank
    assert "/review" in page.url and fits(page)
    go(page, "#submit button[type=submit]")
    assert "/done" in page.url
    shot(page, "teacher-done")
    response = db.session.scalar(sa.select(Response))
    assert (response.status, response.teaching_hours, response.category) == ("submitted", 20, "expert")
    assert sorted((s.subject, s.hours) for s in response.subjects) == [("algebra", 8), ("mathematics", 12)]


def test_director_signs_in_reads_the_dashboard_and_downloads_the_workbook(
        app, _browser, live_url, school, make_user, tmp_path):
    org, campaign, link = school
    make_user("director", organization=org, email="director@school12.kz", password="director-pass-1")
    db.session.add(OrgReport(campaign_id=campaign.id, organization_id=org.id, pupils=480))
    db.session.commit()
    context = _browser.new_context(viewport={"width": 1024, "height": 900}, locale="ru-RU", accept_downloads=True)
    page = context.new_page()
    page.goto(f"{live_url}/lang/ru?next=/auth/sign-in")
    page.fill("[name=email]", "director@school12.kz")
    page.fill("[name=password]", "director-pass-1")
    go(page, "main [type=submit]")
    page.goto(f"{live_url}/director/")
    assert "Сводка" in page.inner_text("h1") and "Кадровый профиль" in page.inner_text("main")
    with page.expect_download() as download:
        page.click("text=Скачать кадровый профиль (.xlsx)")
    path = tmp_path / "profile.xlsx"
    download.value.save_as(path)
    workbook = openpyxl.load_workbook(path, read_only=True)
    assert "Profile" in workbook.sheetnames or len(workbook.sheetnames) >= 3
    shot(page, "director-dashboard")
    context.close()


def test_administrator_uploads_a_registry_with_a_bad_row_and_reads_the_report(
        app, _browser, live_url, make_user, tmp_path):
    make_user("national_admin", email="admin@ministry.kz", password="admin-pass-1")
    db.session.commit()
    from survey.demo import make_bin
    import random

    good = make_bin(random.Random(5))
    path = tmp_path / "registry.csv"
    path.write_text("bin;name_ru;level;ownership;region;district\n"
                    f"{good};Школа № 1;school;state;Алматы;Медеуский\n"
                    "12345;Школа № 2;university;state;Алматы;Медеуский\n", encoding="utf-8")
    context = _browser.new_context(viewport={"width": 1024, "height": 900}, locale="ru-RU")
    page = context.new_page()
    page.goto(f"{live_url}/lang/ru?next=/auth/sign-in")
    page.fill("[name=email]", "admin@ministry.kz")
    page.fill("[name=password]", "admin-pass-1")
    go(page, "main [type=submit]")
    page.goto(f"{live_url}/admin/registry/upload")
    page.set_input_files("input[type=file]", str(path))
    go(page, "main [type=submit]")
    text = page.inner_text("main")
    assert "3" in text and "bin" in text and "level" in text  # row 3, both bad columns
    assert "12 цифр" in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organization)) == 0  # nothing imported
    shot(page, "admin-registry-errors")
    context.close()
