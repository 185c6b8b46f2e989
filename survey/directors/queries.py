"""Reads for the director's pages: who on the roster has answered, and who answered without being on it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..codebook import ResponseStatus
from ..extensions import db
from ..models import Campaign, Organization, Response, RosterEntry


@dataclass(frozen=True)
class Person:
    name: str
    post: str | None
    roster_id: int | None = None
    response_id: int | None = None
    submitted_at: dt.datetime | None = None
    status: str | None = None


@dataclass
class RosterProgress:
    answered: list[Person] = field(default_factory=list)
    not_answered: list[Person] = field(default_factory=list)
    not_on_roster: list[Person] = field(default_factory=list)
    drafts: int = 0

    @property
    def roster_size(self) -> int:
        return len(self.answered) + len(self.not_answered)

    @property
    def response_rate(self) -> float | None:
        return len(self.answered) / self.roster_size if self.roster_size else None


def _name(last: str, first: str, middle: str | None) -> str:
    return " ".join(part for part in (last, first, middle) if part)


def roster_progress(campaign: Campaign, organization: Organization) -> RosterProgress:
    """Roster members who answered (a submitted response), who have not, and submitted responses off the roster.

    Two queries in all: roster LEFT JOIN responses, and responses whose person is not on the roster.
    """
    submitted = sa.and_(Response.campaign_id == campaign.id, Response.organization_id == organization.id,
                        Response.person_key == RosterEntry.person_key)
    rows = db.session.execute(
        sa.select(RosterEntry.id, RosterEntry.last_name, RosterEntry.first_name, RosterEntry.middle_name,
                  RosterEntry.post, Response.id, Response.status, Response.submitted_at)
        .outerjoin(Response, submitted)
        .where(RosterEntry.campaign_id == campaign.id, RosterEntry.organization_id == organization.id)
        .order_by(RosterEntry.last_name, RosterEntry.first_name)
    ).all()
    progress = RosterProgress()
    for roster_id, last, first, middle, post, response_id, status, submitted_at in rows:
        person = Person(_name(last, first, middle), post, roster_id, response_id, submitted_at,
                        status.value if status else None)
        if status == ResponseStatus.SUBMITTED:
            progress.answered.append(person)
        else:
            progress.not_answered.append(person)
    on_roster = sa.select(RosterEntry.person_key).where(
        RosterEntry.campaign_id == campaign.id, RosterEntry.organization_id == organization.id)
    for response_id, last, first, middle, post, status, submitted_at in db.session.execute(
        sa.select(Response.id, Response.last_name, Response.first_name, Response.middle_name, Response.post,
                  Response.status, Response.submitted_at)
        .where(Response.campaign_id == campaign.id, Response.organization_id == organization.id,
               Response.person_key.not_in(on_roster))
        .order_by(Response.last_name, Response.first_name)
    ):
        if status == ResponseStatus.SUBMITTED:
            progress.not_on_roster.append(Person(_name(last, first, middle), post, None, response_id, submitted_at,
                                                 status.value))
        else:
            progress.drafts += 1
    progress.drafts += sum(1 for p in progress.not_answered if p.status == ResponseStatus.DRAFT.value)
    return progress


def staff_responses(campaign: Campaign, organization: Organization) -> list[Person]:
    """Every response (draft or submitted) at the organization, for the personal-code reset list."""
    return [
        Person(_name(last, first, middle), post, None, response_id, submitted_at, status.value)
        for response_id, last, first, middle, post, status, submitted_at in db.session.execute(
            sa.select(Response.id, Response.last_name, Response.first_name, Response.middle_name, Response.post,
                      Response.status, Response.submitted_at)
            .where(Response.campaign_id == campaign.id, Response.organization_id == organization.id)
            .order_by(Response.last_name, Response.first_name))
    ]


def campaigns_for(organization: Organization) -> list[Campaign]:
    """Campaigns this organization takes part in (by level), newest first; drafts are not shown to directors."""
    campaigns = db.session.scalars(
        sa.select(Campaign).where(Campaign.status != "draft").order_by(Campaign.census_date.desc(), Campaign.id.desc())
    ).all()
    return [c for c in campaigns if organization.level.value in c.level_list]
