"""Campaign lifecycle services, shared by the CLI and the administrator console. Each act (created, opened, closed)
writes its own audit record (``by``: who acts, a user or "cli"); they flush, never commit: the request or the command
does."""

from __future__ import annotations

import datetime as dt
import re
import secrets

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from .. import audit
from ..codebook import CampaignStatus, Level
from ..domain import CODE_ALPHABET
from ..extensions import db
from ..models import AccessLink, Campaign, District, Organization, Region

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,39}$")


class CampaignError(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def create_campaign(
    by: audit.Actor,
    *,
    code: str,
    title_kk: str,
    title_ru: str,
    census_date: dt.date,
    opens_at: dt.datetime | None = None,
    closes_at: dt.datetime | None = None,
    levels: list[str] | None = None,
    regions: list[Region] | None = None,
) -> Campaign:
    """A draft campaign; ``regions`` limits it to those regions (none: every region). Raises CampaignError."""
    if not CODE_PATTERN.match(code or ""):
        raise CampaignError(_l("The campaign code must be 2–40 letters, digits, '-' or '_'."))
    if find_campaign(code) is not None:
        raise CampaignError(_l("A campaign with the code %(code)s already exists.", code=code))
    title_kk, title_ru = (title_kk or "").strip(), (title_ru or "").strip()
    if not title_kk or not title_ru:
        raise CampaignError(_l("Both titles, in Kazakh and in Russian, are required."))
    if opens_at and closes_at and closes_at <= opens_at:
        raise CampaignError(_l("The campaign must close after it opens."))
    chosen = levels or [level.value for level in Level]
    unknown = [level for level in chosen if level not in {lv.value for lv in Level}]
    if unknown:
        raise CampaignError(_l("Unknown levels: %(levels)s", levels=", ".join(unknown)))
    campaign = Campaign(
        code=code,
        title_kk=title_kk,
        title_ru=title_ru,
        census_date=census_date,
        opens_at=opens_at,
        closes_at=closes_at,
        levels=";".join(level.value for level in Level if level.value in chosen),
        status=CampaignStatus.DRAFT,
        regions=list(regions or []),
    )
    db.session.add(campaign)
    db.session.flush()
    audit.record("campaign.create", by=by, target=campaign, details={
        "code": campaign.code, "levels": campaign.level_list, "regions": [r.name for r in campaign.regions]})
    return campaign


def find_campaign(code: str) -> Campaign | None:
    """The campaign with this code (codes are unique), if there is one."""
    return db.session.scalar(sa.select(Campaign).where(Campaign.code == code))


def get_campaign(code: str) -> Campaign:
    """The campaign with this code; raises CampaignError when there is none."""
    campaign = find_campaign(code)
    if campaign is None:
        raise CampaignError(_l("No campaign has the code %(code)s.", code=code))
    return campaign


def change_campaign_status(by: audit.Actor, campaign: Campaign, action: str) -> int:
    """``action`` "open" or "close": ``open_campaign`` or ``close_campaign``; returns how many organizations received
    access links."""
    if action == "open":
        return open_campaign(by, campaign)
    close_campaign(by, campaign)
    return 0


def open_campaign(by: audit.Actor, campaign: Campaign) -> int:
    """Open (or reopen) a campaign and give every taking-part organization an access link; returns links made."""
    if campaign.status == CampaignStatus.OPEN:
        raise CampaignError(_l("The campaign %(code)s is already open.", code=campaign.code))
    reopening = campaign.status == CampaignStatus.CLOSED
    campaign.status = CampaignStatus.OPEN
    links = ensure_access_links(campaign)
    audit.record("campaign.reopen" if reopening else "campaign.open", by=by, target=campaign,
                 details={"code": campaign.code, "links": links})
    return links


def close_campaign(by: audit.Actor, campaign: Campaign) -> None:
    if campaign.status != CampaignStatus.OPEN:
        raise CampaignError(_l("The campaign %(code)s is not open.", code=campaign.code))
    campaign.status = CampaignStatus.CLOSED
    audit.record("campaign.close", by=by, target=campaign, details={"code": campaign.code, "links": 0})


def current_campaign_id() -> int | None:
    """The campaign a page opens on when none is chosen: the most recent open one (by census date), else the last
    closed one; never a draft, which nobody answers yet."""
    return db.session.scalar(
        sa.select(Campaign.id).where(Campaign.status != CampaignStatus.DRAFT)
        .order_by(sa.case((Campaign.status == CampaignStatus.OPEN, 0), else_=1), Campaign.census_date.desc(),
                  Campaign.id.desc())
        .limit(1))


def campaigns_for(organization: Organization) -> list[Campaign]:
    """Campaigns this organization takes part in (by level and region), newest first; drafts are not shown to
    directors."""
    campaigns = db.session.scalars(
        sa.select(Campaign).where(Campaign.status != CampaignStatus.DRAFT).options(selectinload(Campaign.regions))
        .order_by(Campaign.census_date.desc(), Campaign.id.desc())
    ).all()
    return [c for c in campaigns if takes_part(c, organization)]


def new_access_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def taking_part_filter(campaign: Campaign) -> sa.ColumnElement[bool]:
    """A condition on Organization: its level takes part in the campaign, and so does its region if any are named.
    ``takes_part`` is the same rule for one organization already loaded; change both together."""
    condition = Organization.level.in_(campaign.level_list)
    region_ids = [region.id for region in campaign.regions]
    if region_ids:
        condition = sa.and_(condition, Organization.district_id.in_(
            sa.select(District.id).where(District.region_id.in_(region_ids))))
    return condition


def taking_part(campaign: Campaign) -> sa.Select:
    """A SELECT of the ids of the organizations a campaign covers."""
    return sa.select(Organization.id).where(taking_part_filter(campaign))


def takes_part(campaign: Campaign, organization: Organization) -> bool:
    """Whether the campaign covers the organization: ``taking_part_filter`` for one organization already loaded."""
    region_ids = {region.id for region in campaign.regions}
    return organization.level in campaign.level_list and (
        not region_ids or organization.district.region_id in region_ids)


def ensure_access_links(campaign: Campaign) -> int:
    """Create missing access links for the organizations taking part in the campaign, in one pass."""
    have = sa.select(AccessLink.organization_id).where(AccessLink.campaign_id == campaign.id)
    missing = db.session.scalars(
        sa.select(Organization.id).where(Organization.id.in_(taking_part(campaign)), Organization.id.not_in(have))
    ).all()
    if not missing:
        return 0
    taken = set(db.session.scalars(sa.select(AccessLink.code)))
    rows = []
    for organization_id in missing:
        code = new_access_code()
        while code in taken:
            code = new_access_code()
        taken.add(code)
        rows.append({"campaign_id": campaign.id, "organization_id": organization_id,
                     "token": secrets.token_urlsafe(24), "code": code})
    db.session.execute(sa.insert(AccessLink), rows)
    return len(rows)
