"""Server cost of one whole teacher questionnaire, request by request, in-process (no network, no load generator).

The load benchmark (bench/load.py) says how many steps per second the machine serves; this says where each
request's time goes, so that a change to the questionnaire can be judged on a quiet or a noisy machine alike. It
runs the same requests as bench/load.py's questionnaire flow (identity, confirmation answered with the personal
code page, step 1's page, four steps each answered with the next page, submit), for new people at one organization
of the benchmark database, and prints for each request the median wall time, the median CPU time of this process
(the app's own Python, without PostgreSQL's) and the number of SQL statements.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_proof \\
        .venv/bin/python bench/questionnaire_flow.py [--people 30] [--rounds 3] [--extra-questions N]

With ``--extra-questions N`` the campaign asks N questions of its own (issue 17; as bench/load.py's flow: five to a
page after the core steps, each page one more step), put back as they were at the end; without it, none.

Each round answers --people questionnaires; the figures are those of the round with the lowest total CPU time
(the least disturbed by other work on a shared machine). Integrity checks run in the background, as in production.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402
from load import high_water_marks, questions_versions, restore_questions_versions, undo_rows  # noqa: E402
from load_flows import NONCE_RE, STEP_ANSWERS, ask_extra_questions, csrf_token  # noqa: E402

from survey import create_app  # noqa: E402
from survey.campaigns.services import ensure_access_links  # noqa: E402
from survey.demo import make_iin  # noqa: E402
from survey.extensions import db  # noqa: E402
from survey.models import AccessLink, Campaign, Organization  # noqa: E402


class Recorder:
    def __init__(self, app, engine):
        self.app, self.statements = app, 0
        sa.event.listen(engine, "before_cursor_execute", self._count)
        self.rows: dict[str, list[tuple[float, float, int]]] = {}

    def _count(self, *args) -> None:
        self.statements += 1

    def __call__(self, client, name, method, url, data=None, expect=200):
        self.statements = 0
        wall, cpu = time.perf_counter(), time.process_time()
        reply = client.open(url, method=method, data=data)
        cost = ((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000, self.statements)
        if reply.status_code != expect:
            raise SystemExit(f"{name}: HTTP {reply.status_code}, expected {expect}\n{reply.get_data(as_text=True)[:800]}")
        self.rows.setdefault(name, []).append(cost)
        return reply.get_data(as_text=True)


def questionnaire(record, client, token: str, iin: str, extra_pages: list[dict]) -> None:
    base = f"/q/{token}"
    page = record(client, "identity page", "GET", f"{base}/start")
    form = {"csrf_token": csrf_token(page), "nonce": NONCE_RE.search(page).group(1), "iin": iin,
            "last_name": "Сейітова", "first_name": "Әйгерім", "middle_name": "", "consent": "y"}
    record(client, "identity", "POST", f"{base}/start", form)
    record(client, "confirmation", "POST", f"{base}/start", {**form, "confirmed": "yes"})  # → the code page
    page = record(client, "step 1 page", "GET", f"{base}/step/1")
    answers = [STEP_ANSWERS[number] for number in range(1, 5)] + extra_pages
    for number, values in enumerate(answers, start=1):  # each saved step answers with the next page (the review
        page = record(client, f"step {number}", "POST", f"{base}/step/{number}",  # after the last)
                      {**values, "action": "next", "csrf_token": csrf_token(page)})
    record(client, "submit", "POST", f"{base}/review", {"csrf_token": csrf_token(page)}, expect=302)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--extra-questions", type=int, default=0, help="the campaign asks this many of its own")
    args = parser.parse_args()
    app = create_app()
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        sys.exit("give DATABASE_URL of the load benchmark's PostgreSQL database (see bench/load.py)")
    app.config.update(RATELIMIT_ENABLED=False, INTEGRITY_ON_SUBMIT="background")
    rng = random.Random()
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.status == "open").order_by(Campaign.id))
        if campaign is None:
            sys.exit("the database has no open campaign: load it with bench/load.py first")
        ensure_access_links(campaign)
        db.session.commit()
        versions, marks = questions_versions(app), high_water_marks(app)  # put back as they were at the end
        extra_pages = ask_extra_questions(campaign, args.extra_questions)
        db.session.commit()
        token = db.session.scalar(
            sa.select(AccessLink.token).join(Organization, AccessLink.organization_id == Organization.id)
            .where(AccessLink.campaign_id == campaign.id, Organization.level == "school").order_by(AccessLink.id))
        engine = db.engine

    def person() -> str:
        birth = dt.date(1980, 1, 1) + dt.timedelta(days=rng.randint(0, 3000))
        return make_iin(birth, rng.choice("mf"), rng)

    record = Recorder(app, engine)
    try:  # the questionnaires answered here are deleted again at the end
        for _ in range(3):  # warm-up: compiled statements, templates, connections
            questionnaire(record, app.test_client(), token, person(), extra_pages)
        best = None
        for _ in range(args.rounds):
            record.rows = {}
            for _ in range(args.people):
                questionnaire(record, app.test_client(), token, person(), extra_pages)
            total_cpu = sum(cost[1] for costs in record.rows.values() for cost in costs)
            if best is None or total_cpu < best[0]:
                best = (total_cpu, record.rows)
    finally:
        restore_questions_versions(app, versions)
        undo_rows(app, marks)
    rows = best[1]
    print(f"{'request':22} {'wall ms':>8} {'cpu ms':>8} {'SQL':>5}")
    wall_sum = cpu_sum = sql_sum = 0.0
    for name, costs in rows.items():
        wall, cpu, sql = (statistics.median(cost[i] for cost in costs) for i in range(3))
        wall_sum, cpu_sum, sql_sum = wall_sum + wall, cpu_sum + cpu, sql_sum + sql
        print(f"{name:22} {wall:8.1f} {cpu:8.1f} {sql:5.0f}")
    steps = 6 + len(extra_pages)  # the confirmation, each page's save, the submit
    print(f"{'one questionnaire':22} {wall_sum:8.1f} {cpu_sum:8.1f} {sql_sum:5.0f}   "
          f"({steps} steps: {cpu_sum / steps:.1f} ms CPU per step; best of {args.rounds} rounds of {args.people}; "
          f"{args.extra_questions} campaign questions)")


if __name__ == "__main__":
    main()
