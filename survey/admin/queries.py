"""Console reads: organizations, users and audit events in the administrator's scope, as plain data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..auth.scope import manageable_user_ids, visible_district_ids, visible_organization_ids
from ..codebook import CampaignStatus, Role
from ..extensions import db
from ..models import AccessLink, AuditEvent, Campaign, CampaignQuestionSet, District, Organization, Region, User

PAGE_SIZE = 50


@dataclass(frozen=True)
class ResultPage:
    items: list[Any]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


@dataclass(frozen=True)
class OrganizationRow:
    id: int
    bin: str
    name: str  # in the requested language when the registry has it
    level: str
    ownership: str
    district: str
    region: str


def search_organizations(user: User, *, text: str | None = None, region_id: int | None = None,
                         district_id: int | None = None, level: str | None = None, ownership: str | None = None,
                         page: int = 1, size: int = PAGE_SIZE, lang: str = "ru") -> ResultPage:
    where = [Organization.id.in_(visible_organization_ids(user))]
    if text:
        pattern = f"%{text.strip().lower()}%"
        where.append(sa.or_(Organization.bin.like(pattern), sa.func.lower(Organization.name_ru).like(pattern),
                            sa.func.lower(Organization.name_kk).like(pattern)))
    if region_id:
        where.append(District.region_id == region_id)
    if district_id:
        where.append(Organization.district_id == district_id)
    if level:
        where.append(Organization.level == level)
    if ownership:
        where.append(Organization.ownership == ownership)
    base = (sa.select(Organization.id).join(District, Organization.district_id == District.id).where(*where))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0
    page = max(1, page)
    rows = db.session.execute(
        sa.select(Organization.id, Organization.bin, Organization.name_ru, Organization.name_kk, Organization.level,
                  Organization.ownership, District.name, Region.name)
        .join(District, Organization.district_id == District.id)
        .join(Region, District.region_id == Region.id)
        .where(*where)
        .order_by(Region.name, District.name, Organization.name_ru, Organization.bin)
        .offset((page - 1) * size).limit(size)
    )
    first, second = (2, 3) if lang != "kk" else (3, 2)
    items = [OrganizationRow(r[0], r[1], r[first] or r[second] or "", str(r[4]), str(r[5]), r[6], r[7]) for r in rows]
    return ResultPage(items, total, page, size)


@dataclass(frozen=True)
class AccessCode:
    campaign_code: str
    campaign_status: str
    code: str
    token: str


def campaign_choice(campaign_id: int | None) -> tuple[list[Campaign], Campaign | None]:
    """Every campaign, newest first, and the one a page shows: ``campaign_id``'s (None when there is no such
    campaign), else the newest open one, else the newest."""
    campaigns = db.session.scalars(sa.select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc())).all()
    if campaign_id:
        return campaigns, next((c for c in campaigns if c.id == campaign_id), None)
    return campaigns, next((c for c in campaigns if c.status == CampaignStatus.OPEN), campaigns[0] if campaigns else None)


def access_codes(organization_id: int) -> list[AccessCode]:
    rows = db.session.execute(
        sa.select(Campaign.code, Campaign.status, AccessLink.code, AccessLink.token)
        .join(Campaign, AccessLink.campaign_id == Campaign.id)
        .where(AccessLink.organization_id == organization_id)
        .order_by(Campaign.created_at.desc())
    )
    return [AccessCode(r[0], str(r[1]), r[2], r[3]) for r in rows]


def region_choices(user: User) -> list[tuple[int, str]]:
    query = sa.select(Region.id, Region.name).order_by(Region.name)
    if user.role != Role.NATIONAL_ADMIN:
        query = query.where(Region.id.in_(sa.select(District.region_id).where(District.id.in_(visible_district_ids(user)))))
    return [(r[0], r[1]) for r in db.session.execute(query)]


def district_choices(user: User) -> list[tuple[int, str]]:
    rows = db.session.execute(
        sa.select(District.id, Region.name, District.name).join(Region, District.region_id == Region.id)
        .where(District.id.in_(visible_district_ids(user))).order_by(Region.name, District.name)
    )
    return [(r[0], f"{r[1]} — {r[2]}") for r in rows]


@dataclass(frozen=True)
class UserRow:
    id: int
    email: str
    full_name: str | None
    role: str
    place: str
    is_active: bool
    has_password: bool
    last_login_at: dt.datetime | None


def list_users(user: User, lang: str = "ru") -> list[UserRow]:
    """The users the administrator may manage, with the name of each one's place (an organization's in ``lang``
    when the registry has it)."""
    name = sa.func.coalesce(*((Organization.name_kk, Organization.name_ru) if lang == "kk" else
                              (Organization.name_ru, Organization.name_kk)))
    rows = db.session.execute(
        sa.select(User.id, User.email, User.full_name, User.role, Region.name, District.name, Organization.bin,
                  name, User.is_active, User.password_hash.is_not(None), User.last_login_at)
        .outerjoin(Region, User.region_id == Region.id)
        .outerjoin(District, User.district_id == District.id)
        .outerjoin(Organization, User.organization_id == Organization.id)
        .where(User.id.in_(manageable_user_ids(user)))
        .order_by(User.role, User.email)
    )
    return [UserRow(r[0], r[1], r[2], str(r[3]), r[4] or r[5] or (f"{r[6]} {r[7] or ''}".strip() if r[6] else ""),
                    bool(r[8]), bool(r[9]), r[10]) for r in rows]


@dataclass(frozen=True)
class AuditFilters:
    action: str | None = None
    actor: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None

    def as_dict(self) -> dict[str, str]:
        return {name: str(value) for name, value in self.__dict__.items() if value}


@dataclass(frozen=True)
class AuditRow:
    id: int
    created_at: dt.datetime
    actor: str | None
    action: str
    target_type: str | None
    target_id: int | None
    ip: str | None
    details: dict[str, Any]


def _audit_where(filters: AuditFilters) -> list:
    where = []
    if filters.action:
        where.append(AuditEvent.action.like(f"{filters.action.strip()}%"))
    if filters.actor:
        where.append(sa.func.lower(AuditEvent.actor).like(f"%{filters.actor.strip().lower()}%"))
    if filters.since:
        where.append(AuditEvent.created_at >= dt.datetime.combine(filters.since, dt.time(), dt.timezone.utc))
    if filters.until:
        where.append(AuditEvent.created_at < dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time(),
                                                                 dt.timezone.utc))
    return where


def _audit_row(e: AuditEvent) -> AuditRow:
    return AuditRow(e.id, e.created_at, e.actor, e.action, e.target_type, e.target_id, e.ip, e.details or {})


def audit_events(filters: AuditFilters, page: int = 1, size: int = PAGE_SIZE) -> ResultPage:
    where = _audit_where(filters)
    total = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(*where)) or 0
    page = max(1, page)
    query = (sa.select(AuditEvent).where(*where).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
             .offset((page - 1) * size).limit(size))
    return ResultPage([_audit_row(e) for e in db.session.scalars(query)], total, page, size)


def audit_export_bounds(filters: AuditFilters) -> tuple[int, int]:
    """(row count, highest id) of the events an export will hold; the stream stops at that id."""
    count, last = db.session.execute(
        sa.select(sa.func.count(AuditEvent.id), sa.func.max(AuditEvent.id)).where(*_audit_where(filters))).one()
    return count or 0, last or 0


def iter_audit_events(filters: AuditFilters, last_id: int, batch: int = 2000) -> Iterator[AuditRow]:
    """The events of an export in id order, read in batches (the log can be long)."""
    query = (sa.select(AuditEvent).where(*_audit_where(filters), AuditEvent.id <= last_id)
             .order_by(AuditEvent.id).execution_options(yield_per=batch))
    for event in db.session.scalars(query):
        yield _audit_row(event)


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def question_sets(campaign_id: int) -> list[CampaignQuestionSet]:
    """Every version of a campaign's own questions, newest first, without the uploaded files."""
    return list(db.session.scalars(
        sa.select(CampaignQuestionSet).where(CampaignQuestionSet.campaign_id == campaign_id)
        .options(sa.orm.defer(CampaignQuestionSet.form)).order_by(CampaignQuestionSet.version.desc())))
