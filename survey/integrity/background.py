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
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask, current_app

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
    with _lock:
        _pending.setdefault(campaign_id, set()).add(organization_id)
    _ensure_worker(current_app._get_current_object())


def flush_pending() -> int:
    """Run the rules for everything pending (in the caller's app context); returns how many organizations."""
    from .services import SUBMISSION_RULES, run_checks

    with _lock:
        batch = {campaign_id: sorted(ids) for campaign_id, ids in _pending.items()}
        _pending.clear()
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
            with _lock:
                _pending.setdefault(campaign_id, set()).update(organization_ids)
    return done


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
