"""Person-level integrity rules after submissions, batched in the background.

Running the rules inside every submit would cost the teacher ~0.1 s and, on the deadline day, a core's worth of
database time. Instead each submission (or later change) names its organization here; a daemon thread per
process wakes every ``INTEGRITY_BATCH_SECONDS`` and runs the rules once for all the organizations named since —
one set-based pass for many submissions. A pass costs about the same for one organization as for twenty (0.35 s
against 0.55 s on 500,000 responses, mostly fixed per rule), so the default interval is 30 seconds: flags are
signals for reviewers, who read them hours later, and a 5-second interval cost a fifth of the questionnaire's
throughput on two cores (bench/load.py). ``INTEGRITY_ON_SUBMIT = "sync"`` runs them inside the request instead
(tests use it; so can a small installation). Whatever a stopped process still had pending is caught by the next
full run (``flask survey check`` or the console's button), which looks at everything anyway.

With ``REDIS_URL`` (production) the organizations wait in one Redis set that every worker of every server feeds,
and in each interval only the worker that takes a short Redis lock first runs the pass, for all of them: without
it, each of gunicorn's workers ran its own pass for mostly the same schools (four passes instead of one), and a
restarted worker lost what it held.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError

from ..extensions import db
from ..models import Campaign

log = logging.getLogger(__name__)
_lock = threading.Lock()
_pending: dict[int, set[int]] = {}  # campaign id -> organization ids
_worker: threading.Thread | None = None


def request_checks(campaign_id: int, organization_id: int) -> None:
    """Ask for the person-level rules at one organization: now, or in the next background batch."""
    from .services import SUBMISSION_RULES, run_checks

    if current_app.config.get("INTEGRITY_ON_SUBMIT", "background") == "sync":
        run_checks(db.session.get(Campaign, campaign_id), [organization_id], rules=SUBMISSION_RULES)
        return
    if not _queue_add({campaign_id: {organization_id}}):
        with _lock:
            _pending.setdefault(campaign_id, set()).add(organization_id)
    _ensure_worker(current_app._get_current_object())


def checks_after_submission(campaign_id: int, organization_id: int) -> None:
    """``request_checks`` as a unit of work of its own, run after the request that stored a submission (or a later
    change) has committed it (issue 7). Its flags are signals for the reviewers, never a reason to refuse an answer,
    so a failure here never reaches the teacher: it is logged, and the answer itself is already saved."""
    try:
        request_checks(campaign_id, organization_id)
        db.session.commit()
    except Exception:  # noqa: BLE001 — logged; the next full run looks at everything anyway
        db.session.rollback()
        current_app.logger.exception("integrity checks after a submission failed (organization %s)",
                                     organization_id)


def flush_pending() -> int:
    """Run the rules for everything pending (in the caller's app context); returns how many organizations.
    With Redis, only the first worker to ask in an interval takes the shared set; the others find nothing to do."""
    from .services import SUBMISSION_RULES, run_checks

    with _lock:
        batch = {campaign_id: set(ids) for campaign_id, ids in _pending.items()}
        _pending.clear()
    for campaign_id, ids in _queue_take().items():
        batch.setdefault(campaign_id, set()).update(ids)
    batch = {campaign_id: sorted(ids) for campaign_id, ids in batch.items()}
    done = 0
    for campaign_id, organization_ids in batch.items():
        campaign = db.session.get(Campaign, campaign_id)
        if campaign is None:
            continue
        try:
            run_checks(campaign, organization_ids, rules=SUBMISSION_RULES)
            db.session.commit()
            done += len(organization_ids)
        except Exception:  # noqa: BLE001 — logged; the next batch or full run will try again
            db.session.rollback()
            log.exception("background integrity checks failed for campaign %s", campaign_id)
            if not _queue_add({campaign_id: set(organization_ids)}):
                with _lock:
                    _pending.setdefault(campaign_id, set()).update(organization_ids)
    return done


# ---- the shared queue (Redis) -----------------------------------------------------------------------------------

@functools.cache
def _redis(url: str) -> Redis:
    return Redis.from_url(url, socket_timeout=2)


def _queue() -> Redis | None:
    url = current_app.config.get("REDIS_URL")
    return _redis(url) if url else None


def _queue_key() -> str:
    return current_app.config.get("INTEGRITY_QUEUE_KEY", "survey:integrity")


def _queue_add(batch: dict[int, set[int]]) -> bool:
    """Put organizations in the shared set; False when there is none (no Redis, or it failed: the caller keeps
    them in this process instead, as without Redis)."""
    queue = _queue()
    if queue is None:
        return False
    try:
        queue.sadd(f"{_queue_key()}:pending", *(f"{c}:{o}" for c, ids in batch.items() for o in ids))
    except RedisError:
        log.warning("Redis unavailable: integrity checks are kept in this process", exc_info=True)
        return False
    return True


def _queue_take() -> dict[int, set[int]]:
    """Everything in the shared set, taken at once, when this worker is the first to ask in this interval."""
    queue = _queue()
    if queue is None:
        return {}
    key = _queue_key()
    interval = max(1, int(float(current_app.config.get("INTEGRITY_BATCH_SECONDS", 30))))
    try:
        if not queue.set(f"{key}:turn", os.getpid(), nx=True, ex=interval):
            return {}
        pipe = queue.pipeline()  # MULTI/EXEC: nothing added between reading and emptying is lost
        pipe.smembers(f"{key}:pending")
        pipe.delete(f"{key}:pending")
        members, _ = pipe.execute()
    except RedisError:
        log.warning("Redis unavailable: integrity checks wait for the next batch", exc_info=True)
        return {}
    taken: dict[int, set[int]] = {}
    for member in members:
        campaign_id, organization_id = (int(part) for part in member.decode().split(":"))
        taken.setdefault(campaign_id, set()).add(organization_id)
    return taken


def _ensure_worker(app: Flask) -> None:
    global _worker
    with _lock:
        if _worker is not None and _worker.is_alive():
            return
        _worker = threading.Thread(target=_loop, args=(app,), name="integrity-batches", daemon=True)
        _worker.start()


def _loop(app: Flask) -> None:
    interval = float(app.config.get("INTEGRITY_BATCH_SECONDS", 30))
    while True:
        time.sleep(interval)
        with app.app_context():
            try:
                flush_pending()
            finally:
                db.session.remove()
