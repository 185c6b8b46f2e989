"""Staff accounts with a role and a scope, and the audit log of who did what."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..codebook import Role
from ..extensions import db
from .base import UTCDateTime, enum_column, utcnow

SCOPE_MATCHES_ROLE = (
    "(role = 'national_admin' AND region_id IS NULL AND district_id IS NULL AND organization_id IS NULL)"
    " OR (role = 'region_admin' AND region_id IS NOT NULL AND district_id IS NULL AND organization_id IS NULL)"
    " OR (role = 'district_admin' AND region_id IS NULL AND district_id IS NOT NULL AND organization_id IS NULL)"
    " OR (role = 'director' AND region_id IS NULL AND district_id IS NULL AND organization_id IS NOT NULL)"
)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(SCOPE_MATCHES_ROLE, name="scope_matches_role"),
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    full_name: Mapped[str | None] = mapped_column(sa.String(200))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id", ondelete="RESTRICT"), index=True)
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("districts.id", ondelete="RESTRICT"), index=True)
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    # Part of every session cookie's user id; raised by sign-out, a new password and deactivation, which ends every
    # session signed in before (a copied cookie included).
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    region: Mapped["Region | None"] = relationship()  # noqa: F821
    district: Mapped["District | None"] = relationship()  # noqa: F821
    organization: Mapped["Organization | None"] = relationship()  # noqa: F821

    def get_id(self) -> str:
        """What Flask-Login keeps in the session: the id and the session generation it was signed in under."""
        return f"{self.id}:{self.session_generation}"

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor: Mapped[str | None] = mapped_column(sa.String(254))  # e-mail or "cli", kept if the user goes
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    target_type: Mapped[str | None] = mapped_column(sa.String(40))
    target_id: Mapped[int | None]
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    user: Mapped[User | None] = relationship()
