"""Export benchmark: the time from request to download of the national raw export through the worker (issue 19).

Usage (from the project root; the defaults are the national data set of bench/load.py):
  .venv/bin/python bench/worker_export.py [--kind responses|profiles] [--format xlsx|csv]
                                          [--database-url URL] [--orgs 10000] [--teachers 500000]

What it does, in order:
1. Makes sure the database holds the national demo data, as bench/load.py does (creates and migrates it, and loads
   `flask --app wsgi survey demo --orgs 10000 --teachers 500000` when it has no organizations: a few minutes).
2. Starts one app server and one export worker exactly as deploy/'s systemd units start them (tests/deployment.py:
   gunicorn --config deploy/gunicorn.conf.py, flask survey worker), SURVEY_ENV=production, on PostgreSQL and
   Redis under a Redis prefix of its own.
3. Signs in as a national administrator made for the run, requests the national export on /reports/ (raw
   responses, every organization; Excel by default), follows its status once a second as the job page does, and
   downloads the file the moment it is ready. Prints when the worker took the job, when the file was ready, how
   long the download took, the total from request to a file on disk, the file's size, and the worker's peak memory.
4. Stops both and deletes what the run added (its user, the job and its large object, audit events), so that
   every run meets the database as the demo left it.

Needs REDIS_URL's Redis (default redis://127.0.0.1:6379/0). A benchmark, not a test: make test and .ci/run never
run it. Run it on a quiet machine: the export takes one core of the worker and part of one of PostgreSQL's.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

RUN_TABLES = ("export_jobs", "audit_events", "users")  # rows a run adds, removed afterwards (children first)


def main() -> None:
    from load import DEFAULT_URL, ensure_database, high_water_marks, undo_rows

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kind", choices=["responses", "profiles"], default="responses")
    parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx", help="raw responses only")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_URL)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    parser.add_argument("--orgs", type=int, default=10_000)
    parser.add_argument("--teachers", type=int, default=500_000)
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        sys.exit("the worker keeps finished files in PostgreSQL: give --database-url postgresql+psycopg://...")

    from tests.deployment import Deployment, delete_redis_keys, env_file

    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    env = {**{k: v for k, v in os.environ.items() if k not in env_file()}, **env_file(),
           "SECRET_KEY": secrets.token_hex(32), "IIN_HASH_KEY": os.environ.get("IIN_HASH_KEY") or "bench-iin-key",
           "DATABASE_URL": args.database_url, "REDIS_URL": args.redis_url, "REDIS_PREFIX": prefix,
           "BIND_HOST": "127.0.0.1", "WEB_CONCURRENCY": "2", "PYTHONUNBUFFERED": "1"}
    os.environ.update({"DATABASE_URL": args.database_url, "IIN_HASH_KEY": env["IIN_HASH_KEY"]})
    ensure_database(args, env)

    from redis import Redis

    from survey import create_app

    app = create_app()
    campaign = national_campaign(app)
    marks = high_water_marks(app, RUN_TABLES)  # undo_rows deletes what the run adds, a job's large object with it
    email, password = f"bench-{prefix}@example.kz", secrets.token_urlsafe(18)
    with tempfile.TemporaryDirectory(prefix="bench-worker-") as tmp:
        deployment = Deployment(env, Path(tmp))
        try:
            create_admin(deployment, email, password)
            (base,) = deployment.start_web(web=Path(tmp) / "web")
            worker = deployment.start_worker("worker", Path(tmp) / "worker")
            measure(deployment, base, worker.pid, email, password, campaign, args, Path(tmp))
        finally:
            deployment.stop()
            undo_rows(app, marks)
            delete_redis_keys(Redis.from_url(args.redis_url), prefix)


def national_campaign(app) -> str:
    import sqlalchemy as sa

    from survey.extensions import db
    from survey.models import Campaign

    with app.app_context():
        code = db.session.scalar(sa.select(Campaign.code).order_by(Campaign.id.desc()).limit(1))
    if code is None:
        sys.exit("the database has no campaign")
    return code


def create_admin(deployment, email: str, password: str) -> None:
    deployment.env["SURVEY_USER_PASSWORD"] = password
    made = deployment.run("survey", "create-user", "--email", email, "--role", "national_admin")
    del deployment.env["SURVEY_USER_PASSWORD"]
    if made.returncode != 0:
        sys.exit(made.stderr)


def measure(deployment, base: str, worker_pid: int, email: str, password: str, campaign: str, args, tmp: Path):
    from tests.deployment import Browser

    browser = Browser(base)
    browser.sign_in(email, password)
    deadline = time.monotonic() + 120
    while not browser.get("/healthz").json()["exports"].get("workers"):  # the worker is up and listening
        if time.monotonic() > deadline:
            sys.exit(f"the worker did not start\n{deployment.logs()}")
        time.sleep(0.5)
    fields = {"kind": args.kind, "campaign": campaign, "format": args.format, "headers": "labels"}
    print(f"== {args.kind} ({args.format}) of campaign {campaign}, every organization, through the worker",
          flush=True)
    requested = time.monotonic()
    job_id = browser.request_export(**fields)
    picked = None
    peak = 0
    while True:
        status = browser.job(job_id)
        peak = max(peak, peak_memory_kb(worker_pid))
        if status["status"] == "running" and picked is None:
            picked = time.monotonic()
            print(f"  taken by the worker after {picked - requested:.1f} s", flush=True)
        if status["status"] in ("done", "failed"):
            break
        time.sleep(1)
    ready = time.monotonic()
    if status["status"] != "done":
        sys.exit(f"the export failed: {status['error']}\n{deployment.logs()}")
    target = tmp / "export.bin"
    answer = browser.request("GET", status["download"], timeout=3600, into=target)
    finished = time.monotonic()
    if answer.status != 200:
        sys.exit(f"the download answered {answer.status}")
    size = target.stat().st_size
    print(f"  file ready after {ready - requested:.1f} s (export and storing it in PostgreSQL: "
          f"{ready - (picked or requested):.1f} s)")
    print(f"  downloaded {size / 1e6:.1f} MB in {finished - ready:.1f} s")
    print(f"  worker peak memory {peak / 1024:.0f} MB")
    print(f"request to download: {finished - requested:.1f} s")


def peak_memory_kb(pid: int) -> int:
    """The process's peak resident memory (VmHWM), 0 when it cannot be read."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    main()
