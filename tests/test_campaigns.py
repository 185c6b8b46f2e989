"""Campaigns from the command line: create, open (with access links), close; errors are messages, not tracebacks."""

import datetime as dt

import sqlalchemy as sa

from survey.extensions import db
from survey.models import AccessLink, AuditEvent, Campaign


def test_create_open_close(runner, make_org):
    school, kindergarten = make_org(level="school"), make_org(level="preschool")
    college = make_org(level="college")
    result = runner.invoke(args=[
        "survey", "create-campaign", "--code", "KZ-2026", "--title-kk", "Педагогтер санағы",
        "--title-ru", "Перепись педагогов", "--census-date", "2026-12-01", "--opens", "2026-12-01T09:00",
        "--closes", "2026-12-20T18:00", "--levels", "school,preschool"])
    assert result.exit_code == 0, result.output
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.code == "KZ-2026"))
    assert (campaign.status, campaign.census_date, campaign.levels) == ("draft", dt.date(2026, 12, 1), "preschool;school")
    # 09:00 in Almaty (UTC+5) is 04:00 UTC
    assert campaign.opens_at == dt.datetime(2026, 12, 1, 4, 0, tzinfo=dt.timezone.utc)

    result = runner.invoke(args=["survey", "campaign", "open", "KZ-2026"])
    assert result.exit_code == 0, result.output
    assert "2 organizations received access codes" in result.output
    links = db.session.scalars(sa.select(AccessLink).where(AccessLink.campaign_id == campaign.id)).all()
    assert {link.organization_id for link in links} == {school.id, kindergarten.id}
    assert college.id not in {link.organization_id for link in links}
    assert all(len(link.code) == 8 and not set(link.code) & set("01IO") for link in links)
    assert len({link.token for link in links}) == 2

    assert runner.invoke(args=["survey", "campaign", "close", "KZ-2026"]).exit_code == 0
    db.session.refresh(campaign)
    assert campaign.status == "closed"
    # reopening keeps the links it already gave
    assert runner.invoke(args=["survey", "campaign", "open", "KZ-2026"]).exit_code == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessLink)) == 2
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["campaign.create", "campaign.open", "campaign.close", "campaign.reopen"]  # as on the web


def test_errors_are_clear(runner, make_campaign):
    make_campaign(code="TAKEN")
    cases = [
        (["--code", "TAKEN"], "already exists"),
        (["--code", "bad code!"], "campaign code"),
        (["--code", "OK1", "--opens", "2026-12-10T00:00", "--closes", "2026-12-01T00:00"], "close after"),
        (["--code", "OK2", "--levels", "school,university"], "university"),
    ]
    for extra, words in cases:
        args = ["survey", "create-campaign", "--title-kk", "T", "--title-ru", "T", "--census-date", "2026-12-01"]
        result = runner.invoke(args=args + extra)
        assert result.exit_code != 0
        assert words in result.output and "Traceback" not in result.output
    result = runner.invoke(args=["survey", "create-campaign", "--code", "X1", "--title-kk", "T", "--title-ru", "T",
                                 "--census-date", "2026-13-01"])
    assert result.exit_code == 2 and "not a date" in result.output
    assert "No campaign" in runner.invoke(args=["survey", "campaign", "open", "NOPE"]).output
    assert "already open" in runner.invoke(args=["survey", "campaign", "open", "TAKEN"]).output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Campaign)) == 1
