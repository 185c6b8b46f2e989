"""Load benchmark: the app under gunicorn on PostgreSQL with the national demo data, driven by locust, beside a bare
Flask endpoint that only inserts one row (bench/bare_app.py), served the same way on the same database.

Usage (from the project root; the defaults are the figures the README quotes):
  .venv/bin/python bench/load.py [--flow director_report] [--users 20] [--run-time 60] [--max-steps 20000]
                                 [--workers 4] [--database-url URL] [--extra-questions N]
  (URL by default: postgresql+psycopg://postgres@/bench_proof?host=/var/run/postgresql, the Unix socket, when
  PostgreSQL has one there; else postgresql+psycopg://postgres@127.0.0.1:5432/bench_proof)

What it does, in order:
1. Creates the database if it is missing, migrates it, and loads
   `flask --app wsgi survey demo --orgs 10000 --teachers 500000` unless it already holds organizations (~3 min).
2. Prepares the flow's simulated people in that database (for director_report: director accounts of their own
   schools) - see bench/load_flows.py.
3. Starts `gunicorn -w 4` (no access log, as behind nginx) on a free port of 127.0.0.1, runs locust headless
   against it (all users at once, no think time, at most --run-time seconds and --max-steps completed steps),
   stops gunicorn; then the same with bench/bare_app.py and the bare_insert flow.
   Each run then deletes the rows it added (responses, audit events, flags...), so that every run meets the
   database as the demo left it and runs stay comparable.
   With ``--flow questionnaire --extra-questions N`` the open campaign asks N questions of its own (issue 17; an
   XLSForm uploaded as the console does, five questions to a page) and the teachers answer them; without it, the
   campaign asks the core questions only. The campaign's questions are put back as they were after the run.
4. Prints, per named request, the count, errors, throughput and p50/p99 latency, then the steps per second of the
   flow, the bare inserts per second and their ratio.

Locust runs from its own virtual environment (bench/.venv-locust, created on first use from bench/requirements.txt)
so that its dependencies never mix with the app's. Everything stays on the loopback interface. The load generator
shares the machine's cores with the server, as it would on any single box: the figures are a floor.

This is a benchmark, not a test: `make test` and .ci/run never run it. To add a user flow (such as the teacher
questionnaire), add one class to bench/load_flows.py (its docstring shows how) and pass `--flow <its name>`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

# App and database on one machine, as on this one: over PostgreSQL's Unix socket when it has one (it spares both
# sides the loopback TCP stack on every statement: 3-13 % more questionnaire steps here, back to back), else TCP.
SOCKET_DIR = Path("/var/run/postgresql")
TCP_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_proof"
DEFAULT_URL = (f"postgresql+psycopg://postgres@/bench_proof?host={SOCKET_DIR}"
               if (SOCKET_DIR / ".s.PGSQL.5432").exists() else TCP_URL)
LOCUST_VENV = BENCH / ".venv-locust"


@dataclass
class Row:
    name: str
    count: int
    failures: int
    rps: float
    p50: float
    p99: float


def main() -> None:
    from load_flows import FLOWS

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--flow", choices=[name for name in FLOWS if name != "bare_insert"], default="director_report")
    parser.add_argument("--users", type=int, default=20, help="simulated people at once")
    parser.add_argument("--run-time", type=int, default=60, help="seconds per target, at most")
    parser.add_argument("--max-steps", type=int, default=20_000, help="stop a target after this many steps")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (gthread when > 1)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_URL)
    parser.add_argument("--orgs", type=int, default=10_000)
    parser.add_argument("--teachers", type=int, default=500_000)
    parser.add_argument("--skip-bare", action="store_true", help="do not measure the bare endpoint")
    parser.add_argument("--extra-questions", type=int, default=0,
                        help="questionnaire flow: the campaign asks this many questions of its own (issue 17)")
    args = parser.parse_args()
    if args.extra_questions and args.flow != "questionnaire":
        parser.error("--extra-questions needs --flow questionnaire")
    if not args.database_url.startswith("postgresql"):
        sys.exit("the load benchmark runs on PostgreSQL: give --database-url postgresql+psycopg://...")

    env = {**os.environ, "DATABASE_URL": args.database_url, "SIGN_IN_RATE_LIMIT": "1000000 per minute",
           # as in production: rate limits and the integrity queue shared by the workers in Redis (the simulated
           # phones start a questionnaire a second each, far over the per-address limit meant for a staff room)
           "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
           "QUESTIONNAIRE_START_LIMIT": "1000000 per hour",
           "TRUSTED_PROXIES": "1",  # as behind nginx: each simulated phone has its own X-Forwarded-For address
           "PYTHONUNBUFFERED": "1"}
    os.environ.update(env)
    ensure_database(args, env)
    locust_python = ensure_locust()

    from survey import create_app

    app = create_app()
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        results: dict[str, tuple[list[Row], dict]] = {}
        targets = [(args.flow, ["-m", "gunicorn", "wsgi:app"], ROOT)]
        if not args.skip_bare:
            create_bare_table(app)
            targets.append(("bare_insert", ["-m", "gunicorn", "bare_app:app"], BENCH))
        for flow_name, command, cwd in targets:
            marks, versions = high_water_marks(app), questions_versions(app)
            try:
                params = FLOWS[flow_name]().prepare(app, args.users, extra_questions=args.extra_questions
                                                    if flow_name == args.flow else 0)
                params_file = Path(tmp) / f"{flow_name}.json"
                params_file.write_text(json.dumps(params), encoding="utf-8")
                extra = f", {args.extra_questions} campaign questions" if flow_name == args.flow else ""
                print(f"== {flow_name}: {args.users} users{extra}, gunicorn -w {args.workers}, "
                      f"at most {args.run_time} s or {args.max_steps} steps", flush=True)
                results[flow_name] = run_target(args, env, locust_python, flow_name, command, cwd, params_file, tmp)
                if flow_name == args.flow and args.extra_questions:
                    results[flow_name][1]["extra_answered"] = extra_answered(app, marks["responses"],
                                                                                args.extra_questions)
            finally:
                restore_questions_versions(app, versions)
                undo_rows(app, marks)
            print_rows(*results[flow_name])
        summarize(args, results)


def ensure_database(args, env) -> None:
    import sqlalchemy as sa

    url = sa.engine.make_url(args.database_url)  # also a Unix socket: postgresql+psycopg://user@/name?host=/dir
    name = url.database
    engine = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if not connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    engine = sa.create_engine(args.database_url)
    with engine.connect() as connection:
        organizations = connection.scalar(sa.text("SELECT count(*) FROM organizations"))
    engine.dispose()
    if organizations == 0:
        print(f"loading the demo data: {args.orgs} organizations, {args.teachers} teachers (a few minutes)...",
              flush=True)
        subprocess.run([*flask, "survey", "demo", "--orgs", str(args.orgs), "--teachers", str(args.teachers)],
                       cwd=ROOT, env=env, check=True)


def ensure_locust() -> Path:
    python = LOCUST_VENV / "bin" / "python"
    if not python.exists():
        print("creating bench/.venv-locust (once)...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(LOCUST_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-r", str(BENCH / "requirements.txt")],
                       check=True)
    return python


def create_bare_table(app) -> None:
    from bare_app import CREATE_TABLE

    from survey.extensions import db

    with app.app_context(), db.engine.begin() as connection:
        connection.exec_driver_sql(CREATE_TABLE)


# Rows a run adds. Each run removes its own afterwards, so that every run meets the database as the demo left it:
# otherwise the same few schools gain a thousand questionnaires a minute, and each run is slower than the last
# (their integrity checks and look-ups grow with them). Responses take their subjects, jobs and versions along.
RUN_TABLES = ("responses", "audit_events", "flags", "roster_entries", "vacancies", "export_jobs",
              "campaign_question_sets")


def high_water_marks(app, tables: tuple[str, ...] = RUN_TABLES) -> dict[str, int]:
    """The highest id of each table (``undo_rows`` deletes above it, in this order)."""
    from survey.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        return {table: connection.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {table}").scalar()
                for table in tables}


def extra_answered(app, mark: int, count: int) -> tuple[int, int]:
    """(Questionnaires submitted in the run, how many of them answered the first and the last campaign question,
    ``q1`` and ``q<count>`` of bench/load_flows.extra_questions_form): the run did answer them."""
    from survey.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        submitted, answered = connection.exec_driver_sql(
            "SELECT count(*), count(*) FILTER (WHERE answers ->> 'q1' IS NOT NULL "
            "AND answers ->> %(last)s IS NOT NULL) FROM responses WHERE id > %(mark)s AND status = 'submitted'",
            {"mark": mark, "last": f"q{count}"}).one()
    return submitted, answered


def questions_versions(app) -> dict[int, int | None]:
    """Each campaign's questions in force (``--extra-questions`` changes the open campaign's for a run)."""
    from survey.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        return dict(connection.exec_driver_sql("SELECT id, questions_version FROM campaigns").all())


def restore_questions_versions(app, versions: dict[int, int | None]) -> None:
    from survey.extensions import db

    with app.app_context(), db.engine.begin() as connection:
        for campaign_id, version in versions.items():
            connection.exec_driver_sql("UPDATE campaigns SET questions_version = %(v)s WHERE id = %(id)s",
                                       {"v": version, "id": campaign_id})


def undo_rows(app, marks: dict[str, int]) -> None:
    from bare_app import TABLE

    from survey.extensions import db

    with app.app_context(), db.engine.begin() as connection:
        for table, mark in marks.items():
            connection.exec_driver_sql(f"DELETE FROM {table} WHERE id > %(mark)s", {"mark": mark})
        if connection.exec_driver_sql(f"SELECT to_regclass('{TABLE}')").scalar() is not None:
            connection.exec_driver_sql(f"TRUNCATE {TABLE}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(base: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            urllib.request.urlopen(base + "/", timeout=2)  # noqa: S310  (loopback)
            return
        except urllib.error.HTTPError:
            return  # it answers (404/405 for the bare app)
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer in time")


def run_target(args, env, locust_python, flow_name, command, cwd, params_file, tmp) -> tuple[list[Row], dict]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(Path(tmp) / f"{flow_name}-gunicorn.log", "w")
    server = subprocess.Popen([sys.executable, *command, "-w", str(args.workers), "--threads", str(args.threads),
                               "-b", f"127.0.0.1:{port}",
                               "--error-logfile", "-"],  # no access log, as in production behind nginx
                              cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_up(base, server)
        prefix = Path(tmp) / flow_name
        out = subprocess.run(
            [str(locust_python), "-m", "locust", "-f", str(BENCH / "locustfile.py"), "--headless", "--only-summary",
             "-u", str(args.users), "-r", str(args.users), "-t", f"{args.run_time}s", "--stop-timeout", "5",
             "-H", base, "--csv", str(prefix), "--loglevel", "WARNING"],
            env={**env, "BENCH_FLOW": flow_name, "BENCH_USERS": str(args.users), "BENCH_PARAMS": str(params_file),
                 "BENCH_MAX_STEPS": str(args.max_steps)},
            capture_output=True, text=True, timeout=args.run_time + 120)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
    done = next((json.loads(line.split(" ", 1)[1]) for line in out.stdout.splitlines()
                 if line.startswith("BENCH_RESULT ")), {})
    rows = read_stats(prefix.with_name(prefix.name + "_stats.csv"))
    failures_csv = prefix.with_name(prefix.name + "_failures.csv")
    if failures_csv.exists():  # what the errors were, so that a run with errors says why
        with failures_csv.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                print(f"  failure ×{row['Occurrences']}: {row['Name']}: {row['Error'][:160]}")
    if not rows:
        print(out.stdout[-3000:], out.stderr[-3000:], sep="\n")
        raise SystemExit("locust wrote no statistics")
    # every answer's status is checked by the flow (a 5xx is a failure there); the log adds what the server itself
    # reported: tracebacks, the app's errors (a database error page is logged as one), gunicorn's worker timeouts
    server_errors = sum(1 for line in (Path(tmp) / f"{flow_name}-gunicorn.log").read_text().splitlines()
                        if "Traceback" in line or "ERROR" in line or "CRITICAL" in line)
    done["server_errors"] = server_errors
    return rows, done


def read_stats(path: Path) -> list[Row]:
    def number(text: str) -> float:
        return 0.0 if text in ("", "N/A") else float(text)

    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return [Row(name=row["Name"], count=int(row["Request Count"]), failures=int(row["Failure Count"]),
                    rps=number(row["Requests/s"]), p50=number(row["50%"]), p99=number(row["99%"]))
                for row in csv.DictReader(handle)]


def print_rows(rows: list[Row], done: dict) -> None:
    print(f"  {'request':<32}{'count':>8}{'errors':>8}{'per s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    for row in (row for row in rows if row.count):
        print(f"  {row.name:<32}{row.count:>8}{row.failures:>8}{row.rps:>9.1f}{row.p50:>9.0f}{row.p99:>9.0f}")
    print(f"  measured steps {done.get('steps', 0)} (statistics reset once every user had started: "
          f"{'yes' if done.get('measuring') else 'NO'}), abandoned {done.get('abandoned', 0)}, failures while "
          f"starting {done.get('start_failures', 0)}, errors in the server log "
          f"{done.get('server_errors', 0)}", flush=True)
    if "extra_answered" in done:
        submitted, answered = done["extra_answered"]
        print(f"  questionnaires submitted {submitted}, with the campaign's questions answered {answered}", flush=True)


def step_row(rows: list[Row], flow_name: str) -> Row | None:
    return next((row for row in rows if row.name == f"{flow_name}: step"), None)


def summarize(args, results) -> None:
    rows, done = results[args.flow]
    step = step_row(rows, args.flow)
    total = next((row for row in rows if row.name == "Aggregated"), None)
    print("== summary")
    if step is None:
        print("no step completed")
        return
    errors = ((total.failures if total else 0) + done.get("start_failures", 0)
              + done.get("server_errors", 0))
    print(f"{args.flow}: {step.rps:.1f} steps/s, p50 {step.p50:.0f} ms, p99 {step.p99:.0f} ms, "
          f"{errors} errors ({step.count} steps, {total.count if total else 0} requests in all)")
    if "bare_insert" in results:
        bare = step_row(results["bare_insert"][0], "bare_insert")
        if bare and bare.rps:
            print(f"bare insert: {bare.rps:.1f} requests/s, p50 {bare.p50:.0f} ms, p99 {bare.p99:.0f} ms; "
                  f"{args.flow} steps / bare inserts = {step.rps / bare.rps:.2f}")


if __name__ == "__main__":
    main()
