"""The audit log: every state change records who did it, from where, and what.

A service records its own act (``record``), in the transaction of the change it describes: the web and the command
line call the same service and so leave the same record, by a different actor. ``by`` names the actor: a signed-in
user (its id and e-mail are kept), or a word for one who is not (``"cli"``, ``"teacher"``, ``"demo"``, an e-mail
that failed to sign in).
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from sqlalchemy.orm import Session

from .extensions import db
from .models import AuditEvent, User

Actor = User | str | None


def _event(action: str, by: Actor, target: Any, details: dict[str, Any] | None) -> AuditEvent:
    user = by if isinstance(by, User) else None
    return AuditEvent(
        user_id=user.id if user is not None else None,
        actor=user.email if user is not None else by,
        action=action,
        target_type=target.__tablename__ if target is not None else None,
        target_id=getattr(target, "id", None),
        ip=request.remote_addr if has_request_context() else None,
        details=details or {},
    )


def record(
    action: str,
    *,
    by: Actor = None,
    target: Any = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session (it is committed with the change it describes). Who acted is ``by``: a
    user, or a word such as "cli" or "teacher"."""
    event = _event(action, by, target, details)
    db.session.add(event)
    return event


def record_access(action: str, *, by: Actor = None, target: Any = None, details: dict[str, Any] | None = None) -> None:
    """The audit record of personal data that a GET sent out (a download). A GET's own unit of work never commits
    (survey/transactions.py), so this record, the one thing a GET writes, is written at once in a transaction of
    its own."""
    event = _event(action, by, target, details)
    with Session(db.engine) as session, session.begin():
        session.add(event)
