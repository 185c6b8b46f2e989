"""Reads: flag counts for the boards, the review queue, one flag with evidence that names only what the viewer may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ..auth.scope import visible_organization_ids
from ..codebook import CampaignStatus, FlagStatus, Severity
from ..extensions import db
from ..models import (Campaign, District, Flag, Organization, Region, Response, RosterEntry, User,
                      localized_name)
from .catalogue import EVIDENCE_LABELS, RULES_BY_CODE

PAGE_SIZE = 50
# A flag needs attention while its cause holds and nobody dismissed it.
ACTIVE = sa.and_(Flag.closed_at.is_(None), Flag.status != FlagStatus.DISMISSED)
SEVERITY_ORDER = sa.case({Severity.HIGH.value: 0, Severity.MEDIUM.value: 1}, value=Flag.severity, else_=2)


@dataclass(frozen=True)
class FlagCounts:
    high: int = 0
    medium: int = 0
    low: int = 0
    unreviewed: int = 0  # still open: nobody explained, confirmed or dismissed them

    @property
    def total(self) -> int:
        return self.high + self.medium + self.low


def flag_counts(campaign: Campaign | int, organization_ids) -> dict[int, FlagCounts]:
    """Active flags per organization and severity (organizations without any are absent).

    ``organization_ids``: a list of ids or a SELECT of them (e.g. ``visible_organization_ids(user)``).
    """
    campaign_id = campaign if isinstance(campaign, int) else campaign.id
    if not isinstance(organization_ids, sa.Select):
        organization_ids = list(organization_ids)
    rows = db.session.execute(
        sa.select(Flag.organization_id,
                  *(sa.func.count().filter(Flag.severity == severity) for severity in Severity),
                  sa.func.count().filter(Flag.status == FlagStatus.OPEN))
        .where(Flag.campaign_id == campaign_id, Flag.organization_id.in_(organization_ids), ACTIVE)
        .group_by(Flag.organization_id))
    return {org_id: FlagCounts(high, medium, low, unreviewed) for org_id, high, medium, low, unreviewed in rows}


@dataclass(frozen=True)
class QueueFilters:
    campaign_id: int
    rule: str | None = None
    severity: str | None = None
    status: str = "active"  # "active", a FlagStatus value, "closed" or "all"
    region_id: int | None = None
    district_id: int | None = None
    organization_id: int | None = None
    page: int = 1


@dataclass(frozen=True)
class FlagRow:
    id: int
    rule: str
    title: Any
    severity: str
    status: str
    organization_id: int
    organization_name: str
    district_name: str
    region_name: str
    person_name: str | None  # last, first and middle name, as the person answered (or as the roster lists them)
    evidence: list[tuple[Any, Any]]
    note: str | None
    created_at: dt.datetime
    closed_at: dt.datetime | None


@dataclass
class QueuePage:
    rows: list[FlagRow]
    total: int
    page: int
    pages: int


@dataclass
class FlagDetail:
    row: FlagRow
    meaning: Any
    other_organizations: list[str] = field(default_factory=list)  # names the viewer's scope includes
    hidden_organizations: int = 0  # … and how many it does not
    reviewed_by: str | None = None
    reviewed_at: dt.datetime | None = None


def evidence_items(evidence: dict[str, Any]) -> list[tuple[Any, Any]]:
    """(translated label, number) pairs of a flag's evidence; lists of organizations are shown apart."""
    return [(EVIDENCE_LABELS.get(name, name), value) for name, value in evidence.items()
            if name != "organization_ids" and value is not None]


def _status_condition(status: str) -> sa.ColumnElement:
    if status == "all":
        return sa.true()
    if status == "closed":
        return Flag.closed_at.is_not(None)
    if status == "active":
        return ACTIVE
    return sa.and_(Flag.closed_at.is_(None), Flag.status == status)


def _rows_query(organization_ids) -> sa.Select:
    here = sa.orm.aliased(Response)
    listed = sa.orm.aliased(RosterEntry)
    last = sa.func.coalesce(here.last_name, listed.last_name)
    first = sa.func.coalesce(here.first_name, listed.first_name)
    middle = sa.case((here.id.is_not(None), here.middle_name), else_=listed.middle_name)
    return (sa.select(Flag, Organization.name_ru, Organization.name_kk, District.name, Region.name, last, first,
                      middle)
            .join(Organization, Organization.id == Flag.organization_id)
            .join(District, District.id == Organization.district_id)
            .join(Region, Region.id == District.region_id)
            .outerjoin(here, sa.and_(here.campaign_id == Flag.campaign_id, here.organization_id == Flag.organization_id,
                                     here.person_key == Flag.subject_key))
            .outerjoin(listed, sa.and_(listed.campaign_id == Flag.campaign_id,
                                       listed.organization_id == Flag.organization_id,
                                       listed.person_key == Flag.subject_key))
            .where(Flag.organization_id.in_(organization_ids)))


def _row(result, lang: str) -> FlagRow:
    flag, name_ru, name_kk, district, region, last, first, middle = result
    rule = RULES_BY_CODE.get(flag.rule)
    return FlagRow(
        id=flag.id, rule=flag.rule, title=rule.title if rule else flag.rule, severity=flag.severity.value,
        status=flag.status.value, organization_id=flag.organization_id,
        organization_name=localized_name(name_ru, name_kk, lang), district_name=district,
        region_name=region, person_name=" ".join(part for part in (last, first, middle) if part) or None,
        evidence=evidence_items(flag.evidence or {}), note=flag.note, created_at=flag.created_at,
        closed_at=flag.closed_at)


def list_flags(user: User, filters: QueueFilters, lang: str = "ru") -> QueuePage:
    """One page of the flags the user may see, most severe and newest first."""
    conditions = [Flag.campaign_id == filters.campaign_id, _status_condition(filters.status)]
    if filters.rule:
        conditions.append(Flag.rule == filters.rule)
    if filters.severity:
        conditions.append(Flag.severity == filters.severity)
    if filters.region_id:
        conditions.append(Region.id == filters.region_id)
    if filters.district_id:
        conditions.append(District.id == filters.district_id)
    if filters.organization_id:
        conditions.append(Flag.organization_id == filters.organization_id)
    query = _rows_query(visible_organization_ids(user)).where(*conditions)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, filters.page), pages)
    results = db.session.execute(query.order_by(SEVERITY_ORDER, Flag.created_at.desc(), Flag.id.desc())
                                 .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    return QueuePage(rows=[_row(result, lang) for result in results], total=total, page=page, pages=pages)


def export_rows(campaign: Campaign | int, organization_ids, lang: str = "ru") -> list[FlagRow]:
    """Every active flag of the organizations (a list or a SELECT of ids), for a workbook's "Flags" sheet:
    by organization, then most severe first. The caller has already limited ``organization_ids`` to the
    reader's scope."""
    campaign_id = campaign if isinstance(campaign, int) else campaign.id
    if not isinstance(organization_ids, sa.Select):
        organization_ids = list(organization_ids)
    results = db.session.execute(_rows_query(organization_ids).where(Flag.campaign_id == campaign_id, ACTIVE)
                                 .order_by(Flag.organization_id, SEVERITY_ORDER, Flag.rule, Flag.id))
    return [_row(result, lang) for result in results]


def get_flag(user: User, flag_id: int) -> Flag | None:
    """The flag, when it exists and its organization lies in the user's scope."""
    return db.session.scalar(sa.select(Flag).where(
        Flag.id == flag_id, Flag.organization_id.in_(visible_organization_ids(user))))


def flag_detail(user: User, flag: Flag, lang: str = "ru") -> FlagDetail:
    """One flag for ``user``: other organizations in the evidence are named only when the user's scope includes
    them; the rest are only counted."""
    row = _row(db.session.execute(_rows_query(visible_organization_ids(user)).where(Flag.id == flag.id)).one(), lang)
    others = {int(org_id) for org_id in (flag.evidence or {}).get("organization_ids") or [] if org_id is not None}
    others.discard(flag.organization_id)
    names: list[str] = []
    if others:
        visible = db.session.scalars(sa.select(Organization).where(
            Organization.id.in_(others), Organization.id.in_(visible_organization_ids(user)))
            .order_by(Organization.name_ru)).all()
        names = [organization.name(lang) for organization in visible]
    reviewer = db.session.get(User, flag.reviewed_by_id) if flag.reviewed_by_id else None
    return FlagDetail(row=row, meaning=RULES_BY_CODE[flag.rule].explain() if flag.rule in RULES_BY_CODE else "",
                      other_organizations=names, hidden_organizations=len(others) - len(names),
                      reviewed_by=(reviewer.full_name or reviewer.email) if reviewer else None,
                      reviewed_at=flag.reviewed_at)


def campaigns_with_flags() -> list[Campaign]:
    """The campaigns a queue can show: every one but the drafts (nobody has answered those), newest first."""
    return list(db.session.scalars(sa.select(Campaign).where(Campaign.status != CampaignStatus.DRAFT)
                                   .order_by(Campaign.census_date.desc(), Campaign.id.desc())))


def scope_places(user: User) -> tuple[list[tuple[int, str]], list[tuple[int, str, int]]]:
    """Regions and districts (id, name[, region id]) that hold organizations in the user's scope."""
    in_scope = Organization.id.in_(visible_organization_ids(user))
    regions = db.session.execute(
        sa.select(Region.id, Region.name).join(District, District.region_id == Region.id)
        .join(Organization, Organization.district_id == District.id).where(in_scope).distinct()
        .order_by(Region.name)).all()
    districts = db.session.execute(
        sa.select(District.id, District.name, District.region_id)
        .join(Organization, Organization.district_id == District.id).where(in_scope).distinct()
        .order_by(District.name)).all()
    return [tuple(r) for r in regions], [tuple(d) for d in districts]
