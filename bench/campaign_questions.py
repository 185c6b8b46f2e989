"""The campaign questions' aggregates (issue 17) against the staffing metrics, on one database, in one run.

Usage (from the project root, on a database loaded with `flask --app wsgi survey demo --orgs N --teachers M`):
  DATABASE_URL=postgresql+psycopg://… .venv/bin/python bench/campaign_questions.py [--questions 10] [--repeat 3]

In one transaction that is rolled back at the end (the database is left as it was): the open campaign gets
``--questions`` questions of its own (bench/load_flows.extra_questions_form, uploaded as the console does) and
every submitted response random answers to them; then, ``--repeat`` times each, the national per-organization
figures (one GROUP BY), the national medians and the medians per organization, beside ``org_metrics`` of all
organizations (the staffing profile's own aggregation) for scale. Prints the best time of each.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def answers_for(count: int, rng: random.Random) -> dict:
    """Answers to the questions of ``extra_questions_form(count)``, in their JSON form."""
    values = {0: lambda: rng.choice(["low", "mid", "high"]), 1: lambda: sorted(rng.sample("abc", rng.randint(0, 3))),
              2: lambda: rng.randint(0, 100), 3: lambda: str(rng.randint(0, 400) / 4), 4: lambda: "ok"}
    return {f"q{number + 1}": values[number % 5]() for number in range(count)}


def best(repeat: int, run) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import sqlalchemy as sa
    from load_flows import ask_extra_questions

    from survey import create_app
    from survey.codebook import ResponseStatus
    from survey.extensions import db
    from survey.models import Campaign, Response
    from survey.staffing import campaign_questions as cq
    from survey.staffing.metrics import org_metrics

    app = create_app()
    with app.app_context():
        try:
            campaign = db.session.scalar(sa.select(Campaign).where(Campaign.status == "open").order_by(Campaign.id))
            ask_extra_questions(campaign, args.questions)
            rng = random.Random(17)
            ids = db.session.scalars(sa.select(Response.id).where(
                Response.campaign_id == campaign.id, Response.status == ResponseStatus.SUBMITTED)).all()
            db.session.execute(sa.text("UPDATE responses SET answers = CAST(:a AS JSON) WHERE id = :i"),
                               [{"i": i, "a": json.dumps(answers_for(args.questions, rng))} for i in ids])
            questions = cq.extra_questions(campaign)
            print(f"{campaign.code}: {len(ids)} submitted responses, {len(questions)} campaign questions "
                  f"({db.engine.dialect.name})")
            for label, run in [
                ("per organization (one GROUP BY)", lambda: cq.org_figures(campaign, questions)),
                ("medians, national", lambda: cq.medians(campaign, questions, None, "national")),
                ("medians per organization", lambda: cq.medians(campaign, questions, None, "organization")),
                ("staffing metrics per organization (org_metrics)", lambda: org_metrics(campaign, None)),
            ]:
                seconds, result = best(args.repeat, run)
                print(f"  {label:<50}{seconds:>7.2f} s  ({len(result)} groups)", flush=True)
        finally:
            db.session.rollback()


if __name__ == "__main__":
    main()
