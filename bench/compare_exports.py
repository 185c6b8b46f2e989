"""Does a change keep the raw export? One demo database, exported by two checkouts, compared cell by cell.

Loads the Almaty demo with the *base* checkout (its own migrations and code), copies the database for this checkout
(which applies its own migrations on the copy), then writes the raw responses export with each: codes (xlsx and the
CSV zip), labels in kk, ru and en, and the flat layout (xlsx and CSV). Every sheet but About (its time stamps differ)
is compared row by row; the Codebook sheet's differences are listed as rows added and removed. Exits 1 when a data
sheet (Responses, Subjects, Other jobs, the flat layout) differs.

    git worktree add --detach ../h15-base ab0b657        # the commit before the change
    (cd ../h15-base && ../h15/.venv/bin/pybabel compile -d survey/translations)
    .venv/bin/python bench/compare_exports.py --base ../h15-base
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = {  # name: export options
    "codes.xlsx": ["--headers", "codes", "--lang", "en"],
    "labels-kk.xlsx": ["--headers", "labels", "--lang", "kk"],
    "labels-ru.xlsx": ["--headers", "labels", "--lang", "ru"],
    "labels-en.xlsx": ["--headers", "labels", "--lang", "en"],
    "codes-csv.zip": ["--headers", "codes", "--format", "csv"],
    "labels-ru-csv.zip": ["--headers", "labels", "--lang", "ru", "--format", "csv"],
    "flat.xlsx": ["--layout", "flat"],
    "flat.csv": ["--layout", "flat", "--format", "csv"],
}
CODEBOOK_SHEETS = {"Codebook", "Кодтар анықтамалығы", "Справочник кодов", "codebook.csv"}


def flask(checkout: Path, database: Path, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "compare-exports",
           "IIN_HASH_KEY": "compare-exports", "SURVEY_ENV": "development"}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=checkout, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"flask {' '.join(args)} failed in {checkout}:\n{done.stderr}")


def sheets(path: Path) -> dict[str, list[tuple]]:
    """Each sheet (or CSV file) as its rows of values, About left out."""
    if path.suffix == ".xlsx":
        book = load_workbook(path, read_only=True)
        names = book.sheetnames[:-1] if len(book.sheetnames) > 1 else book.sheetnames  # the last one is About
        return {name: [tuple(row) for row in book[name].iter_rows(values_only=True)] for name in names}
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            return {name: list(map(tuple, csv.reader(io.TextIOWrapper(archive.open(name), encoding="utf-8-sig"))))
                    for name in archive.namelist()}
    return {"csv": list(map(tuple, csv.reader(path.open(encoding="utf-8-sig"))))}


def compare(name: str, before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> bool:
    """Print the differences; True when every data sheet is identical."""
    same = True
    if list(before) != list(after):
        print(f"{name}: sheets differ: {list(before)} → {list(after)}")
        same = False
    for sheet in before:
        old, new = before[sheet], after.get(sheet, [])
        if old == new:
            print(f"{name} / {sheet}: identical ({len(old)} rows, header included)")
            continue
        if sheet in CODEBOOK_SHEETS:
            added = [row for row in new if row not in old]
            removed = [row for row in old if row not in new]
            print(f"{name} / {sheet}: {len(added)} rows added, {len(removed)} removed (the dictionary, not data)")
            for row in added:
                print(f"    + {row}")
            for row in removed:
                print(f"    - {row}")
            continue
        same = False
        changed = [index for index, (a, b) in enumerate(zip(old, new)) if a != b]
        print(f"{name} / {sheet}: DIFFERENT: {len(old)} → {len(new)} rows, {len(changed)} rows changed")
        for index in changed[:5]:
            print(f"    row {index + 1}: {old[index]}\n        → {new[index]}")
    return same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", type=Path, required=True, help="a checkout of the commit before the change")
    parser.add_argument("--keep", type=Path, help="keep the databases and exports in this folder")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="compare-exports-"))
    work.mkdir(parents=True, exist_ok=True)
    base_db, branch_db = work / "base.db", work / "branch.db"
    for path in (base_db, branch_db):
        path.unlink(missing_ok=True)
    flask(args.base, base_db, "db", "upgrade")
    flask(args.base, base_db, "survey", "demo")
    shutil.copy(base_db, branch_db)
    flask(ROOT, branch_db, "db", "upgrade")
    with sqlite3.connect(base_db) as connection:
        code = connection.execute("SELECT code FROM campaigns ORDER BY id").fetchone()[0]
        count = connection.execute("SELECT count(*) FROM responses WHERE status = 'submitted'").fetchone()[0]
    print(f"demo campaign {code}: {count} submitted responses\n")
    same = True
    for name, options in VARIANTS.items():
        outputs = {}
        for side, checkout, database in (("base", args.base, base_db), ("branch", ROOT, branch_db)):
            outputs[side] = work / f"{side}-{name}"
            flask(checkout, database, "survey", "export", "responses", "--campaign", code, *options,
                  "--out", str(outputs[side]))
        same = compare(name, sheets(outputs["base"]), sheets(outputs["branch"])) and same
    print(f"\n{'every data sheet is identical' if same else 'DATA SHEETS DIFFER'} (files in {work})")
    if not args.keep and same:
        shutil.rmtree(work)
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
