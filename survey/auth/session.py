"""Flask-Login glue: load the signed-in user; inactive accounts, and sessions of an earlier generation (before a
sign-out, a new password or a deactivation), are signed out."""

from __future__ import annotations

from ..extensions import db, login_manager
from ..models import User


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """``session_id`` is ``User.get_id()``, "<id>:<generation>"; a bare id is a session from before generations
    were kept, generation 0, so it lasts until the account's first sign-out or new password."""
    user_id, _, generation = session_id.partition(":")
    if not user_id.isdigit() or not (generation or "0").isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_generation != int(generation or 0):
        return None
    return user
