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

import exports  # noqa: E402  (bench/exports.py: the app, the campaign, and the metrics aggregation's child)


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
        start = time.perf_counter()
        places = organizations(None, norms_from_config(current_app.config))
        result = forecast(campaign, places=places)
        middle = time.perf_counter()
        plan = ai_plan(campaign, places=places)
        seconds = time.perf_counter() - start
        national, readiness = result.total(), plan.total()
        db.session.rollback()
        return {"seconds": seconds, "forecast_seconds": middle - start, "plan_seconds": seconds - (middle - start),
                "organizations": len(result.organizations), "heads": national.heads, "staff": readiness.staff,
                "gap_last_year": round(national.gap[-1], 1), "waves": len(plan.waves), "planned": readiness.planned}


def run_plans() -> dict:
    done = subprocess.run([sys.executable, __file__, "--child"], capture_output=True, text=True, env=os.environ,
                          cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"the plans child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each measurement (median)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if args.child:
        print(json.dumps(child_plans()))
        return

    print(f"database: {os.environ['DATABASE_URL']}; load average {os.getloadavg()[0]:.1f}",
          flush=True)
    metrics, plans = [], []
    for _ in range(args.repeat):
        metrics.append(exports.run_child("aggregate"))
        plans.append(run_plans())
        print(f"  metrics {metrics[-1]['seconds']:.2f} s; forecast {plans[-1]['forecast_seconds']:.2f} s + plan "
              f"{plans[-1]['plan_seconds']:.2f} s = {plans[-1]['seconds']:.2f} s", flush=True)
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


if __name__ == "__main__":
    main()
