"""Median server time of one questionnaire step's POST on SQLite (target: under 50 ms).

Builds a fresh SQLite database from the migrations, with 200 organizations and 2,000 submitted responses around the
one being measured, starts a response through the pages, then saves step 1 (employment, with three subject rows: the
heaviest step) and step 3 (education) repeatedly, alternating two sets of answers so that every save writes. Times are
measured around the WSGI call in-process, so they are server time without network; each save is answered with the next
step's page, whose rendering is included.

    /work/main/.venv/bin/python bench/questionnaire_step.py [--repeat 200]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from survey import create_app  # noqa: E402
from survey.campaigns.services import ensure_access_links  # noqa: E402
from survey.demo import make_bin, make_iin  # noqa: E402
from survey.extensions import db  # noqa: E402
from survey.models import AccessLink, Campaign, District, Organization, Region, Response  # noqa: E402

STEP_1 = {
    "post": "teacher", "basis": "main", "contract": "permanent", "start_date": "2010-09-01", "rate": "1.25",
    "teaching_hours": "20", "languages": ["kk", "ru"],
    "subjects-0-subject": "mathematics", "subjects-0-hours": "12", "subjects-0-language": "kk",
    "subjects-1-subject": "algebra", "subjects-1-hours": "5", "subjects-1-language": "ru",
    "subjects-2-subject": "geometry", "subjects-2-hours": "3", "subjects-2-language": "ru",
}
STEP_3 = {
    "education_level": "bachelor", "ped_education": "ped_higher", "specialty": "Математика",
    "graduation_year": "2007", "category": "expert", "category_year": "2022", "experience_total": "16",
    "experience_org": "10",
}


def build(path: Path):
    app = create_app({"SECRET_KEY": "bench", "IIN_HASH_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                      "RATELIMIT_ENABLED": False, "BABEL_DEFAULT_LOCALE": "ru"})
    rng = random.Random(7)
    with app.app_context():
        upgrade()
        district = District(region=Region(name="Алматы"), name="Бостандыкский")
        orgs = [Organization(bin=make_bin(rng), level="school", ownership="state", district=district,
                             name_ru=f"Школа {n}") for n in range(200)]
        db.session.add_all(orgs)
        campaign = Campaign(code="BENCH", title_kk="Сауалнама", title_ru="Анкетирование",
                            census_date=dt.date(2026, 11, 1), status="open")
        db.session.add(campaign)
        db.session.flush()
        ensure_access_links(campaign)
        for n in range(2000):
            db.session.add(Response(
                campaign_id=campaign.id, organization_id=orgs[n % 200].id, person_key=f"{n:064x}",
                birth_date=dt.date(1980, 1, 1), sex="f", status="draft", last_name="Иванова", first_name="Анна",
                consent=True, post="teacher", basis="main", rate=1, teaching_hours=18))
        db.session.commit()
        token = db.session.scalar(sa.select(AccessLink.token).where(AccessLink.organization_id == orgs[0].id))
    return app, token, rng


def csrf(page) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app, token, rng = build(Path(folder) / "bench.db")
        client = app.test_client()
        client.get("/lang/ru")
        page = client.get(f"/q/{token}/start")
        identity = {"csrf_token": csrf(page), "iin": make_iin(dt.date(1985, 3, 14), "f", rng), "last_name": "Ким",
                    "first_name": "Анна", "consent": "y", "nonce": "bench", "confirmed": "yes"}
        started = client.post(f"/q/{token}/start", data=identity)  # answered with the personal code page
        assert started.status_code == 200 and 'class="personal-code"' in started.get_data(as_text=True)
        token_csrf = csrf(client.get(f"/q/{token}/step/1"))

        results = {}
        for number, answers, field, values in ((1, STEP_1, "rate", ("1.25", "1.5")),
                                               (3, STEP_3, "experience_org", ("10", "11"))):
            if number == 3:
                client.post(f"/q/{token}/step/2", data={"csrf_token": token_csrf, "action": "next"})
            times = []
            for i in range(args.repeat):
                data = {**answers, field: values[i % 2], "csrf_token": token_csrf, "action": "next"}
                started = time.perf_counter()
                reply = client.post(f"/q/{token}/step/{number}", data=data)
                times.append((time.perf_counter() - started) * 1000)
                # a saved step is answered with the next step's page (see questionnaire.steps._following_page)
                assert reply.status_code == 200 and f'data-page-url="/q/{token}/step/{number + 1}"' in reply.get_data(
                    as_text=True), reply.get_data(as_text=True)[:2000]
            results[number] = times
        for number, times in results.items():
            times.sort()
            median = statistics.median(times)
            p90 = times[int(len(times) * 0.9)]
            print(f"step {number} POST: median {median:.1f} ms, p90 {p90:.1f} ms over {len(times)} saves "
                  f"(target 50 ms: {median / 50:.2f} of the budget)")


if __name__ == "__main__":
    main()
