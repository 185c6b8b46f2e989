"""Assumptions of the staffing forecast that administrators type or upload: a district's annual pupil growth."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..codebook import Level
from ..extensions import db
from .base import UTCDateTime, enum_column, utcnow

GROWTH_PERCENT_RANGE = (Decimal(-50), Decimal(100))  # per cent a year
GROWTH_PUPILS_LIMIT = 1_000_000  # pupils a year, either way


class GrowthAssumption(db.Model):
    """How many more (or fewer) pupils a district's organizations of one level will have each year: a per cent
    (compounded) or a number of pupils. A district and level without a row grow by 0."""

    __tablename__ = "growth_assumptions"
    __table_args__ = (
        sa.UniqueConstraint("district_id", "level"),
        sa.CheckConstraint("(percent IS NULL) <> (pupils IS NULL)", name="percent_or_pupils"),
        sa.CheckConstraint(f"percent IS NULL OR percent BETWEEN {GROWTH_PERCENT_RANGE[0]} AND {GROWTH_PERCENT_RANGE[1]}",
                           name="percent_range"),
        sa.CheckConstraint(f"pupils IS NULL OR pupils BETWEEN -{GROWTH_PUPILS_LIMIT} AND {GROWTH_PUPILS_LIMIT}",
                           name="pupils_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("districts.id", ondelete="CASCADE"))
    level: Mapped[Level] = mapped_column(enum_column(Level, "level"))
    percent: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    pupils: Mapped[int | None]
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    district: Mapped["District"] = relationship()  # noqa: F821
