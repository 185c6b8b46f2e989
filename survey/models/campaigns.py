"""Campaigns and the per-organization access links of a campaign."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..codebook import CampaignStatus
from ..extensions import db
from .base import UTCDateTime, enum_column, utcnow


# The regions that take part in a campaign; a campaign without rows here covers every region.
campaign_regions = sa.Table(
    "campaign_regions",
    db.metadata,
    sa.Column("campaign_id", sa.ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("region_id", sa.ForeignKey("regions.id", ondelete="RESTRICT"), primary_key=True, index=True),
)


class Campaign(db.Model):
    __tablename__ = "campaigns"
    __table_args__ = (
        sa.CheckConstraint("closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at", name="closes_after_opens"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    title_kk: Mapped[str] = mapped_column(sa.String(300))
    title_ru: Mapped[str] = mapped_column(sa.String(300))
    census_date: Mapped[dt.date] = mapped_column(sa.Date)
    opens_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[CampaignStatus] = mapped_column(
        enum_column(CampaignStatus, "campaign_status"), default=CampaignStatus.DRAFT
    )
    levels: Mapped[str] = mapped_column(sa.String(60), default="preschool;school;college")  # ';'-separated
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The version of the campaign's own questions (``CampaignQuestionSet``) in force; None: the core questions only.
    questions_version: Mapped[int | None]

    regions: Mapped[list["Region"]] = relationship(secondary=campaign_regions, order_by="Region.name")  # noqa: F821

    @property
    def level_list(self) -> list[str]:
        return [code for code in self.levels.split(";") if code]

    def title(self, lang: str = "ru") -> str:
        return self.title_kk if lang == "kk" else self.title_ru

    def is_accepting(self, now: dt.datetime) -> bool:
        """Open for answers at ``now``: status open and inside the opening window, if one is set."""
        if self.status != CampaignStatus.OPEN:
            return False
        if self.opens_at and now < self.opens_at:
            return False
        return not (self.closes_at and now >= self.closes_at)

    def __repr__(self) -> str:
        return f"<Campaign {self.code}>"


class AccessLink(db.Model):
    """How teachers reach an organization's questionnaire in a campaign: a link token and a short code."""

    __tablename__ = "access_links"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    campaign: Mapped[Campaign] = relationship()
    organization: Mapped["Organization"] = relationship()  # noqa: F821


class CampaignQuestionSet(db.Model):
    """One version of a campaign's own questions: the XLSForm exactly as uploaded and what was read from it
    (``survey.campaigns.xlsform.Definition.as_json``). Every version is kept: an answer records the version it
    was given under (``responses.answer_versions``)."""

    __tablename__ = "campaign_question_sets"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"))
    version: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(sa.String(255))
    form: Mapped[bytes] = mapped_column(sa.LargeBinary)
    definition: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    campaign: Mapped[Campaign] = relationship()

    def __repr__(self) -> str:
        return f"<CampaignQuestionSet {self.campaign_id} v{self.version}>"
