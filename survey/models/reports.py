"""The organization report of a campaign (CODEBOOK §5): numbers, vacancies, required hours, roster."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import codebook as cb
from ..codebook import Sex
from ..extensions import db
from .base import UTCDateTime, code_in, enum_column, utcnow


class OrgReport(db.Model):
    __tablename__ = "org_reports"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "organization_id"),
        sa.CheckConstraint("pupils IS NULL OR pupils BETWEEN 0 AND 100000", name="pupils_range"),
        sa.CheckConstraint("classes IS NULL OR classes BETWEEN 0 AND 5000", name="classes_range"),
        sa.CheckConstraint("approved_rates IS NULL OR approved_rates BETWEEN 0 AND 5000", name="rates_range"),
        sa.CheckConstraint("(attested_at IS NULL) = (attested_by_id IS NULL)", name="attested_pair"),
        sa.CheckConstraint("(digital_lead_name IS NULL) = (digital_lead_contact IS NULL) AND "
                           "(digital_lead_post IS NULL OR digital_lead_name IS NOT NULL)", name="digital_lead"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    pupils: Mapped[int | None]
    classes: Mapped[int | None]
    approved_rates: Mapped[Decimal | None] = mapped_column(sa.Numeric(7, 2))
    # The person responsible for digitalization (personal data: shown only within scope, never in a raw export)
    digital_lead_name: Mapped[str | None] = mapped_column(sa.String(200))
    digital_lead_post: Mapped[str | None] = mapped_column(sa.String(200))
    digital_lead_contact: Mapped[str | None] = mapped_column(sa.String(200))  # a phone number or an e-mail address
    attested_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    attested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    vacancies: Mapped[list[Vacancy]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="Vacancy.id"
    )
    required_hours: Mapped[list[RequiredHours]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="RequiredHours.subject"
    )

    @property
    def is_attested(self) -> bool:
        return self.attested_at is not None


class Vacancy(db.Model):
    __tablename__ = "vacancies"
    __table_args__ = (
        sa.CheckConstraint("rate > 0 AND rate <= 100", name="rate_range"),
        sa.CheckConstraint(code_in("post", cb.POSTS), name="post_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("org_reports.id", ondelete="CASCADE"), index=True)
    post: Mapped[str] = mapped_column(sa.String(30))
    subject: Mapped[str | None] = mapped_column(sa.String(40))
    rate: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))

    report: Mapped[OrgReport] = relationship(back_populates="vacancies")


class RequiredHours(db.Model):
    __tablename__ = "required_hours"
    __table_args__ = (
        sa.UniqueConstraint("report_id", "subject"),
        sa.CheckConstraint("hours > 0 AND hours <= 100000", name="hours_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("org_reports.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(sa.String(40))
    hours: Mapped[int]

    report: Mapped[OrgReport] = relationship(back_populates="required_hours")


class RosterEntry(db.Model):
    """A member of staff the director expects to answer; matched to responses by person key."""

    __tablename__ = "roster_entries"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "organization_id", "person_key"),
        sa.CheckConstraint(code_in("post", cb.POSTS), name="post_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    person_key: Mapped[str] = mapped_column(sa.String(64))
    birth_date: Mapped[dt.date] = mapped_column(sa.Date)
    sex: Mapped[Sex] = mapped_column(enum_column(Sex, "sex"))
    last_name: Mapped[str] = mapped_column(sa.String(60))
    first_name: Mapped[str] = mapped_column(sa.String(60))
    middle_name: Mapped[str | None] = mapped_column(sa.String(60))
    post: Mapped[str | None] = mapped_column(sa.String(30))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
