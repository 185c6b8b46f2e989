"""Director dashboard server time for an organization of 300 staff inside the national synthetic data set.

Usage:
  DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_main .venv/bin/python bench/director_dashboard.py
The database must hold `flask --app wsgi survey demo --orgs 10000 --teachers 500000`. The script adds (once) a
school of 300 staff with a roster and a report, signs its director in on a test client, and times GET of the
dashboard N times (first call excluded: warm-up). Prints the median and p90. Target: median < 200 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("set DATABASE_URL to the database with the synthetic data set")

    import sqlalchemy as sa
    from flask_login.utils import _create_identifier

    from survey import create_app
    from survey.demo import Loader, OrgPlan, generator, make_bin, reset_sequences
    from survey.extensions import db
    from survey.models import Campaign, District, Organization, Response, User

    app = create_app()
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.status == "open").order_by(Campaign.id))
        org = db.session.scalar(sa.select(Organization).where(Organization.name_ru == "Бенчмарк: школа на 300"))
        if org is None:
            import random

            district = db.session.scalar(sa.select(District).order_by(District.id))
            org = Organization(bin=make_bin(random.Random(300)), name_ru="Бенчмарк: школа на 300", level="school",
                               ownership="state", district=district)
            db.session.add(org)
            db.session.flush()
            loader = Loader(generator(300, campaign.census_date), campaign)
            loader.add_organization(OrgPlan(org.id, org.bin, "school", 300), [], answered_share=0.97)
            loader.flush(force=True)
            reset_sequences()
            db.session.add(User(email="bench-director@example.kz", role="director", organization_id=org.id))
            db.session.commit()
        staff = db.session.scalar(sa.select(sa.func.count()).select_from(Response).where(
            Response.organization_id == org.id, Response.campaign_id == campaign.id))
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Response))
        user = db.session.scalar(sa.select(User).where(User.email == "bench-director@example.kz"))
        user_id, code = user.id, campaign.code
        db.session.remove()

    client = app.test_client()
    with app.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()  # session protection compares it with the client's
    with client.session_transaction() as session:
        session.update({"_user_id": str(user_id), "_fresh": True, "_id": identifier, "lang": "ru"})
    url = f"/director/{code}/"
    assert client.get(url).status_code == 200
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    times.sort()
    print(f"{db_name()}: organization of {staff} responses among {total:,} in all; GET {url} × {args.runs}")
    print(f"median {statistics.median(times):.1f} ms, p90 {times[int(len(times) * 0.9) - 1]:.1f} ms, "
          f"min {times[0]:.1f} ms (target: median < 200 ms)")


def db_name() -> str:
    url = os.environ["DATABASE_URL"]
    return url.split("://")[0] + " " + url.rsplit("/", 1)[-1]


if __name__ == "__main__":
    main()
