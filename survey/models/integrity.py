"""Integrity flags ("dead souls" checks) and background export jobs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..codebook import FlagStatus, JobStatus, Severity
from ..extensions import db
from .base import UTCDateTime, enum_column, utcnow


class Flag(db.Model):
    """One finding of one rule; ``subject_key`` (a person key, or '' for organization-level rules) keeps re-runs idempotent."""

    __tablename__ = "flags"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "rule", "organization_id", "subject_key"),
        sa.Index("ix_flags_campaign_subject", "campaign_id", "subject_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(sa.String(10))  # the unique key (campaign, rule, …) serves rule lookups
    subject_key: Mapped[str] = mapped_column(sa.String(64), default="")
    severity: Mapped[Severity] = mapped_column(enum_column(Severity, "severity"))
    evidence: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    status: Mapped[FlagStatus] = mapped_column(enum_column(FlagStatus, "flag_status"), default=FlagStatus.OPEN)
    note: Mapped[str | None] = mapped_column(sa.Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # When a run of the rule last found this cause; a run that does not find it again closes the flag.
    checked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    organization: Mapped["Organization"] = relationship()  # noqa: F821


class ExportJob(db.Model):
    __tablename__ = "export_jobs"
    __table_args__ = (
        sa.CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
        # a finished job says until when its file is kept (in file_path on SQLite, file_oid on PostgreSQL; removed
        # once that time has passed, the row staying)
        sa.CheckConstraint("status <> 'done' OR expires_at IS NOT NULL", name="done_has_expiry"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus, "job_status"), default=JobStatus.QUEUED)
    progress: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(sa.Text)
    file_path: Mapped[str | None] = mapped_column(sa.String(500))  # the file in EXPORT_DIR (SQLite)
    file_oid: Mapped[int | None] = mapped_column(sa.BigInteger)  # … or its large object (PostgreSQL), any server reads
    file_size: Mapped[int | None] = mapped_column(sa.BigInteger)  # bytes
    row_count: Mapped[int | None]
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    queued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=utcnow)  # … again when retried
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # a running job's last sign of life
