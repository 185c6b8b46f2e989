"""Background export jobs on the ``ExportJob`` model.

``create_job`` records a queued job (the caller commits); ``dispatch`` then hands it to RQ on Redis when
``REDIS_URL`` is set (``flask survey worker`` runs it: ``survey.reports.worker``), or to a background thread in the
embedded default. Either way ``run_job`` does the work: running → progress (0–100, committed as it goes, so a
reloaded page shows it) → done with a file kept for a day where every app server can read it (``storage``), or
failed with the reason. While it runs, a thread says every ``heartbeat_interval`` that its process is alive; a job
that stopped saying so for ``EXPORT_ABANDONED_SECONDS`` is failed by ``fail_abandoned`` (its process was killed).
A failed job can be retried (``retry_job``); expired files are removed (``purge_expired``).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from flask_babel import force_locale
from flask_babel import gettext as _

from .. import audit
from ..auth.scope import visible_organization_ids
from ..campaigns.services import CampaignError, get_campaign
from ..codebook import JobStatus
from ..extensions import db
from ..models import ExportJob, User
from ..models.base import utcnow
from . import storage
from .services import ExportError, export_profiles, export_responses, select_organizations
from .profiles import ExportContext

log = logging.getLogger(__name__)

KEEP_FILES = dt.timedelta(days=1)
KINDS = ("profiles", "responses")
QUEUE_NAME = "exports"


def queue_name(app: Flask | None = None) -> str:
    """The RQ queue of exports, under the installation's Redis prefix (``survey:exports`` by default)."""
    return f"{(app or current_app).config['REDIS_PREFIX']}:{QUEUE_NAME}"


def abandoned_after(app: Flask | None = None) -> dt.timedelta:
    """No sign of life for this long (EXPORT_ABANDONED_SECONDS) and a running job is taken for dead."""
    return dt.timedelta(seconds=(app or current_app).config["EXPORT_ABANDONED_SECONDS"])


def job_language(params: dict[str, Any]) -> str:
    """The language an export (its messages and its workbook) is written in: the one asked for, else the default."""
    return params.get("lang") or current_app.config["BABEL_DEFAULT_LOCALE"]


def heartbeat_interval(app: Flask | None = None) -> dt.timedelta:
    """Twelve signs of life in the time after which a job is taken for dead: a busy database may delay a few."""
    return abandoned_after(app) / 12


def create_job(kind: str, params: dict[str, Any], user: User | None) -> ExportJob:
    """A queued job, asked for by ``user`` (audited; added and flushed: the caller commits, then calls
    ``dispatch``)."""
    if kind not in KINDS:
        raise ValueError(kind)
    job = ExportJob(kind=kind, params=dict(params), user_id=user.id if user else None, status=JobStatus.QUEUED,
                    queued_at=utcnow())
    db.session.add(job)
    db.session.flush()
    audit.record("export.request", by=user, target=job, details=dict(params))
    return job


def retry_job(job: ExportJob, by: audit.Actor = None) -> None:
    """Put a failed job back in the queue (audited; the caller commits, then calls ``dispatch``)."""
    if job.status != JobStatus.FAILED:
        raise ValueError("only a failed job can be retried")
    job.status, job.progress, job.error, job.queued_at = JobStatus.QUEUED, 0, None, utcnow()
    job.started_at = job.finished_at = job.expires_at = job.heartbeat_at = None
    db.session.flush()
    audit.record("export.retry", by=by, target=job)


def dispatch(job_id: int) -> None:
    """Run the job on the RQ queue (REDIS_URL set) or in a daemon thread. Call after the commit.

    Files of jobs whose day has passed are removed first, so that finished exports never pile up on disk."""
    app = current_app._get_current_object()
    purge_expired()
    if app.config.get("REDIS_URL"):
        from redis import Redis
        from rq import Queue

        Queue(queue_name(app), connection=Redis.from_url(app.config["REDIS_URL"])).enqueue(
            run_job_in_worker, job_id, job_timeout=3 * 3600)
        return
    thread = threading.Thread(target=_run_in_app, args=(app, job_id), name=f"export-{job_id}", daemon=True)
    thread.start()
    app.extensions.setdefault("export_threads", {})[job_id] = thread


def _run_in_app(app: Flask, job_id: int) -> None:
    with app.app_context():
        try:
            run_job(job_id)
        finally:
            db.session.remove()


def fail_abandoned(now: dt.datetime | None = None) -> int:
    """Mark running jobs whose worker stopped giving signs of life as failed, so that they can be retried.

    A killed worker (RQ) or a restarted server (the thread runner) leaves its job "running" for ever otherwise.
    Returns how many jobs were failed. Flushes; the caller commits.
    """
    now = now or utcnow()
    cutoff = now - abandoned_after()
    stale = db.session.scalars(sa.select(ExportJob).where(
        ExportJob.status == JobStatus.RUNNING,
        sa.func.coalesce(ExportJob.heartbeat_at, ExportJob.started_at, ExportJob.created_at) < cutoff)).all()
    for job in stale:
        with force_locale(job_language(job.params or {})):
            job.error = _("The export stopped: the process running it ended before it finished. Retry it.")
        job.status, job.finished_at = JobStatus.FAILED, now
    db.session.flush()
    return len(stale)


def run_job_in_worker(job_id: int) -> None:
    """The RQ entry point. ``flask survey worker`` runs it inside its app; any other RQ worker builds the app from
    the environment, like ``wsgi.py``."""
    if has_app_context():
        try:
            run_job(job_id)
        finally:
            db.session.remove()
        return
    from .. import create_app

    _run_in_app(create_app(), job_id)


def _set(job_id: int, **values) -> None:
    db.session.execute(sa.update(ExportJob).where(ExportJob.id == job_id).values(**values))
    db.session.commit()


def run_job(job_id: int) -> None:
    """Do the export of job ``job_id``; never raises (a failure is recorded on the job)."""
    job = db.session.get(ExportJob, job_id)
    if job is None or job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        return
    params = dict(job.params)
    started = utcnow()
    _set(job_id, status=JobStatus.RUNNING, started_at=started, progress=0, heartbeat_at=started)
    last = [0]

    def progress(percent: int) -> None:
        if percent - last[0] >= 5 and percent < 100:
            last[0] = max(last[0], min(percent, 99))
            _set(job_id, progress=last[0], heartbeat_at=utcnow())

    path = None
    try:
        path = storage.work_file(job_id, file_name(job.kind, params))
        with _Heartbeat(job_id, heartbeat_interval()):
            count = _export(job.kind, params, job.user_id, path, progress)
            kept = storage.keep(path)
            now = utcnow()
            _set(job_id, status=JobStatus.DONE, progress=100, row_count=count, finished_at=now,
                 expires_at=now + KEEP_FILES, **kept)
    except Exception as exc:  # noqa: BLE001 — any failure must reach the job, not vanish with the thread
        db.session.rollback()
        if path is not None:
            path.unlink(missing_ok=True)
        if isinstance(exc, (CampaignError, ExportError)):
            reason = str(exc)  # already in the export's language
        else:
            log.exception("export job %s failed", job_id)
            with force_locale(job_language(params)):
                reason = _("The export failed: %(error)s", error=f"{type(exc).__name__}: {exc}")
        _set(job_id, status=JobStatus.FAILED, error=str(reason)[:2000], finished_at=utcnow())
        return
    storage.discard_work_file(path)


class _Heartbeat:
    """While a job runs, a thread writes its ``heartbeat_at`` every ``interval`` over a connection of its own,
    however long the export goes without reporting progress (the last sheets, the zip, the copy into the database);
    it stops with the job. A killed process stops beating, which is how ``fail_abandoned`` tells it from a slow
    one."""

    def __init__(self, job_id: int, interval: dt.timedelta):
        self.job_id, self.interval = job_id, interval.total_seconds()
        self.engine = db.engine
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"export-{job_id}-heartbeat", daemon=True)

    def __enter__(self) -> None:
        self.thread.start()

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.thread.join()

    def _beat(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                with self.engine.begin() as connection:
                    connection.execute(sa.update(ExportJob).where(
                        ExportJob.id == self.job_id, ExportJob.status == JobStatus.RUNNING,
                    ).values(heartbeat_at=utcnow()))
            except sa.exc.SQLAlchemyError:  # the database is away for a moment: the next beat tries again
                log.warning("export job %s: heartbeat not written", self.job_id, exc_info=True)


def _export(kind: str, params: dict[str, Any], user_id: int | None, path: Path, progress) -> int:
    user = db.session.get(User, user_id) if user_id else None
    scope = visible_organization_ids(user) if user is not None else None
    lang = job_language(params)
    with force_locale(lang):  # error messages in the language of the export
        campaign = get_campaign(params["campaign"])
        selection = select_organizations(scope, region=params.get("region"), district=params.get("district"),
                                         org_bin=params.get("org_bin"))
    ctx = ExportContext(campaign, lang=lang, headers=params.get("headers", "labels"),
                        exported_by=user.email if user else "system")
    if kind == "profiles":
        return export_profiles(ctx, selection, path, per_org=bool(params.get("per_org")),
                               as_zip=bool(params.get("zip")), progress=progress)
    return export_responses(ctx, selection, path, fmt=params.get("format", "xlsx"),
                            layout=params.get("layout", "tables"), progress=progress)


def file_name(kind: str, params: dict[str, Any]) -> str:
    """The download name: what, which campaign, which filter, language; the right extension."""
    parts = [kind, params.get("campaign", "")]
    parts += [str(params[key]) for key in ("region", "district", "org_bin") if params.get(key)]
    parts.append(job_language(params))
    stem = "-".join(p for p in parts if p).replace("/", "_").replace(" ", "_")
    if kind == "profiles":
        return stem + (".zip" if params.get("zip") else ".xlsx")
    if params.get("format") == "csv":
        return stem + (".csv" if params.get("layout") == "flat" else ".zip")
    return stem + ".xlsx"


def purge_expired(now: dt.datetime | None = None) -> int:
    """Delete the files of jobs past their day (the rows stay, marked by ``expires_at``). Returns files removed."""
    return storage.purge(now or utcnow(), KEEP_FILES)


def is_downloadable(job: ExportJob, now: dt.datetime | None = None) -> bool:
    now = now or utcnow()
    return (job.status == JobStatus.DONE and job.expires_at is not None and job.expires_at > now
            and storage.exists(job))
