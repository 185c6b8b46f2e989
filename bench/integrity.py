"""Bench: a full integrity run over the synthetic national data set, and the per-submission run of one organization.

Needs PostgreSQL with the synthetic data of `flask --app wsgi survey demo --orgs 10000 --teachers 500000`
(about 500,000 responses) in a database of its own, e.g.:

    createdb bench_integrity
    export DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_integrity
    flask --app wsgi db upgrade && flask --app wsgi survey demo --orgs 10000 --teachers 500000
    python bench/integrity.py --repeat 3

It ANALYZEs the tables (fresh bulk loads have no statistics), gives every seven consecutive responses one network
key when none has any (so that rule G11 has work), closes the campaign for the runs (so that the rules that wait
for the close run too) and restores its status at the end. Each repetition deletes the campaign's flags, times a
first run (every flag new), then a re-run (every flag refreshed, none duplicated), then per-organization runs
as the questionnaire makes on submission. Prints medians and the ratio to the 60-second target.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from survey import create_app  # noqa: E402
from survey.codebook import CampaignStatus  # noqa: E402
from survey.extensions import db  # noqa: E402
from survey.integrity.services import run_checks  # noqa: E402
from survey.models import Campaign, Flag, Response  # noqa: E402

TARGET_SECONDS = 60.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--campaign", default=None, help="campaign code (default: the first campaign)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--single", type=int, default=20, help="single-organization runs per repetition")
    args = parser.parse_args()

    app = create_app()
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            sys.exit("Run this against PostgreSQL (DATABASE_URL=postgresql+psycopg://…/bench_integrity).")
        query = sa.select(Campaign).order_by(Campaign.id)
        if args.campaign:
            query = query.where(Campaign.code == args.campaign)
        campaign = db.session.scalar(query)
        if campaign is None:
            sys.exit("No campaign: load the synthetic data first.")
        responses = db.session.scalar(sa.select(sa.func.count()).select_from(Response).where(
            Response.campaign_id == campaign.id))
        if not db.session.scalar(sa.select(sa.func.count()).select_from(Response).where(
                Response.network_key.is_not(None))):
            db.session.execute(sa.text("UPDATE responses SET network_key = 'bench-' || (id / 7)"))
            db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
        status = campaign.status
        campaign.status = CampaignStatus.CLOSED
        db.session.commit()
        org_ids = list(db.session.scalars(sa.select(Response.organization_id).where(
            Response.campaign_id == campaign.id).distinct()))
        rng = random.Random(7)
        print(f"campaign {campaign.code}: {responses} responses, {len(org_ids)} organizations")

        first, rerun, single = [], [], []
        per_rule: dict[str, list[float]] = {}
        try:
            for repetition in range(1, args.repeat + 1):
                db.session.execute(sa.delete(Flag).where(Flag.campaign_id == campaign.id))
                db.session.commit()
                started = time.perf_counter()
                summary = run_checks(campaign)
                db.session.commit()
                first.append(time.perf_counter() - started)
                started = time.perf_counter()
                again = run_checks(campaign)
                db.session.commit()
                rerun.append(time.perf_counter() - started)
                assert (again.active, again.opened, again.closed) == (summary.active, 0, 0), "re-run changed flags"
                for result in summary.results:
                    per_rule.setdefault(result.code, []).append(result.seconds)
                for org_id in rng.sample(org_ids, args.single):
                    started = time.perf_counter()
                    run_checks(campaign, organization_ids=[org_id])
                    db.session.commit()
                    single.append(time.perf_counter() - started)
                print(f"run {repetition}: first {first[-1]:.1f} s, re-run {rerun[-1]:.1f} s, "
                      f"{summary.active} active flags (load average {os.getloadavg()[0]:.1f} on "
                      f"{os.cpu_count()} CPUs)")
        finally:
            campaign.status = status
            db.session.commit()

        print("\nper rule (first run, median s):")
        for code, values in per_rule.items():
            print(f"  {code:<4} {statistics.median(values):6.2f}")
        full = statistics.median(first)
        print(f"\nfull run, first (all flags new): median {full:.1f} s over {len(first)} "
              f"(ratio to the {TARGET_SECONDS:.0f} s target: {full / TARGET_SECONDS:.2f})")
        print(f"full run, re-run (idempotent):   median {statistics.median(rerun):.1f} s "
              f"(ratio {statistics.median(rerun) / TARGET_SECONDS:.2f})")
        print(f"one organization (on submission): median {statistics.median(single) * 1000:.0f} ms, "
              f"max {max(single) * 1000:.0f} ms over {len(single)}")
        print(f"active flags: {summary.active} of {responses} responses")


if __name__ == "__main__":
    main()
