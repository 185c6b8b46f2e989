"""Teacher responses (CODEBOOK §2) with their subject and other-job rows, and the version history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import codebook as cb
from ..codebook import ResponseStatus, Sex
from ..extensions import db
from .base import UTCDateTime, code_in, enum_column, utcnow

REQUIRED_WHEN_SUBMITTED = (
    "post", "basis", "contract", "start_date", "rate", "teaching_hours", "education_level", "ped_education",
    "category", "graduation_year", "experience_total", "experience_org",
)


class Response(db.Model):
    __tablename__ = "responses"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "organization_id", "person_key"),
        sa.CheckConstraint(
            "rate IS NULL OR (rate >= 0.25 AND rate <= 2 AND rate * 4 = CAST(rate * 4 AS INTEGER))", name="rate_steps"
        ),
        sa.CheckConstraint("teaching_hours IS NULL OR teaching_hours BETWEEN 0 AND 40", name="teaching_hours_range"),
        sa.CheckConstraint(
            "total_hours_week IS NULL OR (total_hours_week <= 80 AND total_hours_week >= COALESCE(teaching_hours, 0))",
            name="total_hours_range",
        ),
        sa.CheckConstraint("pd_hours_3y IS NULL OR pd_hours_3y BETWEEN 0 AND 1000", name="pd_hours_range"),
        sa.CheckConstraint("satisfaction IS NULL OR satisfaction BETWEEN 1 AND 4", name="satisfaction_range"),
        sa.CheckConstraint("experience_total IS NULL OR experience_total BETWEEN 0 AND 70", name="experience_range"),
        sa.CheckConstraint(
            "experience_org IS NULL OR (experience_org >= 0 AND experience_org <= COALESCE(experience_total, 70))",
            name="experience_org_range",
        ),
        sa.CheckConstraint("graduation_year IS NULL OR graduation_year BETWEEN 1900 AND 2100", name="graduation_year"),
        sa.CheckConstraint("category_year IS NULL OR category_year BETWEEN 1950 AND 2100", name="category_year"),
        sa.CheckConstraint(code_in("post", cb.POSTS), name="post_code"),
        sa.CheckConstraint(code_in("basis", cb.BASES), name="basis_code"),
        sa.CheckConstraint(code_in("contract", cb.CONTRACTS), name="contract_code"),
        sa.CheckConstraint(code_in("education_level", cb.EDUCATION_LEVELS), name="education_level_code"),
        sa.CheckConstraint(code_in("ped_education", cb.PED_EDUCATION), name="ped_education_code"),
        sa.CheckConstraint(code_in("category", cb.CATEGORIES), name="category_code"),
        sa.CheckConstraint(code_in("ai_training", cb.AI_TRAINING), name="ai_training_code"),
        sa.CheckConstraint(code_in("plans", cb.PLANS), name="plans_code"),
        sa.CheckConstraint(
            "status <> 'submitted' OR (consent AND submitted_at IS NOT NULL AND "
            + " AND ".join(f"{name} IS NOT NULL" for name in REQUIRED_WHEN_SUBMITTED)
            + ")",
            name="submitted_complete",
        ),
        sa.Index("ix_responses_campaign_person", "campaign_id", "person_key"),
        # integrity rule G3 (same name and birth date under two IINs) finds a person's namesakes through it
        sa.Index("ix_responses_campaign_birth_name", "campaign_id", "birth_date", sa.text("lower(trim(last_name))")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    person_key: Mapped[str] = mapped_column(sa.String(64))
    birth_date: Mapped[dt.date] = mapped_column(sa.Date)
    sex: Mapped[Sex] = mapped_column(enum_column(Sex, "sex"))
    status: Mapped[ResponseStatus] = mapped_column(
        enum_column(ResponseStatus, "response_status"), default=ResponseStatus.DRAFT
    )
    current_step: Mapped[int] = mapped_column(default=0)
    draft_data: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    # "keyed$" + the random salt of the personal code (the code is a keyed hash of it: domain.personal_code), or
    # the argon2id hash of a code given before 27 November 2026
    personal_code_hash: Mapped[str | None] = mapped_column(sa.String(200))
    source: Mapped[str] = mapped_column(sa.String(10), default="web")
    # Keyed hash of the network address the response was submitted from (integrity rule G11); never the address.
    network_key: Mapped[str | None] = mapped_column(sa.String(64))
    version: Mapped[int] = mapped_column(default=1)

    # A: identity
    last_name: Mapped[str] = mapped_column(sa.String(60))
    first_name: Mapped[str] = mapped_column(sa.String(60))
    middle_name: Mapped[str | None] = mapped_column(sa.String(60))
    consent: Mapped[bool] = mapped_column(default=False)
    # B: employment here
    post: Mapped[str | None] = mapped_column(sa.String(30))
    basis: Mapped[str | None] = mapped_column(sa.String(30))
    contract: Mapped[str | None] = mapped_column(sa.String(30))
    start_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    rate: Mapped[Decimal | None] = mapped_column(sa.Numeric(4, 2))
    teaching_hours: Mapped[int | None]
    languages: Mapped[str | None] = mapped_column(sa.String(60))  # ';'-separated codes
    # D/E/F: education, category, experience
    education_level: Mapped[str | None] = mapped_column(sa.String(40))
    ped_education: Mapped[str | None] = mapped_column(sa.String(20))
    specialty: Mapped[str | None] = mapped_column(sa.String(200))
    graduation_year: Mapped[int | None]
    category: Mapped[str | None] = mapped_column(sa.String(20))
    category_year: Mapped[int | None]
    experience_total: Mapped[Decimal | None] = mapped_column(sa.Numeric(4, 1))
    experience_org: Mapped[Decimal | None] = mapped_column(sa.Numeric(4, 1))
    # G/H/I/J: development, workload, AI, intentions
    pd_hours_3y: Mapped[int | None]
    total_hours_week: Mapped[int | None]
    ai_use: Mapped[bool | None]
    ai_purposes: Mapped[str | None] = mapped_column(sa.String(200))  # ';'-separated codes
    ai_training: Mapped[str | None] = mapped_column(sa.String(10))
    ai_training_wanted: Mapped[bool | None]
    satisfaction: Mapped[int | None]
    plans: Mapped[str | None] = mapped_column(sa.String(20))

    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    subjects: Mapped[list[ResponseSubject]] = relationship(
        back_populates="response", cascade="all, delete-orphan", order_by="ResponseSubject.id"
    )
    other_jobs: Mapped[list[ResponseOtherJob]] = relationship(
        back_populates="response", cascade="all, delete-orphan", order_by="ResponseOtherJob.id"
    )
    versions: Mapped[list[ResponseVersion]] = relationship(
        back_populates="response", cascade="all, delete-orphan", order_by="ResponseVersion.version"
    )
    organization: Mapped["Organization"] = relationship()  # noqa: F821
    campaign: Mapped["Campaign"] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<Response {self.id} org={self.organization_id}>"


class ResponseSubject(db.Model):
    __tablename__ = "response_subjects"
    __table_args__ = (
        sa.CheckConstraint("hours BETWEEN 1 AND 40", name="hours_range"),
        sa.CheckConstraint(code_in("language", cb.LANGUAGES), name="language_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(sa.String(40), index=True)
    hours: Mapped[int]
    language: Mapped[str | None] = mapped_column(sa.String(10))

    response: Mapped[Response] = relationship(back_populates="subjects")


class ResponseOtherJob(db.Model):
    __tablename__ = "response_other_jobs"
    __table_args__ = (
        sa.CheckConstraint("hours BETWEEN 1 AND 40", name="hours_range"),
        sa.CheckConstraint(code_in("basis", cb.BASES), name="basis_code"),
        sa.CheckConstraint("org_bin IS NULL OR length(org_bin) = 12", name="org_bin_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    org_bin: Mapped[str | None] = mapped_column(sa.String(12), index=True)
    org_name: Mapped[str | None] = mapped_column(sa.String(300))
    basis: Mapped[str] = mapped_column(sa.String(30))
    hours: Mapped[int]

    response: Mapped[Response] = relationship(back_populates="other_jobs")


class ResponseVersion(db.Model):
    """The state of a response before each change: when, by whom, through what, and what changed."""

    __tablename__ = "response_versions"
    __table_args__ = (sa.UniqueConstraint("response_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("responses.id", ondelete="CASCADE"))
    version: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(sa.String(10))
    snapshot: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    response: Mapped[Response] = relationship(back_populates="versions")


# The progress board counts responses by (campaign, organization, status): this index answers it without the table.
sa.Index("ix_responses_campaign_organization_status", Response.campaign_id, Response.organization_id, Response.status)
