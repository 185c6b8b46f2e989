"""The progress board: responses and roster sizes per organization, summed up to district and region, in SQL.

One query per board: per-organization counts (responses, drafts, roster) are aggregated once in subqueries, joined
to the organizations in the user's scope, and summed at the requested grain. Organizations with no response yet
come from one NOT EXISTS query.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from ..auth.scope import visible_organization_ids
from ..campaigns.services import taking_part_filter
from ..codebook import ResponseStatus, Severity
from ..extensions import db
from ..integrity.queries import ACTIVE
from ..models import (Campaign, District, Flag, OrgReport, Organization, Region, Response, RosterEntry, User,
                      localized_name)
from .ai_plan import has_digital_lead
from .metrics import response_rate, roster_counts

LISTED = 200  # organizations listed by name under a board (no response yet, nobody responsible for digitalization)
SORTS = ("name", "organizations", "responses", "roster", "rate")


@dataclass(frozen=True)
class ProgressRow:
    id: int
    name: str
    organizations: int
    answering: int  # organizations with at least one submitted response
    responses: int  # submitted responses
    drafts: int
    roster: int  # staff the directors listed
    roster_responding: int = 0  # people on a roster who submitted a response at that organization
    signed_off: int = 0  # organizations whose director signed the data off
    flags: int = 0  # active integrity flags
    flags_high: int = 0

    @property
    def rate(self) -> float | None:
        """CODEBOOK §7 ``response_rate`` in per cent: roster members who answered / roster size; None without
        a roster. The same definition as the staffing metrics and the director's dashboard."""
        rate = response_rate(self.roster_responding, self.roster)
        return None if rate is None else round(100.0 * float(rate), 1)

    @property
    def bar(self) -> float:
        return min(100.0, self.rate or 0.0)


@dataclass(frozen=True)
class SilentOrganization:
    id: int
    bin: str
    name: str  # in the requested language when the registry has it
    district: str
    region: str


@dataclass
class ProgressBoard:
    grain: str
    rows: list[ProgressRow]
    total: ProgressRow
    silent: list[SilentOrganization] = field(default_factory=list)
    silent_count: int = 0
    without_lead: list[SilentOrganization] = field(default_factory=list)  # nobody responsible for digitalization
    without_lead_count: int = 0


def _organizations(user: User, campaign: Campaign, *, level: str | None, ownership: str | None,
                   region_id: int | None, district_id: int | None) -> sa.Select:
    """The filter every part of the board shares: in scope, taking part in the campaign, and the chosen filters."""
    query = (
        sa.select(Organization.id)
        .join(District, Organization.district_id == District.id)
        .where(Organization.id.in_(visible_organization_ids(user)), taking_part_filter(campaign))
    )
    if level:
        query = query.where(Organization.level == level)
    if ownership:
        query = query.where(Organization.ownership == ownership)
    if region_id is not None:
        query = query.where(District.region_id == region_id)
    if district_id is not None:
        query = query.where(Organization.district_id == district_id)
    return query


def progress_board(user: User, campaign: Campaign, *, level: str | None = None, ownership: str | None = None,
                   region_id: int | None = None, district_id: int | None = None, sort: str = "name",
                   descending: bool = False, lang: str = "ru", silent_limit: int = LISTED) -> ProgressBoard:
    """The board at the grain below the chosen place: regions (national), districts of a region, organizations of a
    district. Rows are limited to the user's scope; the caller checks that ``region_id``/``district_id`` are in it."""
    if district_id is not None:
        grain = "organization"
    elif region_id is not None:
        grain = "district"
    else:
        grain = "region"
    chosen = _organizations(user, campaign, level=level, ownership=ownership, region_id=region_id,
                            district_id=district_id)

    responses = (
        sa.select(
            Response.organization_id.label("organization_id"),
            sa.func.count().filter(Response.status == ResponseStatus.SUBMITTED).label("responses"),
            sa.func.count().filter(Response.status == ResponseStatus.DRAFT).label("drafts"),
        )
        .where(Response.campaign_id == campaign.id, Response.organization_id.in_(chosen))
        .group_by(Response.organization_id)
        .subquery()
    )
    roster = roster_counts(campaign.id, RosterEntry.organization_id.in_(chosen)).subquery()
    signed = (
        sa.select(OrgReport.organization_id.label("organization_id"))
        .where(OrgReport.campaign_id == campaign.id, OrgReport.attested_at.is_not(None),
               OrgReport.organization_id.in_(chosen))
        .subquery()
    )
    flags = (
        sa.select(Flag.organization_id.label("organization_id"), sa.func.count().label("flags"),
                  sa.func.count().filter(Flag.severity == Severity.HIGH).label("high"))
        .where(Flag.campaign_id == campaign.id, ACTIVE, Flag.organization_id.in_(chosen))
        .group_by(Flag.organization_id)
        .subquery()
    )
    if grain == "region":
        keys = (Region.id, Region.name)
    elif grain == "district":
        keys = (District.id, District.name)
    else:
        keys = (Organization.id, Organization.name_ru, Organization.name_kk)
    submitted = sa.func.coalesce(responses.c.responses, 0)
    query = (
        sa.select(
            *keys,
            sa.func.count(Organization.id),
            sa.func.sum(sa.case((submitted > 0, 1), else_=0)),
            sa.func.sum(submitted),
            sa.func.sum(sa.func.coalesce(responses.c.drafts, 0)),
            sa.func.sum(sa.func.coalesce(roster.c.roster, 0)),
            sa.func.sum(sa.func.coalesce(roster.c.responding, 0)),
            sa.func.count(signed.c.organization_id),
            sa.func.sum(sa.func.coalesce(flags.c.flags, 0)),
            sa.func.sum(sa.func.coalesce(flags.c.high, 0)),
        )
        .select_from(Organization)
        .join(District, Organization.district_id == District.id)
        .join(Region, District.region_id == Region.id)
        .outerjoin(responses, responses.c.organization_id == Organization.id)
        .outerjoin(roster, roster.c.organization_id == Organization.id)
        .outerjoin(signed, signed.c.organization_id == Organization.id)
        .outerjoin(flags, flags.c.organization_id == Organization.id)
        .where(Organization.id.in_(chosen))
        .group_by(*keys)
    )
    rows = []
    for record in db.session.execute(query):
        if grain == "organization":
            ident, name_ru, name_kk, *counts = record
            name = localized_name(name_ru, name_kk, lang)
        else:
            ident, name, *counts = record
        rows.append(ProgressRow(ident, name or "", *(int(value or 0) for value in counts)))
    rows.sort(key=_sort_key(sort), reverse=descending)
    total = ProgressRow(0, "", *(sum(getattr(row, name) for row in rows)
                                 for name in ("organizations", "answering", "responses", "drafts", "roster",
                                              "roster_responding", "signed_off", "flags", "flags_high")))

    answered = sa.select(Response.id).where(Response.campaign_id == campaign.id,
                                            Response.organization_id == Organization.id,
                                            Response.status == ResponseStatus.SUBMITTED)
    silent_count, silent = _listed(sa.and_(Organization.id.in_(chosen), ~sa.exists(answered)), lang, silent_limit)
    without_lead_count, without_lead = _listed(sa.and_(Organization.id.in_(chosen), ~has_digital_lead(campaign)),
                                               lang, silent_limit)
    return ProgressBoard(grain=grain, rows=rows, total=total, silent=silent, silent_count=silent_count,
                         without_lead=without_lead, without_lead_count=without_lead_count)


def _listed(where, lang: str, limit: int) -> tuple[int, list[SilentOrganization]]:
    """How many organizations match ``where``, and the first ``limit`` of them by region, district and BIN."""
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Organization).where(where))
    listed = [
        SilentOrganization(record[0], record[1], localized_name(record[2], record[3], lang), record[4], record[5])
        for record in db.session.execute(
            sa.select(Organization.id, Organization.bin, Organization.name_ru, Organization.name_kk, District.name,
                      Region.name)
            .join(District, Organization.district_id == District.id)
            .join(Region, District.region_id == Region.id)
            .where(where)
            .order_by(Region.name, District.name, Organization.bin)
            .limit(limit)
        )
    ]
    return count or 0, listed


def _sort_key(sort: str):
    if sort == "rate":
        return lambda row: (row.rate is None, row.rate or 0.0, row.name)
    if sort in ("organizations", "responses", "roster"):
        return lambda row: (getattr(row, sort), row.name)
    return lambda row: row.name.casefold()
