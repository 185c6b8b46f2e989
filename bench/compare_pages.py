"""Do the teacher's pages keep their markup? The same questionnaire answered through two checkouts, page by page.

Each checkout answers one questionnaire on its own copy of a demo database, in kk, ru and en, through the test
client: the identity page (with a wrong IIN, then right), every step as a new page, with errors, with a row added,
and saved, the review page and the names page. The pages are compared after CSRF tokens and nonces are blanked;
differences are printed as unified diffs. Exits 1 when a page differs.

    .venv/bin/python bench/compare_pages.py --base ../h15-base --database /tmp/demo.db
    (the database: the demo loaded by the base checkout, e.g. the base.db that compare_exports.py --keep leaves)
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IIN = {"kk": "900515400123", "ru": "800203394584", "en": "750709407300"}
BLANKED = [(re.compile(r'(name="(?:csrf_token|nonce)"[^>]*value=")[^"]*'), r"\1…"),
           (re.compile(r'(value=")[^"]*("[^>]*name="(?:csrf_token|nonce)")'), r"\1…\2")]
STEPS = {
    1: {"post": "teacher", "basis": "main", "contract": "permanent", "start_date": "2010-09-01", "rate": "1.25",
        "teaching_hours": "20", "languages": ["kk", "ru"], "subjects-0-subject": "mathematics",
        "subjects-0-hours": "12", "subjects-0-language": "kk", "subjects-1-subject": "algebra",
        "subjects-1-hours": "8", "subjects-1-language": "ru"},
    2: {"other_jobs-0-org_bin": "", "other_jobs-0-org_name": "Колледж", "other_jobs-0-basis": "hourly",
        "other_jobs-0-hours": "4"},
    3: {"education_level": "bachelor", "ped_education": "ped_higher", "specialty": "Математика",
        "graduation_year": "2007", "category": "expert", "category_year": "2022", "experience_total": "16",
        "experience_org": "10"},
    4: {"pd_hours_3y": "120", "total_hours_week": "36", "ai_use": "true", "ai_purposes": ["lesson_planning"],
        "ai_training": "short", "ai_training_wanted": "false", "satisfaction": "3", "plans": "stay"},
}
ERRORS = {
    1: {"rate": "1.3", "teaching_hours": "25", "contract": ""},
    2: {"other_jobs-0-org_bin": "123", "other_jobs-0-hours": "50"},
    3: {"category_year": "", "experience_org": "20", "experience_total": "12.25"},
    4: {"total_hours_week": "10", "ai_use": "false", "satisfaction": "5"},
}


def child(database: str, out: str) -> None:
    """Runs inside a checkout: answer a questionnaire and write every page."""
    sys.path.insert(0, os.getcwd())
    import sqlalchemy as sa

    from survey import create_app
    from survey.extensions import db
    from survey.models import AccessLink

    app = create_app({"TESTING": True, "SECRET_KEY": "pages", "IIN_HASH_KEY": "compare-exports",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "RATELIMIT_ENABLED": False,
                      "INTEGRITY_ON_SUBMIT": "sync"})
    pages: dict[str, str] = {}
    with app.app_context():
        token = db.session.scalar(sa.select(AccessLink.token).order_by(AccessLink.id))
    for lang, iin in IIN.items():
        client = app.test_client()
        client.get(f"/lang/{lang}")
        base = f"/q/{token}"

        def keep(name: str, reply) -> str:
            text = reply.get_data(as_text=True)
            pages[f"{lang} {name} ({reply.status_code})"] = text
            return text

        def token_of(text: str) -> str:
            return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', text).group(1)

        page = keep("identity", client.get(f"{base}/start"))
        nonce = re.search(r'name="nonce" type="hidden" value="([^"]+)"', page).group(1)
        form = {"csrf_token": token_of(page), "nonce": nonce, "last_name": "Сейітова", "first_name": "Әйгерім",
                "middle_name": "", "consent": "y"}
        keep("identity, wrong IIN", client.post(f"{base}/start", data={**form, "iin": iin[:11] + "9"}))
        keep("confirmation", client.post(f"{base}/start", data={**form, "iin": iin}))
        started = client.post(f"{base}/start", data={**form, "iin": iin, "confirmed": "yes"})  # shows a new code
        if started.status_code != 200:
            sys.exit(f"{lang}: the questionnaire did not start (HTTP {started.status_code})")
        for number in range(1, 5):
            reply = client.get(f"{base}/step/{number}")
            page = keep(f"step {number}", reply)
            if reply.status_code != 200:
                sys.exit(f"{lang}: step {number}: HTTP {reply.status_code} {reply.headers.get('Location')}")
            url = f"{base}/step/{number}"
            keep(f"step {number} with errors", client.post(url, data={
                **STEPS[number], **ERRORS[number], "action": "next", "csrf_token": token_of(page)}))
            if number in (1, 2):
                keep(f"step {number} with a row added", client.post(url, data={
                    **STEPS[number], "action": "add_subject" if number == 1 else "add_job",
                    "csrf_token": token_of(page)}))
            keep(f"after step {number}", client.post(url, data={**STEPS[number], "action": "next",
                                                                 "csrf_token": token_of(page)}))
        keep("review", client.get(f"{base}/review"))
        keep("names", client.get(f"{base}/about"))
    Path(out).write_text(json.dumps(pages, ensure_ascii=False))


def blank(text: str) -> str:
    for pattern, replacement in BLANKED:
        text = pattern.sub(replacement, text)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", type=Path, help="a checkout of the commit before the change")
    parser.add_argument("--database", type=Path, help="a demo database (SQLite) at the base's migrations")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    work = Path(tempfile.mkdtemp(prefix="compare-pages-"))
    results = {}
    for side, checkout in (("base", args.base.resolve()), ("branch", ROOT)):
        database = work / f"{side}.db"
        shutil.copy(args.database, database)
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "pages",
               "IIN_HASH_KEY": "compare-exports"}
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=checkout, env=env,
                       check=True, capture_output=True)
        subprocess.run([sys.executable, str(ROOT / "bench" / "compare_pages.py"), "--child", str(database),
                        str(work / f"{side}.json")], cwd=checkout, env=env, check=True)
        results[side] = json.loads((work / f"{side}.json").read_text())
    same = list(results["base"]) == list(results["branch"])
    for name, before in results["base"].items():
        after = results["branch"].get(name, "")
        if blank(before) == blank(after):
            print(f"identical: {name}")
            continue
        same = False
        print(f"DIFFERENT: {name}")
        diff = difflib.unified_diff(blank(before).splitlines(), blank(after).splitlines(), "base", "branch",
                                    lineterm="", n=0)
        print("\n".join(line[:400] for line in diff))
    shutil.rmtree(work)
    print("every page is identical" if same else "pages differ")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
