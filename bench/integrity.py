"""Bench: a full integrity run over the synthetic national data set, and the per-submission run of one organization.

Needs PostgreSQL with the synthetic data of `flask --app wsgi survey demo --orgs 10000 --teachers 500000`
(about 500,000 responses) in a database of its own, e.g.:

    createdb bench_integrity
    export DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_integrity
    flask --app wsgi db upgrade && flask --app wsgi survey demo --orgs 10000 --teachers 500000
    python bench/integrity.py --repeat 3

It ANALYZEs the tables (fresh bulk loads have no statistics), gives every seven consecutive responses one network
key when most have none (so that rule G11 has work), closes the campaign for the runs (so that the rules that wait
for the close run too) and restores its status at the end. Each repetition deletes the campaign's flags, times a
first run (every flag new), then a re-run (every flag refreshed, none duplicated), then per-organization runs
as the questionnaire makes on submission. Prints medians and the ratio to the 60-second target, and the CPU seconds that the run used in this
process and in its PostgreSQL backend (read from /proc; on a shared machine, wall time includes waiting for CPU).
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
from survey.integrity.services import SUBMISSION_RULES, run_checks  # noqa: E402
from survey.models import Campaign, Flag, Response  # noqa: E402

TARGET_SECONDS = 60.0


def backends_cpu_seconds() -> dict[int, float]:
    """CPU seconds used so far by each PostgreSQL backend connected to this database (same machine only)."""
    used = {}
    for pid in db.session.scalars(sa.text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()")):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


def timed_run(campaign, **kwargs):
    """Run the checks and commit; wall seconds and CPU seconds (this process + the database's backends)."""
    db_before = backends_cpu_seconds()
    cpu_before, started = time.process_time(), time.perf_counter()
    summary = run_checks(campaign, **kwargs)
    db.session.commit()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_before
    db_after = backends_cpu_seconds()
    cpu += sum(used - db_before.get(pid, 0.0) for pid, used in db_after.items())
    return summary, wall, cpu


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
        if db.session.scalar(sa.select(sa.func.count()).select_from(Response).where(
                Response.network_key.is_(None))) > responses / 2:  # the demo's answers were typed in, but for a few
            db.session.execute(sa.text("UPDATE responses SET network_key = 'bench-' || (id / 7) "
                                       "WHERE network_key IS NULL"))
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

        first, rerun, single, single_person, first_cpu, rerun_cpu = [], [], [], [], [], []
        per_rule: dict[str, list[float]] = {}
        try:
            for repetition in range(1, args.repeat + 1):
                db.session.execute(sa.delete(Flag).where(Flag.campaign_id == campaign.id))
                db.session.commit()
                summary, wall, cpu = timed_run(campaign)
                first.append(wall)
                first_cpu.append(cpu)
                again, wall, cpu = timed_run(campaign)
                rerun.append(wall)
                rerun_cpu.append(cpu)
                assert (again.active, again.opened, again.closed) == (summary.active, 0, 0), "re-run changed flags"
                for result in summary.results:
                    per_rule.setdefault(result.code, []).append(result.seconds)
                for org_id in rng.sample(org_ids, args.single):
                    single.append(timed_run(campaign, organization_ids=[org_id])[1])
                    single_person.append(timed_run(campaign, organization_ids=[org_id], rules=SUBMISSION_RULES)[1])
                print(f"run {repetition}: first {first[-1]:.1f} s (CPU {first_cpu[-1]:.1f} s), "
                      f"re-run {rerun[-1]:.1f} s (CPU {rerun_cpu[-1]:.1f} s), "
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
        print(f"CPU seconds (app + database backend), median: first {statistics.median(first_cpu):.1f} s, "
              f"re-run {statistics.median(rerun_cpu):.1f} s — wall time minus waiting for a busy machine's CPUs")
        print(f"one organization, every rule: median {statistics.median(single) * 1000:.0f} ms, "
              f"max {max(single) * 1000:.0f} ms over {len(single)}")
        print(f"one organization, person rules (SUBMISSION_RULES): median "
              f"{statistics.median(single_person) * 1000:.0f} ms, max {max(single_person) * 1000:.0f} ms")
        print(f"active flags: {summary.active} of {responses} responses")


if __name__ == "__main__":
    main()
