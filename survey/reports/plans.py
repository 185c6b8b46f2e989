"""The "Forecast" and "AI plan" sheets of district, region and national workbooks (issue 18), and the assumptions
the About sheet prints. Shapes rows only (no openpyxl): ``survey.reports.excel`` draws them. Every number comes from
``survey.staffing.forecast`` and ``survey.staffing.ai_plan``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from .. import codebook as cb
from ..models import Organization
from ..staffing.ai_plan import PlanResult, PlanSettings, Readiness, ai_plan
from ..staffing.forecast import Forecast, ForecastResult, ForecastSettings, forecast, growth_rows
from ..staffing.metrics import organizations
from .sheets import Blocks, Chart, Column, Sheet, Table
from .profiles import ExportContext


@dataclass
class PlanSheets:
    sheets: list[Sheet]
    about: list[tuple[str, Any]]  # the assumptions, for the About sheet


def plan_sheets(ctx: ExportContext, organization_ids: sa.Select) -> PlanSheets:
    """Compute the forecast and the plan of the organizations with the settings, and shape both sheets."""
    config = current_app.config
    forecast_settings, plan_settings = ForecastSettings.from_config(config), PlanSettings.from_config(config)
    places = organizations(organization_ids, forecast_settings.norms)
    result = forecast(ctx.campaign, organization_ids, forecast_settings, places)
    plan = ai_plan(ctx.campaign, organization_ids, plan_settings, places)
    district_ids = sa.select(Organization.district_id).where(Organization.id.in_(organization_ids))
    return PlanSheets([forecast_sheet(ctx, result), plan_sheet(ctx, plan)],
                      assumptions(ctx, forecast_settings, plan_settings, district_ids, plan))


def _head(ctx: ExportContext, code: str, text: str) -> str:
    return code if ctx.headers == "codes" else text


def _final(ctx: ExportContext, result: ForecastResult) -> list[Column]:
    year = result.years[-1]
    return [Column(_head(ctx, "demand_today", _("Demand today")), "decimal", 12),
            Column(_head(ctx, "supply_today", _("Supply today")), "decimal", 12),
            Column(_head(ctx, f"demand_{year}", _("Demand in %(year)s", year=year)), "decimal", 12),
            Column(_head(ctx, f"supply_{year}", _("Supply in %(year)s", year=year)), "decimal", 12),
            Column(_head(ctx, f"gap_{year}", _("Gap in %(year)s, rates", year=year)), "decimal", 12),
            Column(_head(ctx, f"gap_people_{year}", _("Gap in %(year)s, people", year=year)), "decimal", 12),
            Column(_head(ctx, "retiring", _("People reaching retirement age")), "int", 12)]


def _final_values(item: Forecast) -> list:
    return [item.demand[0], item.supply[0], item.demand[-1], item.supply[-1], item.gap[-1], item.gap_people[-1],
            sum(item.retiring_heads)]


def forecast_sheet(ctx: ExportContext, result: ForecastResult) -> Blocks:
    """The area year by year (with a chart), its subjects, then level × ownership, regions, districts and
    organizations with today's and the last year's figures."""
    total = result.total()
    orgs = list(result.organizations.values())
    lead = [Column(ctx.field("bin"), width=14), Column(ctx.field("organization"), width=40),
            Column(ctx.field("district"), width=22), Column(ctx.field("region"), width=22)]
    chart = Chart("bar", _("Teaching rates needed and available"), value_columns=(1, 2))
    blocks = [Table("", [Column(_head(ctx, "year", _("Year")), "int", 12),
                         Column(_head(ctx, "demand", _("Demand, rates")), "decimal", 14),
                         Column(_head(ctx, "supply", _("Supply, rates")), "decimal", 14),
                         Column(_head(ctx, "gap", _("Gap, rates")), "decimal", 14),
                         Column(_head(ctx, "gap_people", _("Gap, people at the average rate")), "decimal", 14),
                         Column(_head(ctx, "shortage", _("Shortage, rates (organization by organization)")),
                                "decimal", 14),
                         Column(_head(ctx, "retiring", _("People reaching retirement age")), "int", 14)],
                    [[year, total.demand[t], total.supply[t], total.gap[t], total.gap_people[t], total.shortage[t],
                      total.retiring_heads[t]] for t, year in enumerate(result.years)],
                    charts=[chart])]
    subjects = sorted(result.subjects.items(), key=lambda pair: (-pair[1].shortage[-1], pair[0]))
    blocks.append(Table("", [Column(ctx.field("subject"), width=30)]
                        + [Column(_head(ctx, f"shortage_{year}", _("Shortage %(year)s", year=year)), "decimal")
                           for year in result.years],
                        [[ctx.code("subject", code), *item.shortage] for code, item in subjects]))
    levels = result.rollup("level_ownership")
    blocks.append(Table("", [Column(ctx.field("level"), width=16), Column(ctx.field("ownership"), width=16),
                             *_final(ctx, result)],
                        [[ctx.code("level", level), ctx.code("ownership", ownership),
                          *_final_values(levels[(level, ownership)])]
                         for level in cb.CODES["level"] for ownership in cb.CODES["ownership"]
                         if (level, ownership) in levels]))
    regions, districts = result.rollup("region"), result.rollup("district")
    if len(regions) > 1:
        names = {item.region_id: item.region for item in orgs}
        blocks.append(Table("", [Column(ctx.field("region"), width=22), *_final(ctx, result)],
                            [[names[key], *_final_values(item)] for key, item in regions.items()]))
    places = {item.district_id: (item.district, item.region) for item in orgs}
    blocks.append(Table("", [Column(ctx.field("district"), width=22), Column(ctx.field("region"), width=22),
                             *_final(ctx, result)],
                        [[*places[key], *_final_values(item)] for key, item in districts.items()]))
    blocks.append(Table("", [*lead, Column(_head(ctx, "need_estimated", _("Need estimated (no required hours)")),
                                           width=14), *_final(ctx, result)],
                        [[item.bin, item.name(ctx.lang), item.district, item.region,
                          _("yes") if item.estimated else _("no"), *_final_values(item)] for item in orgs]))
    return Blocks(_("Forecast"), blocks, widths=(30, 40, 22, 22, 14, *([13] * 8)))


def _readiness_rows(ctx: ExportContext, item: Readiness) -> list[list]:
    return [[_head(ctx, code, text), value] for code, text, value in (
        ("staff", _("Answered"), item.staff), ("ai_use", _("Use AI"), item.ai_use),
        ("trained_short", _("Trained briefly"), item.trained_short),
        ("trained_long", _("Trained 16 h or more"), item.trained_long),
        ("untrained", _("No AI training"), item.untrained), ("wants", _("Want training"), item.wants),
        ("planned", _("In the plan"), item.planned),
        ("without_lead", _("Organizations without a person responsible for digitalization"), item.without_lead))]


def plan_sheet(ctx: ExportContext, plan: PlanResult) -> Blocks:
    """Readiness and waves of the area (with charts), then per district the people per wave, the teachers of each
    subject per wave, and per organization its readiness, waves and the person responsible for digitalization."""
    total = plan.total()
    waves = plan.waves
    wave_columns = [Column(_head(ctx, f"wave_{wave}", _("Wave %(n)s", n=wave)), "int", 10) for wave in waves]
    readiness_columns = [Column(_head(ctx, "staff", _("Answered")), "int", 12),
                         Column(_head(ctx, "ai_use", _("Use AI")), "int", 12),
                         Column(_head(ctx, "trained_short", _("Trained briefly")), "int", 12),
                         Column(_head(ctx, "trained_long", _("Trained 16 h or more")), "int", 12),
                         Column(_head(ctx, "untrained", _("No AI training")), "int", 12),
                         Column(_head(ctx, "wants", _("Want training")), "int", 12)]
    orgs = list(plan.organizations.values())
    blocks = [
        Table("", [Column(_("AI readiness") if ctx.headers == "labels" else "code", width=30),
                   Column(_("People") if ctx.headers == "labels" else "value", "int")],
              _readiness_rows(ctx, total), charts=[Chart("bar", _("AI readiness"))]),
        Table("", [Column(_head(ctx, "wave", _("Wave")), "int"), Column(_head(ctx, "people", _("People")), "int")],
              [[wave, total.waves[wave]] for wave in waves],
              charts=[Chart("bar", _("People per training wave"))]),
    ]
    districts = plan.rollup("district")
    places = {item.district_id: (item.district, item.region) for item in orgs}
    blocks.append(Table("", [Column(ctx.field("district"), width=22), Column(ctx.field("region"), width=22),
                             *readiness_columns, *wave_columns],
                        [[*places[key], item.staff, item.ai_use, item.trained_short, item.trained_long,
                          item.untrained, item.wants, *(item.waves.get(wave, 0) for wave in waves)]
                         for key, item in districts.items()]))
    subjects = sorted(plan.subject_waves().items(), key=lambda pair: (-sum(pair[1].values()), pair[0]))
    blocks.append(Table("", [Column(ctx.field("subject"), width=30), *wave_columns],
                        [[ctx.code("subject", code), *(counts.get(wave, 0) for wave in waves)]
                         for code, counts in subjects]))
    lead_columns = [Column(_head(ctx, "digital_lead_name", _("Responsible for digitalization")), width=30),
                    Column(_head(ctx, "digital_lead_post", _("Post")), width=24),
                    Column(_head(ctx, "digital_lead_contact", _("Phone or e-mail")), width=24)]
    blocks.append(Table("", [Column(ctx.field("bin"), width=14), Column(ctx.field("organization"), width=40),
                             Column(ctx.field("district"), width=22), Column(ctx.field("region"), width=22),
                             *readiness_columns, *wave_columns, *lead_columns],
                        [[item.bin, item.name(ctx.lang), item.district, item.region, item.staff, item.ai_use,
                          item.trained_short, item.trained_long, item.untrained, item.wants,
                          *(item.waves.get(wave, 0) for wave in waves),
                          *((item.lead.name, item.lead.post, item.lead.contact) if item.lead
                            else (_("none yet"), None, None))]
                         for item in orgs]))
    return Blocks(_("AI plan"), blocks, widths=(30, 40, 22, 22, *([12] * (len(readiness_columns) + len(waves)))))


def assumptions(ctx: ExportContext, forecast_settings: ForecastSettings, plan_settings: PlanSettings,
                district_ids: sa.Select, plan: PlanResult) -> list[tuple[str, Any]]:
    """Every assumption of both sheets: the settings, the retirement schedule, and the growth table's rows."""
    norms = forecast_settings.norms
    pairs: list[tuple[str, Any]] = [
        (_("Forecast: years ahead"), forecast_settings.years),
        (_("Forecast: yearly attrition of the staff who stay, %"), float(forecast_settings.attrition_percent)),
        (_("Forecast: of those who plan to leave the profession or move, leave in the first year, %"),
         float(forecast_settings.plans_leave_percent)),
        (_("Forecast: of those who reach retirement age, leave that year, %"),
         float(forecast_settings.retirement_leave_percent)),
        (_("Forecast: retirement age"),
         _("Retirement age: men 63; women 61 until 2027, 61.5 in 2028, 62 in 2029, 62.5 in 2030, 63 from 2031.")),
        (_("Forecast: one rate"), _("One rate: %(school)s teaching hours a week at a school, %(college)s at a "
                                    "college, %(preschool)s at a preschool.", **norms)),
        (_("Forecast: demand"), _("Required curriculum hours ÷ the norm; without required hours, staffed rates plus "
                                  "teaching vacancies; grown each year by the district's pupil growth.")),
    ]
    growth = growth_rows(ctx.campaign, district_ids)
    for row in growth:
        if row.percent is not None:
            value = _("%(p)s %% a year, compounded", p=row.percent)
        elif row.not_applied:
            value = _("%(n)s pupils a year: not applied, no pupils reported", n=row.pupils)
        else:
            value = _("%(n)s pupils a year on %(base)s reported", n=row.pupils, base=row.base_pupils)
        pairs.append((_("Growth: %(region)s, %(district)s, %(level)s", region=row.region, district=row.district,
                        level=ctx.code("level", row.level)), value))
    if not growth:
        pairs.append((_("Growth"), _("No growth is set: pupils stay as they are.")))
    subjects = ", ".join(ctx.code("subject", code) for code in plan_settings.priority_subjects) or "—"
    pairs += [
        (_("AI plan: people a district trains in one wave"), plan_settings.capacity),
        (_("AI plan: priority"), _("1: want training and teach %(subjects)s or are under %(age)s; 2: the rest who "
                                   "want it; 3: %(untrained)s. In each district, in order of priority, then "
                                   "organization.", subjects=subjects, age=plan_settings.priority_under_age or "—",
                                   untrained=_("everyone not yet trained") if plan_settings.untrained
                                   else _("nobody else"))),
    ]
    if plan_settings.priority_answers:
        applied = "; ".join(" = ".join(pair) for pair in plan.answers_applied) or "—"
        value = _("want training and answered %(answers)s", answers=applied)
        if plan.answers_ignored:
            value += ". " + _("Not applied (this campaign does not ask them as a choice question): %(answers)s.",
                              answers="; ".join(" = ".join(pair) for pair in plan.answers_ignored))
        pairs.append((_("AI plan: priority 1 also by campaign answers"), value))
    return pairs
