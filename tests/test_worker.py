"""The export worker, its heartbeat, /healthz on the export queue, and export files kept where every app server reads
them (issue 19). The deployment end to end (gunicorn, the worker as processes) is tests/test_deploy.py."""

from __future__ import annotations

import datetime as dt
import io
import threading
import time
import uuid

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from survey.codebook import JobStatus
from survey.extensions import db
from survey.models import ExportJob
from survey.reports import jobs, storage, worker
from tests.deployment import delete_redis_keys
from tests.test_questionnaire import link  # noqa: F401  (a fixture)

REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_or_skip():
    import redis

    server = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        server.ping()
    except redis.exceptions.RedisError:
        pytest.skip(f"Redis does not answer on {REDIS_URL} (bash ../shared/services.sh starts it)")
    return server


@pytest.fixture
def with_redis(app):
    """The app on the shared Redis under a prefix of its own (queues and keys of other runs are never touched);
    everything under the prefix is deleted afterwards."""
    server = redis_or_skip()
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    saved = {name: app.config.get(name) for name in ("REDIS_URL", "REDIS_PREFIX")}
    app.config.update(REDIS_URL=REDIS_URL, REDIS_PREFIX=prefix)
    yield server, prefix
    app.config.update(saved)
    delete_redis_keys(server, prefix)


@pytest.fixture
def export_dir(app, tmp_path):
    app.config["EXPORT_DIR"] = str(tmp_path / "exports")
    yield tmp_path / "exports"
    app.config.pop("EXPORT_DIR", None)


def kept_bytes(job: ExportJob) -> bytes:
    stream, size = storage.open_file(job)
    try:
        data = stream.read()
    finally:
        stream.close()
    assert len(data) == size
    return data


def test_healthz_turns_503_while_jobs_wait_with_no_worker(app, client, with_redis, make_user, link):
    server, prefix = with_redis
    assert client.get("/healthz").status_code == 200  # nothing waits: no worker needed
    job = jobs.create_job("profiles", {"campaign": link.campaign.code, "lang": "en"}, make_user())
    job.queued_at = job.queued_at - dt.timedelta(seconds=90)  # it has been waiting for a minute and a half
    db.session.commit()
    answer = client.get("/healthz")
    assert answer.status_code == 503
    report = answer.get_json()
    assert report["status"] == "unavailable" and report["database"] == "ok"
    exports = report["exports"]
    assert (exports["runner"], exports["queued"], exports["workers"], exports["redis"]) == ("worker", 1, 0, "ok")
    assert 90 <= exports["oldest_queued_seconds"] < 120
    # a worker seen 2 minutes ago does not count; one seen now does
    server.zadd(worker.presence_key(app), {"gone": time.time() - 120})
    assert client.get("/healthz").status_code == 503
    server.zadd(worker.presence_key(app), {"alive": time.time() - 5})
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.get_json()["exports"]["workers"] == 1
    assert 5 <= answer.get_json()["exports"]["worker_last_seen_seconds"] < 30
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # Redis away: the queue is not served
    answer = client.get("/healthz")
    assert answer.status_code == 503 and answer.get_json()["exports"]["redis"] == "unavailable"


def test_the_worker_runs_queued_exports_and_leaves_its_presence(app, runner, with_redis, make_user, link,
                                                                export_dir):
    server, prefix = with_redis
    admin = make_user()
    job = jobs.create_job("profiles", {"campaign": link.campaign.code, "lang": "ru"}, admin)
    db.session.commit()
    job_id = job.id
    jobs.dispatch(job_id)
    assert server.llen(f"rq:queue:{prefix}:exports") == 1  # on this installation's queue, not another's
    seen = []
    real_beat = worker._Presence.beat

    def beat(self):
        real_beat(self)
        seen.append(server.zscore(worker.presence_key(app), self.worker_name))

    worker._Presence.beat = beat
    try:
        result = runner.invoke(args=["survey", "worker", "--burst"])
    finally:
        worker._Presence.beat = real_beat
    assert result.exit_code == 0, result.output
    assert seen and seen[0] is not None  # it said it was there while it worked ...
    assert server.zcard(worker.presence_key(app)) == 0  # ... and took its name back when it stopped
    job = db.session.get(ExportJob, job_id)  # (the worker ran in this test's app context and ended its session)
    assert job.status == JobStatus.DONE and jobs.is_downloadable(job)
    assert load_workbook(io.BytesIO(kept_bytes(job))).sheetnames[0] == "Организации"  # the national workbook


def test_the_worker_command_needs_redis(app, runner, monkeypatch):
    result = runner.invoke(args=["survey", "worker", "--burst"])
    assert result.exit_code != 0 and "REDIS_URL is not set" in result.output
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    result = runner.invoke(args=["survey", "worker", "--burst"])
    assert result.exit_code == 1 and result.output.startswith("Error: Redis does not answer at REDIS_URL")


def test_a_long_step_without_progress_is_not_taken_for_dead(app, make_user, link, export_dir, monkeypatch):
    """The heartbeat comes from a thread, not from progress reports: an export that spends longer than the
    abandonment time in one step (the last sheets, the zip) stays alive; once its process stops, it is failed."""
    monkeypatch.setitem(app.config, "EXPORT_ABANDONED_SECONDS", 2)  # beats every 1/6 s
    admin = make_user()
    job = jobs.create_job("profiles", {"campaign": link.campaign.code, "lang": "en"}, admin)
    db.session.commit()
    release = threading.Event()
    real_export = jobs.export_profiles

    def slow_export(*args, **kwargs):
        release.wait(timeout=30)  # one long step, no progress reported
        return real_export(*args, **kwargs)

    monkeypatch.setattr(jobs, "export_profiles", slow_export)
    thread = threading.Thread(target=jobs._run_in_app, args=(app, job.id))
    thread.start()
    try:
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:  # half as long again as the abandonment time
            time.sleep(0.3)
            failed = jobs.fail_abandoned()
            db.session.rollback()
            assert failed == 0
        assert db.session.get(ExportJob, job.id).status == JobStatus.RUNNING
    finally:
        release.set()
        thread.join(timeout=30)
    db.session.expire_all()
    assert db.session.get(ExportJob, job.id).status == JobStatus.DONE
    # a job whose beats stopped 3 s ago (its process died) is failed, in the language of the export
    job.status, job.heartbeat_at = JobStatus.RUNNING, jobs.utcnow() - dt.timedelta(seconds=3)
    db.session.commit()
    assert jobs.fail_abandoned() == 1
    assert job.status == JobStatus.FAILED and "Retry it" in job.error


def test_a_retried_job_joins_the_queue_again(app, make_user, link):
    job = jobs.create_job("profiles", {"campaign": "NOPE", "lang": "en"}, make_user())
    db.session.commit()
    first_queued = job.queued_at
    jobs.run_job(job.id)
    db.session.expire_all()
    assert job.status == JobStatus.FAILED
    jobs.retry_job(job)
    db.session.commit()
    assert job.queued_at > first_queued and job.heartbeat_at is None


# ---- files in the database (PostgreSQL) ----------------------------------------------------------------------------

def _large_objects() -> int:
    return db.session.scalar(sa.text("SELECT count(*) FROM pg_largeobject_metadata"))


def test_on_postgresql_a_finished_file_lives_in_the_database_until_it_expires(app, is_postgres, make_user, link,
                                                                            export_dir, monkeypatch):
    if not is_postgres:
        pytest.skip("large objects are PostgreSQL's; SQLite keeps the file in EXPORT_DIR (tests/test_exports.py)")
    monkeypatch.setattr(storage, "CHUNK", 4096)  # several chunks in and out
    before = _large_objects()
    job = jobs.create_job("responses", {"campaign": link.campaign.code, "lang": "en", "headers": "codes"},
                          make_user())
    db.session.commit()
    jobs.run_job(job.id)
    db.session.expire_all()
    assert job.status == JobStatus.DONE and job.file_path is None and job.file_oid is not None
    assert list(export_dir.iterdir()) == []  # nothing left on this server's disk
    data = kept_bytes(job)
    assert len(data) == job.file_size > 3 * 4096
    assert load_workbook(io.BytesIO(data)).sheetnames[:2] == ["Responses", "Subjects"]
    assert _large_objects() == before + 1
    # its day passes: the large object goes, the row stays
    assert jobs.purge_expired(job.expires_at - dt.timedelta(seconds=1)) == 0
    assert jobs.purge_expired(job.expires_at + dt.timedelta(seconds=1)) == 1
    db.session.expire_all()
    assert job.file_oid is None and not jobs.is_downloadable(job, job.expires_at - dt.timedelta(seconds=1))
    assert _large_objects() == before


def test_on_postgresql_deleting_a_job_removes_its_file(app, is_postgres, make_user, link, export_dir):
    if not is_postgres:
        pytest.skip("large objects are PostgreSQL's")
    before = _large_objects()
    job = jobs.create_job("profiles", {"campaign": link.campaign.code, "lang": "en"}, make_user())
    db.session.commit()
    jobs.run_job(job.id)
    assert _large_objects() == before + 1
    db.session.execute(sa.delete(ExportJob).where(ExportJob.id == job.id))
    db.session.commit()
    assert _large_objects() == before  # the trigger of migration 0006 unlinked it


def test_work_files_left_by_a_killed_job_are_removed_after_a_day(app, is_postgres, export_dir):
    if not is_postgres:
        pytest.skip("on SQLite EXPORT_DIR holds the finished files themselves, removed by their jobs' expiry")
    import os

    export_dir.mkdir(parents=True, exist_ok=True)
    stale, fresh = export_dir / "7-responses.xlsx", export_dir / "8-responses.xlsx"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"being written")
    two_days_ago = time.time() - 2 * 86400
    os.utime(stale, (two_days_ago, two_days_ago))
    jobs.purge_expired()
    assert not stale.exists() and fresh.exists()
