"""Registry import benchmark: generate a registry of N organizations, import it, report time and peak memory.

Usage: .venv/bin/python bench/import_orgs.py [--orgs 10000] [--format xlsx|csv] [--runs 3] [--database-url URL]
Each run imports into a fresh database (SQLite file in a temp folder unless --database-url is given; a PostgreSQL
database given there has its public schema rebuilt). Peak memory is the process's maximum RSS (ru_maxrss), measured
in a child process per run so that runs do not inherit each other's peak. Target: < 20 s and < 300 MB for 10,000.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_registry(count: int, fmt: str, seed: int = 1) -> bytes:
    from survey.demo import ALMATY_DISTRICTS, REGIONS, make_bin

    rng = random.Random(seed)
    header = ["bin", "name_ru", "name_kk", "level", "org_type", "ownership", "region", "district", "kato",
              "languages", "address"]
    seen: set[str] = set()
    rows = []
    for number in range(1, count + 1):
        bin_ = make_bin(rng)
        while bin_ in seen:
            bin_ = make_bin(rng)
        seen.add(bin_)
        level = rng.choice(("preschool", "school", "college"))
        region = rng.choice(REGIONS)
        rows.append([bin_, f"Организация образования № {number}", f"№ {number} білім беру ұйымы", level,
                     {"preschool": "kindergarten", "school": "general_school", "college": "college"}[level],
                     rng.choice(("state", "private", "ppp")), region,
                     f"{rng.choice(ALMATY_DISTRICTS)} ({region})", f"{rng.randint(100000000, 999999999)}",
                     "kk;ru", f"ул. Абая, {number}"])
    if fmt == "csv":
        lines = [";".join(header)] + [";".join(map(str, row)) for row in rows]
        return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("organizations")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def one_run(path: str, database_url: str) -> dict:
    """Runs in a child process: migrate an empty database, import, commit; print JSON with time and memory."""
    from flask_migrate import upgrade

    from survey import create_app
    from survey.extensions import db
    from survey.registry.services import import_organizations

    app = create_app({"SECRET_KEY": "bench", "IIN_HASH_KEY": "bench", "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
        upgrade()
        data = Path(path).read_bytes()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        summary = import_organizations(data, path)
        db.session.commit()
        seconds = time.perf_counter() - start
        start = time.perf_counter()
        again = import_organizations(data, path)
        db.session.commit()
        seconds_again = time.perf_counter() - start
    return {"seconds": seconds, "reimport_seconds": seconds_again, "created": summary.created,
            "unchanged_on_reimport": again.unchanged, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "rss_before_mb": rss_before / 1024}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", type=int, default=10_000)
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_run(*args.child)))
        return

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"registry.{args.format}"
        path.write_bytes(make_registry(args.orgs, args.format))
        print(f"registry file: {args.orgs} organizations, {path.stat().st_size / 1e6:.1f} MB {args.format}")
        results = []
        for run in range(args.runs):
            url = args.database_url or f"sqlite:///{tmp}/run{run}.db"
            out = subprocess.run([sys.executable, __file__, "--child", str(path), url], check=True,
                                 capture_output=True, text=True, cwd=ROOT)
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(f"run {run + 1}: {results[-1]['seconds']:.2f} s, re-import {results[-1]['reimport_seconds']:.2f} s, "
                  f"peak RSS {results[-1]['peak_rss_mb']:.0f} MB, created {results[-1]['created']}, "
                  f"unchanged on re-import {results[-1]['unchanged_on_reimport']}")
        print(f"median import {statistics.median(r['seconds'] for r in results):.2f} s "
              f"(target < 20 s); median re-import {statistics.median(r['reimport_seconds'] for r in results):.2f} s; "
              f"max peak RSS {max(r['peak_rss_mb'] for r in results):.0f} MB (target < 300 MB)")


if __name__ == "__main__":
    main()
