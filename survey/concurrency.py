"""Committing a unit of work that may race another writer of the same rows.

Two staff editing one response at once must both land, one after the other, with each earlier state in the
history. PostgreSQL serializes them with row locks (``with_for_update``); SQLite lets both transactions read
the same version and the later one then collides on the unique (response, version) key, or finds its snapshot
stale. Either way the loser rolls back and does its work again on fresh data: nothing is lost, nothing doubled.
"""

from __future__ import annotations

from typing import Callable, TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError

from .extensions import db

T = TypeVar("T")
ATTEMPTS = 3


def _is_race(error: Exception) -> bool:
    text = str(getattr(error, "orig", error)).lower()
    if isinstance(error, IntegrityError):
        return "response_versions" in text or "uq_response_versions" in text
    return "database is locked" in text or "deadlock detected" in text or "could not serialize" in text


def commit_with_retry(work: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """Run ``work`` (which adds and flushes) and commit; on a lost race, roll back and run it again."""
    for attempt in range(1, attempts + 1):
        try:
            result = work()
            db.session.commit()
            return result
        except (IntegrityError, OperationalError) as error:
            db.session.rollback()
            if attempt == attempts or not _is_race(error):
                raise
    raise AssertionError("unreachable")
