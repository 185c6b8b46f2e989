"""Does a change keep the forecast and the AI plan? The same database, computed by two checkouts, compared figure by
figure.

Each checkout computes, in a child process with its own code, the forecast and the AI-training plan of every
organization (the national view), of one region and of one district (``organization_ids`` as a SELECT, as the pages
give it) under several settings, after adding (inside a transaction rolled back at the end) a growth assumption for
the districts: per cent a year, pupils a year, and a fall in pupils large enough to bring the factor to 0. Every
figure of every organization (demand, supply, shortage, retiring people and rates per year; readiness counts,
priorities, waves, the person responsible) and of every subject is written to JSON; the two are compared (integers
and texts exactly, rates to 1e-9 relative: the order of a floating-point sum may change). Exits 1 on a difference.

    git -C . archive main | (mkdir -p /tmp/base && tar -x -C /tmp/base)      # the code before the change
    createdb -h 127.0.0.1 -U postgres -T bench_proof bench_mine              # a copy of the national data
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_mine \\
        .venv/bin/python bench/compare_forecast.py --base /tmp/base

``--dump FILE --checkout PATH`` writes one checkout's figures (what the children do).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_proof"
# name: (forecast overrides, plan overrides)
VARIANTS = {
    "defaults": ({}, {}),
    "short": ({"years": 3, "attrition_percent": Decimal("0"), "plans_leave_percent": Decimal("100"),
               "retirement_leave_percent": Decimal("40")},
              {"capacity": 57, "priority_subjects": ("informatics", "math"), "priority_under_age": 0,
               "untrained": False}),
    "long": ({"years": 12, "attrition_percent": Decimal("7.5")},
             {"capacity": 1, "priority_subjects": (), "priority_under_age": 30}),
}
RELATIVE = 1e-9


def _growth_rows(district_ids: list[int]) -> list[dict]:
    """Every district gets a growth for some levels: per cent (up and down), pupils, and a fall to nothing."""
    rows = []
    for index, district_id in enumerate(district_ids):
        kind = index % 4
        if kind == 0:
            rows += [{"district_id": district_id, "level": "school", "percent": Decimal("2")},
                     {"district_id": district_id, "level": "preschool", "pupils": 50}]
        elif kind == 1:
            rows += [{"district_id": district_id, "level": "school", "percent": Decimal("-1.5")},
                     {"district_id": district_id, "level": "college", "pupils": -20}]
        elif kind == 2:
            rows += [{"district_id": district_id, "level": "preschool", "pupils": -100000}]
    return rows


def _forecast_figures(result) -> dict:
    def figures(item) -> dict:
        return {name: getattr(item, name) for name in (
            "organizations", "heads", "staffed", "vacancies", "required", "estimated", "without_report", "demand",
            "supply", "shortage", "retiring_heads", "retiring_rates")}

    return {"years": result.years,
            "organizations": {str(org_id): {**figures(item), "has_report": item.has_report}
                              for org_id, item in result.organizations.items()},
            "order": list(result.organizations),
            "subjects": {code: {"demand": item.demand, "supply": item.supply, "shortage": item.shortage}
                         for code, item in sorted(result.subjects.items())},
            "total": figures(result.total())}


def _plan_figures(plan) -> dict:
    def figures(item) -> dict:
        values = {name: getattr(item, name) for name in (
            "organizations", "staff", "ai_answered", "ai_use", "training_answered", "trained_short", "trained_long",
            "untrained", "wants", "without_lead")}
        values["priorities"] = {str(key): value for key, value in sorted(item.priorities.items())}
        values["waves"] = {str(key): value for key, value in sorted(item.waves.items())}
        return values

    return {"organizations": {str(org_id): {**figures(item), "lead": None if item.lead is None else [
                item.lead.name, item.lead.post, item.lead.contact]} for org_id, item in plan.organizations.items()},
            "order": list(plan.organizations),
            "subjects": {str(district): {subject: {str(wave): people for wave, people in sorted(waves.items())}
                                         for subject, waves in sorted(subjects.items())}
                         for district, subjects in sorted(plan.subjects.items())},
            "waves": plan.waves, "total": figures(plan.total())}


def dump(checkout: Path, path: Path) -> None:
    sys.path.insert(0, str(checkout))
    import sqlalchemy as sa
    from flask import current_app

    from survey import create_app
    from survey.extensions import db
    from survey.models import Campaign, District, GrowthAssumption, Organization
    from survey.staffing.ai_plan import PlanSettings, ai_plan
    from survey.staffing.forecast import ForecastSettings, forecast
    from survey.staffing.metrics import organizations

    out: dict = {}
    with create_app().app_context():
        campaign = db.session.scalar(sa.select(Campaign).order_by(Campaign.id))
        district_ids = db.session.scalars(sa.select(District.id).order_by(District.id)).all()
        district = db.session.scalar(sa.select(Organization.district_id).group_by(Organization.district_id)
                                     .order_by(sa.func.count().desc(), Organization.district_id).limit(1))
        region = db.session.scalar(sa.select(District.region_id).where(District.id == district))
        scopes = {"national": None,
                  "region": sa.select(Organization.id).join(District, Organization.district_id == District.id)
                  .where(District.region_id == region),
                  "district": sa.select(Organization.id).where(Organization.district_id == district)}
        db.session.execute(sa.delete(GrowthAssumption))
        db.session.execute(sa.insert(GrowthAssumption), _growth_rows(district_ids))
        db.session.flush()
        for variant, (forecast_overrides, plan_overrides) in VARIANTS.items():
            forecast_settings = ForecastSettings.from_config(current_app.config, **forecast_overrides)
            plan_settings = PlanSettings.from_config(current_app.config, **plan_overrides)
            for scope, organization_ids in scopes.items():
                if variant == "long" and scope == "national":
                    continue  # the national view is covered by the other two; keep the run short
                places = organizations(organization_ids, forecast_settings.norms)
                out[f"{variant}/{scope}"] = {
                    "forecast": _forecast_figures(forecast(campaign, organization_ids, forecast_settings, places)),
                    "plan": _plan_figures(ai_plan(campaign, organization_ids, plan_settings, places))}
                print(f"  {checkout.name}: {variant}/{scope}", file=sys.stderr, flush=True)
        db.session.rollback()
    path.write_text(json.dumps(out, default=str))


def differences(base, new, where: str = "") -> list[str]:
    """Where the two JSON values differ: numbers within RELATIVE, everything else exactly."""
    if isinstance(base, dict) and isinstance(new, dict):
        found = [f"{where}/{key}: only in the base" for key in base.keys() - new.keys()]
        found += [f"{where}/{key}: only in the new" for key in new.keys() - base.keys()]
        for key in base.keys() & new.keys():
            found += differences(base[key], new[key], f"{where}/{key}")
        return found
    if isinstance(base, list) and isinstance(new, list):
        if len(base) != len(new):
            return [f"{where}: {len(base)} items, now {len(new)}"]
        return [found for index, (a, b) in enumerate(zip(base, new)) for found in differences(a, b, f"{where}[{index}]")]
    if isinstance(base, float) or isinstance(new, float):
        if isinstance(base, (int, float)) and isinstance(new, (int, float)) and not isinstance(base, bool) \
                and math.isclose(base, new, rel_tol=RELATIVE, abs_tol=RELATIVE):
            return []
        return [f"{where}: {base!r}, now {new!r}"]
    return [] if base == new and type(base) is type(new) else [f"{where}: {base!r}, now {new!r}"]


def _child(checkout: Path, path: Path) -> None:
    done = subprocess.run([sys.executable, __file__, "--dump", str(path), "--checkout", str(checkout)],
                          cwd=checkout, env=os.environ, stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"computing with {checkout} failed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=Path, help="the checkout before the change")
    parser.add_argument("--dump", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--checkout", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if args.dump:
        dump(args.checkout.resolve(), args.dump)
        return
    if args.base is None:
        parser.error("--base is required")
    with tempfile.TemporaryDirectory() as folder:
        base_path, new_path = Path(folder) / "base.json", Path(folder) / "new.json"
        _child(args.base.resolve(), base_path)
        _child(ROOT, new_path)
        base, new = json.loads(base_path.read_text()), json.loads(new_path.read_text())
    found = differences(base, new)
    counted = sum(len(view["forecast"]["organizations"]) for view in base.values())
    print(f"{len(base)} views ({', '.join(base)}), {counted} organization forecasts and as many plans compared")
    for line in found[:50]:
        print(f"  {line}")
    if found:
        sys.exit(f"{len(found)} differences")
    print("no differences")


if __name__ == "__main__":
    main()
