"""Progress board server time on the national synthetic data set (10,000 organizations, 500,000 responses).

Usage:
  DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_accounts \\
      /work/main/.venv/bin/python bench/progress_board.py [--runs 20]
The database must hold `flask --app wsgi survey demo --orgs 10000 --teachers 500000`. The script adds (once) a
national administrator `bench-admin@example.kz` (no password), signs it in on a test client, and times GET of the
board at three grains: national (regions), one region (its districts), one district (its organizations); the first
call of each is a warm-up. It runs ANALYZE first (a fresh bulk load has no planner statistics). It also times the SQL of the national board alone (``progress_board``). Prints medians,
p90 and the ratio to the target. Target: national board median < 1 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_MS = 1000.0


def timed(call, runs: int) -> list[float]:
    call()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return sorted(times)


def report(name: str, times: list[float]) -> None:
    median = statistics.median(times)
    p90 = times[max(0, int(len(times) * 0.9) - 1)]
    print(f"{name:<44} median {median:7.1f} ms  p90 {p90:7.1f} ms  min {times[0]:7.1f} ms  "
          f"median/target {median / TARGET_MS:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("set DATABASE_URL to the database with the synthetic data set")

    import sqlalchemy as sa
    from flask_login.utils import _create_identifier

    from survey import create_app
    from survey.extensions import db
    from survey.models import Campaign, District, Organization, Response, RosterEntry, User
    from survey.staffing.progress import progress_board

    app = create_app()
    with app.app_context():
        # A bulk load leaves PostgreSQL without statistics until autovacuum gets to it; production has them.
        db.session.execute(sa.text("ANALYZE organizations, districts, regions, responses, roster_entries"))
        db.session.commit()
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.status == "open").order_by(Campaign.id))
        if campaign is None:
            sys.exit("no open campaign: load the synthetic data set first")
        user = db.session.scalar(sa.select(User).where(User.email == "bench-admin@example.kz"))
        if user is None:
            user = User(email="bench-admin@example.kz", role="national_admin")
            db.session.add(user)
            db.session.commit()
        counts = {
            "organizations": db.session.scalar(sa.select(sa.func.count(Organization.id))),
            "responses": db.session.scalar(sa.select(sa.func.count(Response.id))),
            "roster entries": db.session.scalar(sa.select(sa.func.count(RosterEntry.id))),
        }
        district = db.session.scalar(
            sa.select(District).join(Organization, Organization.district_id == District.id)
            .group_by(District.id).order_by(sa.func.count(Organization.id).desc(), District.id).limit(1))
        district_id, region_id, user_id, campaign_id = district.id, district.region_id, user.id, campaign.id
        in_district = db.session.scalar(sa.select(sa.func.count(Organization.id))
                                        .where(Organization.district_id == district_id))
        sql_times = timed(lambda: (progress_board(user, campaign), db.session.rollback()), args.runs)
        board = progress_board(user, campaign)
        db.session.remove()

    print(f"{os.environ['DATABASE_URL'].rsplit('/', 1)[-1]}: "
          + ", ".join(f"{n:,} {k}" for k, n in counts.items()) + f"; campaign {campaign_id}; {args.runs} runs each")
    print(f"national board: {len(board.rows)} regions, {board.total.responses:,} submitted responses, "
          f"{board.silent_count} organizations without a response")
    client = app.test_client()
    with app.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session.update({"_user_id": str(user_id), "_fresh": True, "_id": identifier, "lang": "ru"})

    def get(url: str):
        def call():
            answer = client.get(url)
            assert answer.status_code == 200, (url, answer.status_code)
        return call

    report("progress_board() SQL, national", sql_times)
    report("GET /admin/progress (national: regions)", timed(get("/admin/progress"), args.runs))
    report("GET ?region= (its districts)", timed(get(f"/admin/progress?region={region_id}"), args.runs))
    report(f"GET ?district= ({in_district} organizations)",
           timed(get(f"/admin/progress?district={district_id}"), args.runs))
    report("GET national, level=school & ownership=state",
           timed(get("/admin/progress?level=school&ownership=state"), args.runs))


if __name__ == "__main__":
    main()
