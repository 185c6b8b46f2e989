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
from ..questions import CORE, Format, Kind, Question
from .base import UTCDateTime, code_in, enum_column, utcnow


def answer_checks(answers: tuple[Question, ...]) -> list[sa.CheckConstraint]:
    """The database's own guard on answers, derived from their records: a choice is one of its codebook list, a
    number within its range (and its steps), a BIN 12 characters. ``tests/test_question_checks.py`` holds the
    migrations to the same constraints."""
    checks = []
    for q in answers:
        column = q.code
        if q.kind is Kind.ONE:
            checks.append(sa.CheckConstraint(code_in(column, cb.CODES[q.choices]), name=f"{column}_code"))
        if q.low is not None:
            condition = f"{column} BETWEEN {q.low} AND {q.high}"
            if q.step is not None:
                per_unit = 1 / q.step
                condition = f"({condition} AND {column} * {per_unit} = CAST({column} * {per_unit} AS INTEGER))"
            checks.append(sa.CheckConstraint(f"{column} IS NULL OR {condition}", name=f"{column}_range"))
        if q.format is Format.BIN:
            checks.append(sa.CheckConstraint(f"{column} IS NULL OR length({column}) = 12", name=f"{column}_length"))
    return checks


def _complete(questions: tuple[str, ...]) -> str:
    """A submitted response has every mandatory answer (CODEBOOK §2), consent given."""
    given = [name if CORE[name].kind is Kind.CONSENT else f"{name} IS NOT NULL" for name in questions
             if CORE[name].kind is not Kind.ROWS]
    return "status <> 'submitted' OR (submitted_at IS NOT NULL AND " + " AND ".join(given) + ")"


_ANSWERS = tuple(q for q in CORE.columns if q.kind is not Kind.ROWS)


class Response(db.Model):
    __tablename__ = "responses"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "organization_id", "person_key"),
        *answer_checks(_ANSWERS),
        sa.CheckConstraint(_complete(CORE.mandatory), name="submitted_complete"),
        # cross-field rules of survey.rules that the database holds too
        sa.CheckConstraint("total_hours_week IS NULL OR teaching_hours IS NULL OR total_hours_week >= teaching_hours",
                           name="total_hours_cover_teaching"),
        sa.CheckConstraint("experience_org IS NULL OR experience_total IS NULL OR experience_org <= experience_total",
                           name="experience_org_within_total"),
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
    # Answers to questions without a column of their own, by question code, in JSON form (dates ISO, decimals as
    # text); the core questions of CODEBOOK §2 each have a column below.
    answers: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    # The version of the campaign's questions each answer of ``answers`` to a campaign question was given under.
    answer_versions: Mapped[dict[str, int] | None] = mapped_column(sa.JSON)

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
    __table_args__ = tuple(answer_checks(CORE["subjects"].parts))

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(sa.String(40), index=True)
    hours: Mapped[int]
    language: Mapped[str | None] = mapped_column(sa.String(10))

    response: Mapped[Response] = relationship(back_populates="subjects")


class ResponseOtherJob(db.Model):
    __tablename__ = "response_other_jobs"
    __table_args__ = tuple(answer_checks(CORE["other_jobs"].parts))

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


def has_own_column(code: str) -> bool:
    """Whether a question's answer has a column of ``responses`` (else it is kept in ``answers``)."""
    return code in Response.__table__.c


def answer_column(code: str) -> sa.ColumnElement[Any]:
    """The SQL expression of a question's stored answer: its column, or its key in ``answers`` as text (to compare
    and group by)."""
    return getattr(Response, code) if has_own_column(code) else Response.answers[code].as_string()


def answer_value(code: str) -> sa.ColumnElement[Any]:
    """A question's stored answer to read: its column, or its key in ``answers`` in JSON form (``Question.typed``)."""
    return getattr(Response, code) if has_own_column(code) else Response.answers[code]


def row_model(code: str) -> type[db.Model]:
    """The table of a repeated question's rows (``subjects`` → ResponseSubject)."""
    return Response.__mapper__.relationships[code].mapper.class_
