"""The export worker (``flask --app wsgi survey worker [--burst]``) and what ``/healthz`` says about the queue.

With ``REDIS_URL`` set, app servers put export jobs on an RQ queue (``jobs.queue_name``: ``<REDIS_PREFIX>:exports``)
and this worker runs them inside the app's own configuration. It is an RQ ``SimpleWorker``: a job runs in the
worker's own process rather than in a forked child, so that
- killing or stopping the worker stops its job too (a forked child would go on alone, out of sight), and the job's
  heartbeat then goes stale, which is how the app servers learn that it died;
- the app, its settings and its database pool are built once per worker, not once per job, and never shared with a
  forked child.
A worker runs one export at a time: more workers run more exports at once.

While it runs, a thread records the worker every ``WORKER_BEAT`` in a Redis sorted set (``<REDIS_PREFIX>:workers``,
name → time) that ``/healthz`` reads, fails the jobs of workers that died (``jobs.fail_abandoned``) and removes
expired files (``jobs.purge_expired``) even when no one asks for an export.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError

from ..codebook import JobStatus
from ..extensions import db
from ..models import ExportJob
from ..models.base import utcnow
from . import jobs

log = logging.getLogger(__name__)

WORKER_BEAT = dt.timedelta(seconds=15)  # how often a worker says it is there
SEEN_WITHIN = dt.timedelta(minutes=1)  # /healthz: a worker seen this recently serves the queue


def presence_key(app: Flask) -> str:
    return f"{app.config['REDIS_PREFIX']}:workers"


def queue_names(app: Flask) -> list[str]:
    """Every RQ queue the app puts work on."""
    return [jobs.queue_name(app)]


def _redis(app: Flask) -> Redis:
    return Redis.from_url(app.config["REDIS_URL"], socket_timeout=5, socket_connect_timeout=5)


def run_worker(app: Flask, *, burst: bool = False) -> bool:
    """Run the app's queues until stopped (SIGTERM or Ctrl-C: the running job is finished first), or with ``burst``
    until they are empty. Returns whether any job was run."""
    from rq import Queue, SimpleWorker

    connection = Redis.from_url(app.config["REDIS_URL"])  # no socket timeout: RQ waits on the queue for minutes
    worker = SimpleWorker([Queue(name, connection=connection) for name in queue_names(app)], connection=connection,
                          name=f"{socket.gethostname()}.{os.getpid()}")
    presence = _Presence(app, worker.name)
    presence.beat()  # seen at once, before the first job
    presence.start()
    try:
        return worker.work(burst=burst, logging_level="INFO")
    finally:
        presence.stop()


class _Presence(threading.Thread):
    def __init__(self, app: Flask, name: str):
        super().__init__(name="worker-presence", daemon=True)
        self.app, self.worker_name = app, name
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(WORKER_BEAT.total_seconds()):
            self.beat()

    def beat(self) -> None:
        now = time.time()
        try:
            server = _redis(self.app)
            server.zadd(presence_key(self.app), {self.worker_name: now})
            server.zremrangebyscore(presence_key(self.app), "-inf", now - 3600)  # workers long gone
        except RedisError:
            log.warning("worker %s: could not record itself in Redis", self.worker_name, exc_info=True)
        with self.app.app_context():
            try:
                failed, purged = jobs.fail_abandoned(), jobs.purge_expired()
                db.session.commit()
                if failed or purged:
                    log.info("failed %d abandoned export(s), removed %d expired file(s)", failed, purged)
            except sa.exc.SQLAlchemyError:
                db.session.rollback()
                log.warning("worker %s: housekeeping failed; the next beat tries again", self.worker_name,
                            exc_info=True)
            finally:
                db.session.remove()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=10)
        try:
            _redis(self.app).zrem(presence_key(self.app), self.worker_name)
        except RedisError:
            pass


def queue_health(database: bool) -> tuple[bool, dict[str, Any]]:
    """Whether the export queue is served, and the figures that say so: waiting jobs and the oldest one's age (from
    the database, when it answers), and with Redis the workers seen in the last minute. Not served = jobs wait and
    no worker was seen (or Redis does not answer)."""
    app = current_app._get_current_object()
    report: dict[str, Any] = {"runner": "worker" if app.config.get("REDIS_URL") else "thread"}
    waiting = 0
    if database:
        waiting, oldest = db.session.execute(sa.select(sa.func.count(), sa.func.min(ExportJob.queued_at)).where(
            ExportJob.status == JobStatus.QUEUED)).one()
        report["queued"] = waiting
        report["oldest_queued_seconds"] = round((utcnow() - oldest).total_seconds(), 1) if oldest else None
    if not app.config.get("REDIS_URL"):
        return True, report  # jobs run in a thread of the app server that took them
    now = time.time()
    try:
        seen = _redis(app).zrangebyscore(presence_key(app), now - SEEN_WITHIN.total_seconds(), "+inf",
                                         withscores=True)
    except RedisError:
        report["redis"] = "unavailable"
        return False, report
    report["redis"] = "ok"
    report["workers"] = len(seen)
    report["worker_last_seen_seconds"] = round(now - max(score for _name, score in seen), 1) if seen else None
    return bool(seen) or waiting == 0, report
