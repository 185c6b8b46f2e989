"""The audit log: every state change records who did it, from where, and what."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from .extensions import db
from .models import AuditEvent, User


def record(
    action: str,
    *,
    user: User | None = None,
    actor: str | None = None,
    target: Any = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session (the caller commits with the change it describes)."""
    ip = request.remote_addr if has_request_context() else None
    event = AuditEvent(
        user_id=user.id if user is not None else None,
        actor=actor or (user.email if user is not None else None),
        action=action,
        target_type=target.__tablename__ if target is not None else None,
        target_id=getattr(target, "id", None),
        ip=ip,
        details=details or {},
    )
    db.session.add(event)
    return event
