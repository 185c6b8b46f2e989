"""Benchmark of the national staffing forecast and AI-training plan (issue 18) against the metrics aggregation of all
organizations, measured in the same run on the same database.

Load the national data once into a database of your own (as for bench/exports.py), then run the script:

    createdb -h 127.0.0.1 -U postgres bench_proof
    export DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_proof
    flask --app wsgi db upgrade && flask --app wsgi survey demo --orgs 10000 --teachers 500000
    psql -h 127.0.0.1 -U postgres bench_proof -c "VACUUM ANALYZE"
    python bench/forecast.py [--repeat 5]

Each measurement runs in a fresh child process; the runs alternate (metrics, plans, metrics, plans …) so that both
meet the same phases of a noisy machine. A plans run computes ``forecast`` and ``ai_plan`` of every organization
with the settings' defaults, after adding (inside its own transaction, rolled back at the end) a growth assumption
for every district: 2 % a year for schools and 50 pupils a year for preschools, so that the growth factors are
really computed. Targets (issue 18): under 5 s, and at most 1.5 × the metrics aggregation.

Both children also count the CPU seconds they spent: their own and, when the database runs on this machine (a local
address), those of their PostgreSQL backend (/proc/<pg_backend_pid()>/stat). On a shared, loaded machine the wall
times follow the load; the CPU seconds and their ratio hardly move, so they are printed beside the times.

That the figures stay the same through a change is checked by bench/compare_forecast.py.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_proof"
TARGET_SECONDS = 5.0
TARGET_RATIO = 1.5

import exports  # noqa: E402  (bench/exports.py: the app and the campaign)


def _backend_cpu():
    """A function giving the CPU seconds used so far by this session's PostgreSQL backend, or None when the database
    is not on this machine."""
    import sqlalchemy as sa

    from survey.extensions import db

    url = db.engine.url
    pid = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
    stat, comm = Path(f"/proc/{pid}/stat"), Path(f"/proc/{pid}/comm")
    local = url.host in ("127.0.0.1", "localhost", "::1", None)

    def used() -> float | None:
        try:
            if not local or comm.read_text().strip() != "postgres":
                return None
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    return used


def _measured(work) -> tuple:
    """``work()``'s result and its wall seconds, this process's CPU seconds and the backend's (or None)."""
    backend = _backend_cpu()
    backend_start, cpu_start, start = backend(), time.process_time(), time.perf_counter()
    result = work()
    seconds, cpu, backend_end = time.perf_counter() - start, time.process_time() - cpu_start, backend()
    backend_cpu = None if backend_start is None or backend_end is None else backend_end - backend_start
    return result, {"seconds": seconds, "cpu": cpu, "backend_cpu": backend_cpu}


def child_metrics() -> dict:
    """The metrics aggregation of every organization, as bench/exports.py measures it."""
    from survey.staffing import org_metrics, total

    with exports._app().app_context():
        campaign = exports._campaign()
        metrics, times = _measured(lambda: org_metrics(campaign))
        return {**times, "organizations": len(metrics), "headcount": total(metrics.values()).headcount}


def child_plans() -> dict:
    import sqlalchemy as sa
    from flask import current_app

    from survey.extensions import db
    from survey.models import District, GrowthAssumption
    from survey.staffing.ai_plan import ai_plan
    from survey.staffing.forecast import forecast
    from survey.staffing.metrics import norms_from_config, organizations

    with exports._app().app_context():
        campaign = exports._campaign()
        district_ids = db.session.scalars(sa.select(District.id)).all()
        db.session.execute(sa.insert(GrowthAssumption), [
            row for district_id in district_ids for row in (
                {"district_id": district_id, "level": "school", "percent": 2},
                {"district_id": district_id, "level": "preschool", "pupils": 50})])
        db.session.flush()
        forecast_at: list[float] = []

        def both():
            places = organizations(None, norms_from_config(current_app.config))
            result = forecast(campaign, places=places)
            forecast_at.append(time.perf_counter())
            return result, ai_plan(campaign, places=places)

        start = time.perf_counter()
        (result, plan), times = _measured(both)
        national, readiness = result.total(), plan.total()
        db.session.rollback()
        return {**times, "forecast_seconds": forecast_at[0] - start, "plan_seconds": times["seconds"] - (
                    forecast_at[0] - start),
                "organizations": len(result.organizations), "heads": national.heads, "staff": readiness.staff,
                "gap_last_year": round(national.gap[-1], 1), "waves": len(plan.waves), "planned": readiness.planned}


def run(name: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", name], capture_output=True, text=True,
                          env=os.environ, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"the {name} child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def cpu(result: dict) -> float | None:
    """CPU seconds of a run: the child's and its backend's (None when the backend's are unknown)."""
    return None if result["backend_cpu"] is None else result["cpu"] + result["backend_cpu"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each measurement (median)")
    parser.add_argument("--child", choices=("metrics", "plans"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if args.child:
        print(json.dumps(child_metrics() if args.child == "metrics" else child_plans()))
        return

    print(f"database: {os.environ['DATABASE_URL']}; load average {os.getloadavg()[0]:.1f}",
          flush=True)
    metrics, plans = [], []
    for _ in range(args.repeat):
        metrics.append(run("metrics"))
        plans.append(run("plans"))
        m, p = metrics[-1], plans[-1]
        print(f"  metrics {m['seconds']:.2f} s ({_cpu_text(m)}); forecast {p['forecast_seconds']:.2f} s + plan "
              f"{p['plan_seconds']:.2f} s = {p['seconds']:.2f} s ({_cpu_text(p)}); load average "
              f"{os.getloadavg()[0]:.1f}", flush=True)
    metrics_s = statistics.median(r["seconds"] for r in metrics)
    plans_s = statistics.median(r["seconds"] for r in plans)
    ratio = plans_s / metrics_s
    last = plans[-1]
    print(f"metrics aggregation, all {metrics[0]['organizations']} organizations ({metrics[0]['headcount']} "
          f"responses): median {metrics_s:.2f} s of {len(metrics)} runs")
    print(f"forecast and AI plan, all {last['organizations']} organizations ({last['heads']} teaching staff, "
          f"{last['staff']} people; gap in the last year {last['gap_last_year']} rates; {last['planned']} planned in "
          f"{last['waves']} waves): median {plans_s:.2f} s (target < {TARGET_SECONDS:.0f} s: "
          f"{'ok' if plans_s < TARGET_SECONDS else 'MISSED'})")
    print(f"forecast and plan / metrics = {ratio:.2f} (target <= {TARGET_RATIO}: "
          f"{'ok' if ratio <= TARGET_RATIO else 'MISSED'})")
    if all(cpu(r) is not None for r in metrics + plans):
        metrics_cpu = statistics.median(cpu(r) for r in metrics)
        plans_cpu = statistics.median(cpu(r) for r in plans)
        print(f"CPU seconds (process + database backend), medians: metrics {metrics_cpu:.2f}, forecast and plan "
              f"{plans_cpu:.2f}; ratio {plans_cpu / metrics_cpu:.2f}")


def _cpu_text(result: dict) -> str:
    total = cpu(result)
    return "CPU unknown" if total is None else f"CPU {total:.2f} s, of which the database {result['backend_cpu']:.2f}"


if __name__ == "__main__":
    main()
