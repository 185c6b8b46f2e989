"""What people see of the integrity flags: counts per organization, the review queue and the flag pages by role
and scope, explanations and reviews (audited), the Flags sheet's rows (rules and data: test_integrity.py)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from survey.codebook import FlagStatus
from survey.extensions import db
from survey.integrity.queries import FlagCounts, flag_counts
from survey.integrity.services import run_checks
from survey.models import AuditEvent
from tests.pages import csrf_from
from tests.test_integrity import active, answer, campaign, key  # noqa: F401  (answer, campaign: fixtures)


@pytest.fixture
def two_districts(make_org, campaign, answer):
    """A person with a main job at A (Бостандыкский) and at C (Алмалинский); an old teacher at B (Бостандыкский)."""
    a = make_org(name_ru="Школа А")
    b = make_org(name_ru="Школа Б")
    c = make_org(district="Алмалинский", name_ru="Школа В")
    answer(a, campaign, "p", last_name="Сериков", first_name="Ерлан")
    answer(c, campaign, "p", last_name="Сериков", first_name="Ерлан", teaching_hours=2, total_hours_week=4)
    answer(b, campaign, "old", birth_date=dt.date(1940, 5, 5), experience_total=Decimal("30"))
    run_checks(campaign)
    return a, b, c


def test_flag_counts_per_organization_and_severity(two_districts, campaign, make_user):
    a, b, c = two_districts
    assert flag_counts(campaign, [a.id, b.id]) == {a.id: FlagCounts(high=1, unreviewed=1),
                                                   b.id: FlagCounts(medium=1, unreviewed=1)}
    flag = active(campaign, "G4")[(a.id, key("p"))]
    from survey.integrity.services import review_flag
    review_flag(flag, status=FlagStatus.EXPLAINED, note="x", user=make_user())
    counts = flag_counts(campaign.id, [a.id, b.id, c.id])
    assert counts[a.id] == FlagCounts(high=1, unreviewed=0) and counts[c.id].total == 1
    review_flag(flag, status=FlagStatus.DISMISSED, note="x", user=make_user())
    assert a.id not in flag_counts(campaign, [a.id])


def test_director_sees_own_flags_and_names_no_organization_outside_scope(two_districts, campaign, client, login,
                                                                         make_user):
    a, b, c = two_districts
    login(make_user("director", organization=a))
    flag_a = active(campaign, "G4")[(a.id, key("p"))]
    flag_c = active(campaign, "G4")[(c.id, key("p"))]
    flag_b = active(campaign, "G2")[(b.id, key("old"))]
    page = client.get(f"/integrity/organizations/{a.id}").get_data(as_text=True)
    assert "G4" in page and "Сериков" in page and "G2" not in page
    page = client.get(f"/integrity/flags/{flag_a.id}").get_data(as_text=True)
    assert "1 organization outside your area" in page and "Школа В" not in page
    assert client.get(f"/integrity/flags/{flag_c.id}").status_code == 404
    assert client.get(f"/integrity/flags/{flag_b.id}").status_code == 404
    assert client.get(f"/integrity/organizations/{b.id}").status_code == 404
    assert client.get("/integrity/").status_code == 403
    assert client.get("/integrity/mine").headers["Location"].endswith(f"/integrity/organizations/{a.id}")


def test_other_organization_is_named_only_inside_the_viewers_scope(two_districts, campaign, client, login,
                                                                  make_user):
    a, b, c = two_districts
    flag_a = active(campaign, "G4")[(a.id, key("p"))]
    district = make_user("district_admin", district=a.district)
    region = make_user("region_admin", region=a.district.region)
    login(district)
    page = client.get(f"/integrity/flags/{flag_a.id}").get_data(as_text=True)
    assert "Школа В" not in page and "1 organization outside your area" in page
    login(region)
    page = client.get(f"/integrity/flags/{flag_a.id}", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Школа В" in page and "outside" not in page


def test_rule_meanings_name_the_thresholds_in_force(app, monkeypatch):
    from flask_babel import force_locale

    from survey.integrity.catalogue import RULES_BY_CODE

    with force_locale("ru"):
        assert "превышают 1,5 ставки (выше 2,5 ставки" in RULES_BY_CODE["G6"].explain()
        assert RULES_BY_CODE["G18"].explain().endswith("более чем на 20 %.")
    monkeypatch.setitem(app.config, "INTEGRITY_THRESHOLDS", {"load_medium": 1.75, "headcount_gap": 0.25})
    with force_locale("en"):
        assert "exceed 1.75 rates (high severity above 2.5 rates)" in RULES_BY_CODE["G6"].explain()
        assert RULES_BY_CODE["G18"].explain().endswith("differ by more than 25 %.")
        assert "below 0.7 or above 1.15" in RULES_BY_CODE["G9"].explain()


def test_director_explains_a_flag_and_it_is_audited(two_districts, campaign, client, login, make_user):
    a, _, _ = two_districts
    director = make_user("director", organization=a)
    login(director)
    flag = active(campaign, "G4")[(a.id, key("p"))]
    page = client.get(f"/integrity/flags/{flag.id}").get_data(as_text=True)
    empty = client.post(f"/integrity/flags/{flag.id}", data={"csrf_token": csrf_from(page), "note": " "})
    assert empty.status_code == 400 and "Write the explanation." in empty.get_data(as_text=True)
    response = client.post(f"/integrity/flags/{flag.id}", data={
        "csrf_token": csrf_from(page), "note": "Moved to Школа В in October; HR forgot to change the order.",
        "status": "dismissed"})  # a director cannot choose the status: it becomes "explained"
    assert response.status_code == 302
    db.session.refresh(flag)
    assert (flag.status, flag.reviewed_by_id) == (FlagStatus.EXPLAINED, director.id)
    assert flag.note.startswith("Moved to Школа В")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "flag.review"))
    assert (event.user_id, event.target_id, event.details["to"]) == (director.id, flag.id, "explained")


def test_admin_reviews_with_a_note_and_filters_the_queue(two_districts, campaign, client, login, make_user):
    a, b, c = two_districts
    admin = make_user("national_admin")
    login(admin)
    page = client.get("/integrity/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Flags found: 3" in page and "Школа А" in page and "Школа В" in page
    page = client.get("/integrity/?severity=medium").get_data(as_text=True)
    assert "Flags found: 1" in page and "Школа Б" in page and "Школа А" not in page
    page = client.get(f"/integrity/?rule=G4&district={c.district_id}").get_data(as_text=True)
    assert "Flags found: 1" in page and "Школа В" in page
    page = client.get("/integrity/?rule=NOPE&severity=bad&page=x").get_data(as_text=True)
    assert "Flags found: 3" in page  # unknown filter values are ignored

    flag = active(campaign, "G2")[(b.id, key("old"))]
    form = client.get(f"/integrity/flags/{flag.id}").get_data(as_text=True)
    missing = client.post(f"/integrity/flags/{flag.id}", data={"csrf_token": csrf_from(form), "status": "confirmed",
                                                               "note": ""})
    assert missing.status_code == 400 and "a review needs a note" in missing.get_data(as_text=True)
    db.session.refresh(flag)
    assert flag.status == FlagStatus.OPEN
    client.post(f"/integrity/flags/{flag.id}", data={"csrf_token": csrf_from(form), "status": "confirmed",
                                                     "note": "IIN typed wrong; the person is 46."})
    db.session.refresh(flag)
    assert (flag.status, flag.reviewed_by_id) == (FlagStatus.CONFIRMED, admin.id)
    page = client.get("/integrity/?status=confirmed").get_data(as_text=True)
    assert "Flags found: 1" in page and "Школа Б" in page


def test_district_admin_queue_and_run_stay_inside_the_district(two_districts, campaign, client, login, make_user,
                                                              answer):
    a, b, c = two_districts
    login(make_user("district_admin", district=a.district))
    page = client.get("/integrity/").get_data(as_text=True)
    assert "Flags found: 2" in page and "Школа В" not in page
    answer(c, campaign, "late-c", start_date=dt.date(2026, 12, 1))
    answer(a, campaign, "late-a", start_date=dt.date(2026, 12, 1))
    response = client.post("/integrity/runs", data={"csrf_token": csrf_from(page), "campaign_id": campaign.id})
    assert response.status_code == 302
    assert set(active(campaign, "G14")) == {(a.id, key("late-a"))}  # c lies outside the district
    assert client.post("/integrity/runs", data={"campaign_id": campaign.id}).status_code == 400  # no CSRF token


def test_navigation_links_to_the_flags_by_role(two_districts, client, login, make_user):
    a, _, _ = two_districts
    login(make_user("director", organization=a))
    assert 'href="/integrity/mine"' in client.get("/").get_data(as_text=True)
    login(make_user("region_admin", region=a.district.region))
    assert 'href="/integrity/"' in client.get("/").get_data(as_text=True)


def test_export_rows_for_the_flags_sheet(two_districts, campaign):
    from survey.integrity.queries import export_rows

    a, b, c = two_districts
    rows = export_rows(campaign, [a.id, b.id], lang="ru")
    assert [(row.organization_id, row.rule, row.severity, row.person_name) for row in rows] == [
        (a.id, "G4", "high", "Сериков Ерлан"), (b.id, "G2", "medium", "Фамилия-old Айгерім")]
    assert dict((str(label), value) for label, value in rows[1].evidence) == {
        "Age on the census date": 86, "Lowest plausible age": 18, "Highest plausible age": 75}


def test_director_cannot_change_a_decided_flag(two_districts, campaign, client, login, make_user):
    from survey.integrity.services import review_flag

    a, _, _ = two_districts
    flag = active(campaign, "G4")[(a.id, key("p"))]
    login(make_user("director", organization=a))
    token = csrf_from(client.get(f"/integrity/flags/{flag.id}").get_data(as_text=True))
    review_flag(flag, status=FlagStatus.CONFIRMED, note="checked", user=make_user())
    page = client.get(f"/integrity/flags/{flag.id}").get_data(as_text=True)
    assert "already been decided" in page and 'name="note"' not in page
    response = client.post(f"/integrity/flags/{flag.id}", data={"csrf_token": token, "note": "no"})
    assert response.status_code == 409
    db.session.refresh(flag)
    assert (flag.status, flag.note) == (FlagStatus.CONFIRMED, "checked")


def test_the_queue_opens_on_the_latest_open_campaign_never_a_draft(two_districts, campaign, client, login,
                                                                    make_user, make_campaign):
    """Issue 14 (23): the queue opened on the newest campaign by id, a draft nobody has answered yet."""
    from survey.campaigns.services import current_campaign_id

    older = make_campaign(code="CLOSED-25", status="closed", census_date=dt.date(2025, 11, 1))
    draft = make_campaign(code="DRAFT-27", status="draft", census_date=dt.date(2027, 11, 1))
    login(make_user("national_admin"))
    page = client.get("/integrity/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Flags found: 3" in page  # the open campaign's
    assert re.search(rf'<option value="{campaign.id}" selected>', page)
    assert f'value="{draft.id}"' not in page and f'value="{older.id}"' in page
    assert current_campaign_id() == campaign.id
    campaign.status = "closed"  # no open campaign: the last closed one (by census date), still not the draft
    db.session.commit()
    assert current_campaign_id() == campaign.id
    campaign.status, older.status = "draft", "draft"
    db.session.commit()
    assert current_campaign_id() is None
    assert "No campaign yet." in client.get("/integrity/").get_data(as_text=True)
