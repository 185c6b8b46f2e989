"""In a real browser: an administrator changes a district's pupil growth on the forecast page and sees the gap move;
the page fits a phone's width."""

from __future__ import annotations

import datetime as dt

import pytest

from plans_data import CENSUS, person, report
from survey.extensions import db
from tests.test_browser_directors import sign_in_cookie

pytestmark = pytest.mark.browser


def test_growth_assumption_moves_the_gap(app, page, live_url, make_org, make_campaign, make_user):
    campaign = make_campaign("KZ26", census_date=CENSUS)
    school = make_org("school", district="Бостандыкский", name_ru="Школа № 7")
    person(campaign, school, dt.date(1985, 1, 1), "f", "1", [("mathematics", 16)])
    person(campaign, school, dt.date(1990, 1, 1), "m", "1", [("physics", 16)])
    report(campaign, school, pupils=800, required=[("mathematics", 32), ("physics", 16)])
    admin = make_user("district_admin", district=school.district)
    db.session.commit()
    sign_in_cookie(page, live_url, app, admin)

    page.goto(f"{live_url}/lang/ru?next=/admin/plans/districts/{school.district_id}")
    assert "Прогноз и план по ИИ" in page.inner_text("h1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # wide tables scroll inside their box

    def gap_in_last_year() -> str:
        row = page.locator("table.metrics tr", has_text="Разрыв, ставки").first
        return row.locator("td").last.inner_text()

    before = gap_in_last_year()
    assert before == "1,3"  # demand 3, supply 2 × 0.97^5 = 1.72 (no one retires; 3 % attrition)
    page.select_option("#level", "school")
    page.select_option("#kind", "percent")
    page.fill("#value", "10")
    with page.expect_navigation():
        page.click("text=Сохранить и пересчитать")
    assert "сохранён" in page.inner_text(".flashes")
    after = gap_in_last_year()
    assert after == "3,1"  # demand 3 × 1.1^5 = 4.83, supply as before
    assert "10 %" in page.inner_text("main")

    page.fill("#value", "abc")
    with page.expect_navigation():
        page.click("text=Сохранить и пересчитать")
    assert page.input_value("#value") == "abc"  # nothing typed is lost
    assert gap_in_last_year() == "3,1"  # nothing stored changed
