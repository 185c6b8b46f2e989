"""Submissions imported from ODK Central or KoboToolbox: which response each instance became, and with what
content, so that importing the same export again changes nothing and an edited submission becomes a new version."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .responses import Response


class SubmissionImport(db.Model):
    """One instance of a submission as an export gave it (``instance_id``: ODK's ``meta/instanceID``, Kobo's
    ``_uuid``). ``root_id`` stays the same through edits (ODK Central's ``KEY``, Kobo's ``meta/rootUuid``);
    ``digest`` is the SHA-256 of the instance's answers as read; ``version`` the response's version it left."""

    __tablename__ = "submission_imports"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "source", "instance_id"),
        sa.Index("ix_submission_imports_root", "campaign_id", "source", "root_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"))
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(sa.String(10))
    instance_id: Mapped[str] = mapped_column(sa.String(100))
    root_id: Mapped[str] = mapped_column(sa.String(100))
    digest: Mapped[str] = mapped_column(sa.String(64))
    version: Mapped[int]
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    response: Mapped[Response] = relationship()
