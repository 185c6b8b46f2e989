"""What the forecast and AI-plan pages show: the numbers of ``survey.staffing.forecast`` and ``ai_plan`` for a place,
shaped into rows and charts. Reads only."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Hashable

import sqlalchemy as sa
from flask_babel import format_decimal
from flask_babel import gettext as _

from .. import codebook as cb
from ..auth.scope import visible_district_ids, visible_organization_ids
from ..campaigns.services import taking_part_filter
from ..charts import Bar, bar_chart, column_chart
from ..codebook import Role
from ..models import Campaign, District, Organization, Region, User
from ..staffing.ai_plan import OrgPlan, PlanResult, PlanSettings, Readiness, ai_plan
from ..staffing.forecast import (Forecast, ForecastResult, ForecastSettings, GrowthRow, OrgForecast, forecast,
                                 growth_rows)
from ..staffing.metrics import organizations
from ..staffing.progress import LISTED



def rates(value: float) -> str:
    """A number of rates or people as the pages write it: one decimal."""
    return format_decimal(round(value, 1), "#,##0.0")


@dataclass
class Place:
    """Where a page looks: the user's whole scope, a region or a district."""

    user: User
    region: Region | None = None
    district: District | None = None

    @property
    def grain(self) -> str:
        """What the rows below the place are."""
        if self.district is not None or self.user.role == Role.DISTRICT_ADMIN:
            return "organization"
        if self.region is not None or self.user.role == Role.REGION_ADMIN:
            return "district"
        return "region"

    def organization_ids(self, campaign: Campaign) -> sa.Select:
        """The organizations in the user's scope, in the place, taking part in the campaign."""
        query = (sa.select(Organization.id).join(District, Organization.district_id == District.id)
                 .where(Organization.id.in_(visible_organization_ids(self.user)), taking_part_filter(campaign)))
        if self.district is not None:
            return query.where(Organization.district_id == self.district.id)
        if self.region is not None:
            return query.where(District.region_id == self.region.id)
        return query

    def district_ids(self) -> sa.Select:
        query = sa.select(District.id).where(District.id.in_(visible_district_ids(self.user)))
        if self.district is not None:
            return query.where(District.id == self.district.id)
        if self.region is not None:
            return query.where(District.region_id == self.region.id)
        return query


@dataclass
class Row:
    """A place below the page's: a region, a district or an organization."""

    key: Hashable
    name: str
    forecast: Forecast
    readiness: Readiness
    endpoint: str | None = None  # the page of the place, when it has one
    organization: OrgPlan | None = None

    @property
    def arguments(self) -> dict[str, Hashable]:
        return {"region_id" if self.endpoint == "plans.show_region" else "district_id": self.key}


@dataclass
class PlansData:
    forecast: ForecastResult
    plan: PlanResult
    total: Forecast
    readiness: Readiness
    rows: list[Row]
    by_level: list[tuple[str, Forecast]]
    subjects: list[tuple[str, list[float]]]  # subject label, shortage per year
    subject_waves: list[tuple[str, dict[int, int]]]
    without_lead: list[OrgPlan]
    forecast_chart: Any
    wave_chart: Any
    readiness_chart: Any
    growth: list[GrowthRow] = field(default_factory=list)


def forecast_chart(result: ForecastResult, item: Forecast) -> Any:
    return column_chart(
        _("Teaching rates needed and available"), [str(year) for year in result.years],
        [(_("Demand"), item.demand, [rates(v) for v in item.demand]),
         (_("Supply"), item.supply, [rates(v) for v in item.supply])])


def readiness_bars(item: Readiness) -> list[Bar]:
    return [Bar(_("Answered"), item.staff, str(item.staff)), Bar(_("Use AI"), item.ai_use, str(item.ai_use)),
            Bar(_("Trained briefly"), item.trained_short, str(item.trained_short)),
            Bar(_("Trained 16 h or more"), item.trained_long, str(item.trained_long)),
            Bar(_("No AI training"), item.untrained, str(item.untrained)),
            Bar(_("Want training"), item.wants, str(item.wants))]


def wave_bars(item: Readiness, capacity: int) -> list[Bar]:
    return [Bar(_("Wave %(n)s", n=wave), people, str(people), highlight=people >= capacity)
            for wave, people in sorted(item.waves.items())]


def plans_data(place: Place, campaign: Campaign, forecast_settings: ForecastSettings, plan_settings: PlanSettings,
               lang: str) -> PlansData:
    """Everything the administrators' page shows for ``place``."""
    organization_ids = place.organization_ids(campaign)
    places = organizations(organization_ids, forecast_settings.norms)
    result = forecast(campaign, organization_ids, forecast_settings, places)
    plan = ai_plan(campaign, organization_ids, plan_settings, places)
    total = result.total()
    readiness = plan.total()
    rows = _rows(place.grain, result, plan, lang)
    levels = result.rollup("level_ownership")
    by_level = [(f"{cb.label('level', level, lang)} · {cb.label('ownership', ownership, lang)}", levels[(level, ownership)])
                for level in cb.CODES["level"] for ownership in cb.CODES["ownership"] if (level, ownership) in levels]
    last = forecast_settings.years
    subjects = sorted(((code, item.shortage) for code, item in result.subjects.items() if max(item.shortage) > 1e-9),
                      key=lambda pair: (-pair[1][last], pair[0]))
    subject_waves = sorted(plan.subject_waves().items(), key=lambda pair: (-sum(pair[1].values()), pair[0]))
    return PlansData(
        forecast=result, plan=plan, total=total, readiness=readiness, rows=rows, by_level=by_level,
        subjects=[(cb.label("subject", code, lang), values) for code, values in subjects],
        subject_waves=[(cb.label("subject", code, lang), waves) for code, waves in subject_waves],
        without_lead=plan.without_lead()[:LISTED],
        forecast_chart=forecast_chart(result, total),
        wave_chart=bar_chart(_("People per training wave"), wave_bars(readiness, plan_settings.capacity)),
        readiness_chart=bar_chart(_("AI readiness"), readiness_bars(readiness)),
        growth=growth_rows(campaign, place.district_ids()),
    )


def _rows(grain: str, result: ForecastResult, plan: PlanResult, lang: str) -> list[Row]:
    if grain == "organization":
        return [Row(org_id, item.name(lang), item, plan.organizations[org_id], organization=plan.organizations[org_id])
                for org_id, item in result.organizations.items()]
    names: dict[Hashable, str] = {}
    for item in result.organizations.values():
        names[item.region_id if grain == "region" else item.district_id] = (
            item.region if grain == "region" else item.district)
    forecasts, readiness = result.rollup(grain), plan.rollup(grain)
    endpoint = "plans.show_region" if grain == "region" else "plans.show_district"
    return sorted((Row(key, names[key], item, readiness[key], endpoint) for key, item in forecasts.items()),
                  key=lambda row: row.name.casefold())


@dataclass
class DirectorPlans:
    """The director's section: the organization's forecast, its training needs in the district's plan, the person
    responsible for digitalization."""

    forecast: ForecastResult
    mine: OrgForecast
    readiness: OrgPlan
    subjects: list[tuple[str, float]]  # subjects short in the last forecast year
    chart: Any
    capacity: int


def director_plans(campaign: Campaign, organization: Organization, config, lang: str) -> DirectorPlans:
    forecast_settings = ForecastSettings.from_config(config)
    plan_settings = PlanSettings.from_config(config)
    result = forecast(campaign, [organization.id], forecast_settings)
    district = sa.select(Organization.id).where(Organization.district_id == organization.district_id,
                                                taking_part_filter(campaign))
    plan = ai_plan(campaign, district, plan_settings)  # waves are the district's
    mine = result.organizations[organization.id]
    return DirectorPlans(
        forecast=result, mine=mine, readiness=plan.organizations[organization.id],
        subjects=[(cb.label("subject", code, lang), value)
                  for code, value in result.subjects_short(forecast_settings.years)],
        chart=forecast_chart(result, mine), capacity=plan_settings.capacity)
