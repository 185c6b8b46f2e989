"""Benchmark of the staffing metrics and the exports (issue 6) on the synthetic national data, on PostgreSQL.

Load the data once into a database of your own, then run the script:

    createdb -h 127.0.0.1 -U postgres bench_excel
    export DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_excel
    flask --app wsgi db upgrade && flask --app wsgi survey demo --orgs 10000 --teachers 500000
    psql -h 127.0.0.1 -U postgres bench_excel -c "VACUUM ANALYZE"
    python bench/exports.py [--repeat 3] [--raw-repeat 1] [--skip-raw]

Each measurement runs in a fresh child process, so its peak RSS is its own. Targets (issue 6):
aggregation of all organizations < 5 s; one organization's workbook < 0.3 s; a district workbook < 10 s
(measured on a district and on a ~500-organization region); raw national export peak RSS < 300 MB and at least
75 % of the throughput of a bare openpyxl write-only loop (lxml) writing the same rows in the same run.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_excel"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _app():
    from survey import create_app

    return create_app()


def _campaign():
    import sqlalchemy as sa

    from survey.extensions import db
    from survey.models import Campaign

    return db.session.scalar(sa.select(Campaign).order_by(Campaign.id))


def child_aggregate(_args) -> dict:
    from survey.staffing import org_metrics, total

    with _app().app_context():
        campaign = _campaign()
        start = time.perf_counter()
        metrics = org_metrics(campaign)
        seconds = time.perf_counter() - start
        national = total(metrics.values())
        return {"seconds": seconds, "organizations": len(metrics), "headcount": national.headcount,
                "peak_mb": _peak_mb()}


def _selection(kind: str):
    import sqlalchemy as sa

    from survey.extensions import db
    from survey.models import District, Organization, Region
    from survey.reports.services import select_organizations

    if kind == "org":
        bins = db.session.scalars(sa.select(Organization.bin).order_by(Organization.id)).all()
        return [select_organizations(None, org_bin=bins[i * len(bins) // 20]) for i in range(20)]
    if kind == "district":
        counts = sa.select(Organization.district_id, sa.func.count().label("n")).group_by(
            Organization.district_id).order_by(sa.desc("n"), Organization.district_id).limit(1)
        district_id = db.session.execute(counts).first()[0]
        return [select_organizations(None, district=str(district_id))]
    region = db.session.execute(
        sa.select(Region.id, sa.func.count(Organization.id).label("n")).join(District, District.region_id == Region.id)
        .join(Organization, Organization.district_id == District.id).group_by(Region.id)
        .order_by(sa.desc("n")).limit(1)).first()[0]
    return [select_organizations(None, region=str(region))]


def child_profiles(args) -> dict:
    import sqlalchemy as sa

    from survey.extensions import db
    from survey.reports.services import export_profiles
    from survey.reports.profiles import ExportContext

    with _app().app_context():
        campaign = _campaign()
        times, sizes, orgs = [], [], 0
        for selection in _selection(args.kind):
            orgs = db.session.scalar(sa.select(sa.func.count()).select_from(selection.organization_ids.subquery()))
            buffer = io.BytesIO()
            start = time.perf_counter()
            export_profiles(ExportContext(campaign, lang="ru"), selection, buffer)
            times.append(time.perf_counter() - start)
            sizes.append(len(buffer.getvalue()))
            db.session.rollback()
        return {"seconds": statistics.median(times), "runs": len(times), "organizations": orgs,
                "bytes": int(statistics.median(sizes)), "peak_mb": _peak_mb()}


def child_raw(args) -> dict:
    from survey.reports.services import export_responses, select_organizations
    from survey.reports.profiles import ExportContext

    with _app().app_context():
        campaign = _campaign()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "raw.xlsx"
            start = time.perf_counter()
            rows = export_responses(ExportContext(campaign, lang="ru", headers="codes"), select_organizations(None),
                                    path)
            seconds = time.perf_counter() - start
            size = path.stat().st_size
        return {"seconds": seconds, "responses": rows, "bytes": size, "peak_mb": _peak_mb()}


def child_bare(args) -> dict:
    """The same rows (responses, subjects, other jobs), streamed from one server-side cursor per sheet and
    appended as they come to openpyxl write-only sheets: no labels, no safety checks, no batching. (Only the
    submission time is turned into text, by the database: openpyxl refuses time-zone-aware datetimes.)"""
    import sqlalchemy as sa
    from openpyxl import Workbook

    from survey.codebook import ResponseStatus
    from survey.extensions import db
    from survey.models import Organization, Response, ResponseOtherJob, ResponseSubject
    from survey.reports import rows

    with _app().app_context():
        campaign = _campaign()
        where = [Response.campaign_id == campaign.id, Response.status == ResponseStatus.SUBMITTED]
        queries = [
            sa.select(*(sa.cast(Response.submitted_at, sa.String) if code == "submitted_at" else rows._column(code)
                        for code in rows.RESPONSE_FIELDS))
            .join(Organization, Response.organization_id == Organization.id).where(*where).order_by(Response.id),
            sa.select(*(getattr(ResponseSubject, c) for c in rows.SUBJECT_FIELDS))
            .join(Response, ResponseSubject.response_id == Response.id).where(*where).order_by(ResponseSubject.id),
            sa.select(*(getattr(ResponseOtherJob, c) for c in rows.OTHER_JOB_FIELDS))
            .join(Response, ResponseOtherJob.response_id == Response.id).where(*where).order_by(ResponseOtherJob.id),
        ]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "bare.xlsx"
            start = time.perf_counter()
            book = Workbook(write_only=True)
            count = 0
            for query, fields in zip(queries, (rows.RESPONSE_FIELDS, rows.SUBJECT_FIELDS, rows.OTHER_JOB_FIELDS)):
                sheet = book.create_sheet()
                sheet.append(list(fields))
                result = db.session.execute(query, execution_options={"stream_results": True, "yield_per": 5000})
                for row in result:
                    sheet.append(list(row))
                    count += 1
            book.save(path)
            seconds = time.perf_counter() - start
        return {"seconds": seconds, "rows": count, "peak_mb": _peak_mb()}


CHILDREN = {"aggregate": child_aggregate, "profiles": child_profiles, "raw": child_raw, "bare": child_bare}


def run_child(name: str, *extra: str) -> dict:
    env = {**os.environ}
    env.setdefault("DATABASE_URL", DEFAULT_URL)
    done = subprocess.run([sys.executable, __file__, "--child", name, *extra], capture_output=True, text=True,
                          env=env, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"child {name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def median_of(results: list[dict], key: str = "seconds") -> float:
    return statistics.median(r[key] for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each fast measurement (median)")
    parser.add_argument("--raw-repeat", type=int, default=1, help="runs of the raw export and of the bare loop")
    parser.add_argument("--skip-raw", action="store_true")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--kind", default="org", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(CHILDREN[args.child](args)))
        return

    print(f"database: {os.environ.get('DATABASE_URL', DEFAULT_URL)}; load average {os.getloadavg()[0]:.1f}",
          flush=True)
    aggregate = [run_child("aggregate") for _ in range(args.repeat)]
    seconds = median_of(aggregate)
    print(f"aggregation, all {aggregate[0]['organizations']} organizations ({aggregate[0]['headcount']} responses): "
          f"median {seconds:.2f} s of {len(aggregate)} runs {[round(r['seconds'], 2) for r in aggregate]} "
          f"(target < 5 s: {'ok' if seconds < 5 else 'MISSED'})", flush=True)
    for kind, target, label in (("org", 0.3, "one organization's workbook (median of 20 organizations)"),
                                ("district", 10, "district workbook"), ("region", 10, "region workbook")):
        results = [run_child("profiles", "--kind", kind) for _ in range(args.repeat)]
        seconds = median_of(results)
        print(f"{label}, {results[0]['organizations']} organizations, {results[0]['bytes'] // 1024} KiB: median "
              f"{seconds:.3f} s of {len(results)} runs {[round(r['seconds'], 3) for r in results]} "
              f"(target < {target} s: {'ok' if seconds < target else 'MISSED'})", flush=True)
    if args.skip_raw:
        return
    raw, bare = [], []
    for _ in range(args.raw_repeat):  # alternate, so that both see the same phases of a noisy machine
        raw.append(run_child("raw"))
        print(f"  raw run: {raw[-1]}", flush=True)
        bare.append(run_child("bare"))
        print(f"  bare run: {bare[-1]}", flush=True)
    raw_s, bare_s = median_of(raw), median_of(bare)
    peak = max(r["peak_mb"] for r in raw)
    ratio = bare_s / raw_s
    print(f"raw national export: {raw[0]['responses']} responses, {raw[0]['bytes'] // 2**20} MiB: median {raw_s:.1f} s "
          f"{[round(r['seconds'], 1) for r in raw]}, peak RSS {peak:.0f} MB (target < 300 MB: "
          f"{'ok' if peak < 300 else 'MISSED'})")
    print(f"bare openpyxl write-only loop, same {bare[0]['rows']} rows: median {bare_s:.1f} s "
          f"{[round(r['seconds'], 1) for r in bare]}, peak RSS {max(r['peak_mb'] for r in bare):.0f} MB")
    print(f"throughput ratio export / bare loop: {ratio:.0%} (target >= 75 %: {'ok' if ratio >= 0.75 else 'MISSED'})")


if __name__ == "__main__":
    main()
