"""The administrators' progress board: responses, drafts, rosters, response rates and sign-offs per organization,
district and region, within the viewer's scope (the bulk rows: every mandatory answer, tests/factories.py)."""

from __future__ import annotations

import datetime as dt
import itertools

import sqlalchemy as sa

from survey.extensions import db
from survey.models import Response, RosterEntry
from survey.staffing.progress import progress_board
from tests.factories import TYPICAL

_keys = itertools.count(1)


def _responses(campaign, org, submitted: int, drafts: int = 0) -> list[str]:
    """Insert responses; returns the person keys of the submitted ones."""
    base = {"campaign_id": campaign.id, "organization_id": org.id, "birth_date": dt.date(1980, 1, 1), "sex": "f",
            "last_name": "Иванова", "first_name": "Анна", "source": "web", "version": 1, "current_step": 0}
    done = {"status": "submitted", "submitted_at": dt.datetime(2026, 11, 2, tzinfo=dt.timezone.utc)}
    rows = [{**TYPICAL, **base, **done, "person_key": f"k{next(_keys)}"} for _ in range(submitted)]
    rows += [{**base, "status": "draft", "consent": False, "person_key": f"k{next(_keys)}"} for _ in range(drafts)]
    if rows:
        db.session.execute(sa.insert(Response), rows)
    return [row["person_key"] for row in rows[:submitted]]


def _roster(campaign, org, size: int, answered: list[str] = ()) -> None:
    """A roster of ``size`` people, the first of whom are the people in ``answered``."""
    keys = list(answered)[:size] + [f"r{next(_keys)}" for _ in range(size - len(list(answered)[:size]))]
    if size:
        db.session.execute(sa.insert(RosterEntry), [
            {"campaign_id": campaign.id, "organization_id": org.id, "person_key": key,
             "birth_date": dt.date(1980, 1, 1), "sex": "f", "last_name": "И", "first_name": "А"}
            for key in keys])


def test_progress_board_numbers(app, make_org, make_user, make_campaign):
    from survey.models import Flag, OrgReport

    campaign = make_campaign(levels="preschool;school")
    other = make_campaign()
    a1_school = make_org(region="A", district="A1", level="school", ownership="state", name_ru="Школа А1")
    a1_private = make_org(region="A", district="A1", level="school", ownership="private")
    a2_kinder = make_org(region="A", district="A2", level="preschool", ownership="state")
    b1_school = make_org(region="B", district="B1", level="school", ownership="state")
    make_org(region="B", district="B1", level="college", ownership="state")  # its level takes no part
    answered = _responses(campaign, a1_school, submitted=8, drafts=2)
    _roster(campaign, a1_school, 10, answered[:7])  # 7 of its 10 listed people answered; one answerer is unlisted
    _responses(campaign, a1_private, submitted=0, drafts=1)
    _roster(campaign, a1_private, 4)
    _responses(campaign, a2_kinder, submitted=3)
    answered = _responses(campaign, b1_school, submitted=5)
    _roster(campaign, b1_school, 4, answered)
    _responses(other, b1_school, submitted=7)  # another campaign: never counted
    national = make_user("national_admin")
    district = make_user("district_admin", district=a1_school.district)
    director = make_user("director", organization=a1_school)
    db.session.add(OrgReport(campaign_id=campaign.id, organization_id=a1_school.id,
                             attested_at=dt.datetime(2026, 11, 20, tzinfo=dt.timezone.utc), attested_by_id=director.id))
    db.session.add_all([
        Flag(campaign_id=campaign.id, organization_id=b1_school.id, rule="G4", subject_key="x", severity="high"),
        Flag(campaign_id=campaign.id, organization_id=b1_school.id, rule="G12", subject_key="", severity="medium"),
        Flag(campaign_id=campaign.id, organization_id=b1_school.id, rule="G2", subject_key="y", severity="medium",
             status="dismissed"),  # reviewed away: not counted
    ])
    db.session.flush()

    board = progress_board(national, campaign)
    rows = {row.name: row for row in board.rows}
    assert [r.name for r in board.rows] == ["A", "B"]
    a, b = rows["A"], rows["B"]
    assert (a.organizations, a.answering, a.responses, a.drafts, a.roster, a.roster_responding) == (3, 2, 11, 3, 14, 7)
    assert a.rate == 50.0  # 7 of the 14 people on the rosters answered (CODEBOOK response_rate)
    assert (b.organizations, b.answering, b.responses, b.drafts, b.roster, b.roster_responding) == (1, 1, 5, 0, 4, 4)
    assert b.rate == 100.0 and b.bar == 100.0
    assert (a.signed_off, b.signed_off, a.flags, b.flags, b.flags_high) == (1, 0, 0, 2, 1)
    assert (board.total.organizations, board.total.responses, board.total.roster) == (4, 16, 18)
    assert board.total.rate == 61.1  # 11 / 18
    assert board.silent_count == 1 and [o.id for o in board.silent] == [a1_private.id]

    by_district = progress_board(national, campaign, region_id=a1_school.district.region_id)
    assert [(r.name, r.responses, r.roster) for r in by_district.rows] == [("A1", 8, 14), ("A2", 3, 0)]
    assert by_district.rows[1].rate is None

    schools = progress_board(national, campaign, level="school", ownership="state")
    assert [(r.name, r.organizations, r.responses) for r in schools.rows] == [("A", 1, 8), ("B", 1, 5)]

    mine = progress_board(district, campaign, district_id=a1_school.district_id, sort="responses", descending=True)
    assert mine.grain == "organization"
    assert [(r.id, r.responses, r.drafts, r.roster, r.rate, r.signed_off) for r in mine.rows] == [
        (a1_school.id, 8, 2, 10, 70.0, 1), (a1_private.id, 0, 1, 4, 0.0, 0)]
    # a district administrator asking for the whole country still sees only its district
    assert progress_board(district, campaign).total.organizations == 2
