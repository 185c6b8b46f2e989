"""The staffing forecast (issue 18): teaching rates needed and available in each of the next years, in SQL.

Per organization, in rates (FTE) of teaching staff (CODEBOOK §7 "teachers": teacher, educator, lecturer, vocational
master posts), for the census year (year 0) and each of ``ForecastSettings.years`` calendar years after it:

- **demand** = today's need × the growth factor of the organization's district and level. Today's need is the
  curriculum's required weekly hours from the organization report ÷ the level's norm; where the report gives no
  required hours (or is missing), today's staffed rates plus the teaching vacancies of the report. The growth factor
  of year t comes from the district's ``GrowthAssumption``: (1 + p/100)^t for p per cent a year, (P + t·n) / P for n
  pupils a year on the P pupils the district's organizations of that level reported (never below 0), else 1.
- **supply** = the expected rates still there: each person's rate times the chance of staying, which multiplies
  (1 − retirement share) once the person has reached retirement age (``survey.domain.retirement_date``; those past
  it on the census date are not counted as reaching it), (1 − plans share) from year 1 for those who plan to leave
  the profession or move (``plans``), and (1 − attrition)^t for everyone.
- **gap** = demand − supply; **shortage** = the same summed organization by organization counting only shortfalls
  (one organization's surplus never hides another's shortage); people = rates ÷ the unit's average rate.
- **subjects**: the same per (organization, subject) from the weekly hours people teach, the required hours and,
  where there are none, the teaching vacancies with a subject, summed by subject over the organizations.

Everything is computed in two statements, one per organization and one per (organization, subject): the people
are grouped once by retirement year and plans, the years are pivoted from those groups and joined with the reports
and the growth factors in SQL. Nothing loops over people in Python.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Hashable, Iterable, Mapping

import sqlalchemy as sa

from .. import codebook as cb
from ..domain.people import retirement_date
from ..extensions import db
from ..models import (Campaign, District, GrowthAssumption, OrgReport, Organization, Region, RequiredHours, Response,
                      ResponseSubject)
from ..models import Vacancy
from .metrics import (TURNOVER_PLANS, OrgMetrics, Placed, _org_filter, _submitted, grouped, norms_from_config,
                      organizations, tune_for_aggregates)


@dataclass(frozen=True)
class ForecastSettings:
    """The assumptions that are settings (README, Configuration); the growth table is in the database."""

    years: int
    attrition_percent: Decimal
    plans_leave_percent: Decimal
    retirement_leave_percent: Decimal
    norms: Mapping[str, int]

    @classmethod
    def from_config(cls, config: Mapping[str, Any], **overrides) -> ForecastSettings:
        values = {"years": int(config["FORECAST_YEARS"]),
                  "attrition_percent": Decimal(config["FORECAST_ATTRITION_PERCENT"]),
                  "plans_leave_percent": Decimal(config["FORECAST_PLANS_LEAVE_PERCENT"]),
                  "retirement_leave_percent": Decimal(config["FORECAST_RETIREMENT_LEAVE_PERCENT"]),
                  "norms": norms_from_config(config)}
        values.update({name: value for name, value in overrides.items() if value is not None})
        return cls(**values)

    def staying(self, year: int) -> float:
        """(1 − attrition)^year: the share of the rest still there after ``year`` years."""
        return (1 - float(self.attrition_percent) / 100) ** year


# retirement years as birth-date thresholds (exact, portable SQL) -------------------------------------------------
def latest_birth_retired_by(day: dt.date, sex: str) -> dt.date:
    """The latest birth date of someone who has reached retirement age on ``day`` (``retirement_date`` ≤ day).
    Retirement dates rise with birth dates, so a binary search over days finds it."""
    low, high = day.toordinal() - 80 * 366, day.toordinal()  # retired by day / not yet (born on ``day``)
    while high - low > 1:
        middle = (low + high) // 2
        if retirement_date(dt.date.fromordinal(middle), sex) <= day:
            low = middle
        else:
            high = middle
    return dt.date.fromordinal(low)


@functools.lru_cache(maxsize=32)
def retirement_thresholds(census: dt.date, years: int) -> dict[str, tuple[dt.date, ...]]:
    """Per sex: the latest birth date of those past retirement age on the census date (index 0), and of those who
    reach it by the end of each forecast year t = 1 … years (the first year takes the rest of the census year too)."""
    days = [census] + [dt.date(census.year + t, 12, 31) for t in range(1, years + 1)]
    return {sex: tuple(latest_birth_retired_by(day, sex) for day in days) for sex in ("m", "f")}


def retirement_year(census: dt.date, years: int) -> sa.Case:
    """The forecast year in which a response's person reaches retirement age: 0 when past it on the census date,
    1 … years, or NULL when later."""
    limits = retirement_thresholds(census, years)

    def by_birth(sex: str) -> sa.Case:
        return sa.case(*((Response.birth_date <= limit, year) for year, limit in enumerate(limits[sex])), else_=None)

    return sa.case((Response.sex == "m", by_birth("m")), else_=by_birth("f"))


# results ---------------------------------------------------------------------------------------------------------
def _zeros(length: int) -> list[float]:
    return [0.0] * length


@dataclass
class Forecast:
    """The forecast of a set of organizations (one, or a roll-up); lists run over years 0 (census year) … H.

    Every field adds up across organizations; ``gap`` and the people figures are derived."""

    organizations: int = 0
    heads: int = 0  # teaching staff who answered
    staffed: float = 0.0  # their rates (Σ rate)
    vacancies: float = 0.0  # teaching vacancies of the reports, in rates
    required: float = 0.0  # rates the curriculum requires, at organizations whose report gives required hours
    estimated: int = 0  # organizations without required hours: their need is staffed rates + vacancies
    without_report: int = 0
    demand: list[float] = field(default_factory=list)
    supply: list[float] = field(default_factory=list)
    shortage: list[float] = field(default_factory=list)  # Σ over organizations of max(0, demand − supply)
    retiring_heads: list[int] = field(default_factory=list)  # people reaching retirement age in the year
    retiring_rates: list[float] = field(default_factory=list)

    @classmethod
    def empty(cls, years: int) -> Forecast:
        length = years + 1
        return cls(demand=_zeros(length), supply=_zeros(length), shortage=_zeros(length),
                   retiring_heads=[0] * length, retiring_rates=_zeros(length))

    @property
    def gap(self) -> list[float]:
        return [need - have for need, have in zip(self.demand, self.supply)]

    @property
    def average_rate(self) -> float:
        """Rates per person of the staff today; 1 where nobody answered (a rate is then counted as a person)."""
        return self.staffed / self.heads if self.heads else 1.0

    def people(self, rates: float) -> float:
        """Rates as people at the average rate."""
        return rates / self.average_rate

    @property
    def gap_people(self) -> list[float]:
        return [self.people(value) for value in self.gap]

    def add(self, other: Forecast) -> Forecast:
        """Add ``other`` into this one (in place) and return it."""
        for name in ("organizations", "heads", "staffed", "vacancies", "required", "estimated", "without_report"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("demand", "supply", "shortage", "retiring_heads", "retiring_rates"):
            mine = getattr(self, name)
            for index, value in enumerate(getattr(other, name)):
                mine[index] += value
        return self


@dataclass
class OrgForecast(Forecast, Placed):
    """One organization's forecast, with its place (names, level, ownership, district, region)."""

    place: OrgMetrics = field(default_factory=OrgMetrics)
    has_report: bool = False


@dataclass
class SubjectForecast:
    """One subject over the organizations, in rates per year: demand, supply and shortage (organization by
    organization, only shortfalls)."""

    demand: list[float]
    supply: list[float]
    shortage: list[float]


@dataclass
class ForecastResult:
    settings: ForecastSettings
    census_year: int
    organizations: dict[int, OrgForecast]
    subjects: dict[str, SubjectForecast]

    @property
    def years(self) -> list[int]:
        """Calendar years of the lists' positions: the census year, then each forecast year."""
        return [self.census_year + t for t in range(self.settings.years + 1)]

    def total(self, items: Iterable[Forecast] | None = None) -> Forecast:
        result = Forecast.empty(self.settings.years)
        for item in (self.organizations.values() if items is None else items):
            result.add(item)
        return result

    def rollup(self, by: str) -> dict[Hashable, Forecast]:
        """Organizations summed per district, region, (level, ownership) or the country (key None)."""
        return grouped(self.organizations.values(), by, lambda: Forecast.empty(self.settings.years))

    def subjects_short(self, year: int) -> list[tuple[str, float]]:
        """(subject, shortage in rates) of the subjects short in forecast year position ``year``, largest first."""
        short = [(code, item.shortage[year]) for code, item in self.subjects.items() if item.shortage[year] > 1e-9]
        return sorted(short, key=lambda pair: (-pair[1], pair[0]))


# the growth table ---------------------------------------------------------------------------------------------------
@dataclass
class GrowthRow:
    region: str
    district: str
    district_id: int
    level: str
    percent: Decimal | None
    pupils: int | None
    base_pupils: int | None  # pupils the district's organizations of that level reported

    @property
    def not_applied(self) -> bool:
        """A growth in pupils where no pupils were reported cannot be turned into a factor: it counts as 0."""
        return self.pupils is not None and not self.base_pupils


def reported_pupils(campaign: Campaign, *where) -> sa.Subquery:
    """Pupils reported per (district, level) with a growth assumption: what a growth in pupils is reckoned on."""
    return (
        sa.select(Organization.district_id.label("district_id"), Organization.level.label("level"),
                  sa.func.sum(OrgReport.pupils).label("pupils"))
        .join(OrgReport, OrgReport.organization_id == Organization.id)
        .join(GrowthAssumption, sa.and_(GrowthAssumption.district_id == Organization.district_id,
                                        GrowthAssumption.level == Organization.level))
        .where(OrgReport.campaign_id == campaign.id, *where)
        .group_by(Organization.district_id, Organization.level)
        .subquery("reported_pupils")
    )


def growth_rows(campaign: Campaign, district_ids: sa.Select) -> list[GrowthRow]:
    """The growth table's rows for the districts, with the pupils a growth in pupils is reckoned on."""
    base = reported_pupils(campaign, Organization.district_id.in_(district_ids))
    query = (
        sa.select(Region.name, District.name, District.id, GrowthAssumption.level, GrowthAssumption.percent,
                  GrowthAssumption.pupils, base.c.pupils)
        .join(District, GrowthAssumption.district_id == District.id)
        .join(Region, District.region_id == Region.id)
        .outerjoin(base, sa.and_(base.c.district_id == District.id, base.c.level == GrowthAssumption.level))
        .where(GrowthAssumption.district_id.in_(district_ids))
        .order_by(Region.name, District.name, GrowthAssumption.level)
    )
    return [GrowthRow(region, district, district_id, str(level), percent, pupils, base_pupils)
            for region, district, district_id, level, percent, pupils, base_pupils in db.session.execute(query)]


# the queries -------------------------------------------------------------------------------------------------------
def _norm(norms: Mapping[str, int]) -> sa.Case:
    return sa.case(*((Organization.level == level, float(norm)) for level, norm in norms.items()), else_=1.0)


def _growth(campaign: Campaign, years: int):
    """Per (district, level) with an assumption: columns g1 … g<years>, the factor of each year."""
    base = reported_pupils(campaign)
    step = 1 + sa.cast(GrowthAssumption.percent, sa.Float) / 100
    pupils = sa.cast(base.c.pupils, sa.Float)
    factors = []
    for year in range(1, years + 1):
        compounded = step
        for _ in range(year - 1):
            compounded = compounded * step
        later = pupils + year * GrowthAssumption.pupils
        by_pupils = sa.case((later <= 0, 0.0), else_=later / pupils)
        factors.append(sa.case((GrowthAssumption.percent.is_not(None), compounded),
                               (base.c.pupils > 0, by_pupils), else_=1.0).label(f"g{year}"))
    return (
        sa.select(GrowthAssumption.district_id, GrowthAssumption.level, *factors)
        .outerjoin(base, sa.and_(base.c.district_id == GrowthAssumption.district_id,
                                 base.c.level == GrowthAssumption.level))
        .subquery("growth")
    )


def _survivors(settings: ForecastSettings, year: int, total, planners, retired, retired_planners):
    """The expected amount (rates or hours) still there in ``year`` of a group: ``total`` of whom ``planners`` plan to
    leave, ``retired`` have reached retirement age by then, ``retired_planners`` both (SQL expressions)."""
    if year == 0:
        return total
    retire = float(settings.retirement_leave_percent) / 100
    leave = float(settings.plans_leave_percent) / 100
    return settings.staying(year) * (total - retire * retired - leave * planners + retire * leave * retired_planners)


def _people(query_columns, group_columns, where, settings: ForecastSettings, census: dt.date, amount) -> sa.Select:
    """``query_columns`` × retirement year × plans (1: plans to leave) of the people of ``where``: their count ``n``
    and Σ ``amount``. Grouping by the retirement year and plans once lets the years be pivoted from a few rows."""
    year_of = retirement_year(census, settings.years).label("year")
    plans = sa.case((Response.plans.in_(TURNOVER_PLANS), 1), else_=0).label("plans")
    return (sa.select(*query_columns, year_of, plans, sa.func.count().label("n"), sa.func.sum(amount).label("amount"))
            .where(*where).group_by(*group_columns, year_of, plans))


def _pivot(c, settings: ForecastSettings, *, retiring: bool) -> list:
    """Aggregates over rows ``c`` of ``_people`` (grouped by the caller): Σ amount (``total``), Σ amount of those who
    plan to leave, and per year t the cumulative Σ amount reaching retirement age in years 1 … t (and of the planners
    among them); with ``retiring``, also the people and Σ amount reaching it in year t itself."""

    def amount_if(condition):  # FILTER: the rows left out cost no addition (CASE … ELSE 0 added a zero each)
        return sa.func.coalesce(sa.func.sum(c.amount).filter(condition), 0.0)

    planner = c.plans == 1
    columns = [sa.func.sum(c.amount).label("total"), amount_if(planner).label("planners")]
    for year in range(1, settings.years + 1):
        if retiring:
            columns += [sa.func.coalesce(sa.func.sum(sa.case((c.year == year, c.n), else_=0)), 0).label(f"rh{year}"),
                        amount_if(c.year == year).label(f"rr{year}")]
        columns += [amount_if(c.year.between(1, year)).label(f"rc{year}"),
                    amount_if(sa.and_(planner, c.year.between(1, year))).label(f"rq{year}")]
    return columns


def forecast(campaign: Campaign, organization_ids: Iterable[int] | sa.Select | None = None,
             settings: ForecastSettings | None = None, places: dict[int, OrgMetrics] | None = None
             ) -> ForecastResult:
    """The forecast of every organization in ``organization_ids`` (ids, a SELECT of ids, or None for all) and of
    their subjects. ``settings`` defaults to the app config; ``places``, the organizations as
    ``metrics.organizations`` gives them, to those of ``organization_ids``."""
    if settings is None:
        from flask import current_app

        settings = ForecastSettings.from_config(current_app.config)
    if organization_ids is not None and not isinstance(organization_ids, sa.Select):
        organization_ids = list(organization_ids)
    if places is None:
        places = organizations(organization_ids, settings.norms)
    result = ForecastResult(settings, campaign.census_date.year, {}, {})
    if not places:
        return result
    tune_for_aggregates()
    years = settings.years
    growth = _growth(campaign, years)
    _add_organizations(result, places, campaign, organization_ids, growth)
    _add_subjects(result, campaign, organization_ids, growth)
    return result


def _teaching(campaign: Campaign, organization_ids) -> list:
    return [*_submitted(campaign), Response.post.in_(cb.TEACHER_POSTS),
            *_org_filter(Response.organization_id, organization_ids)]


def _growth_join(growth):
    return sa.and_(growth.c.district_id == Organization.district_id, growth.c.level == Organization.level)


def _factor(growth, year: int):
    return 1.0 if year == 0 else sa.func.coalesce(growth.c[f"g{year}"], 1.0)


def _add_organizations(result: ForecastResult, places: dict[int, OrgMetrics], campaign: Campaign, organization_ids,
                       growth) -> None:
    settings, years = result.settings, result.settings.years
    people = _people([Response.organization_id.label("org")], [Response.organization_id],
                     _teaching(campaign, organization_ids), settings, campaign.census_date,
                     sa.cast(Response.rate, sa.Float)).subquery("staff_people")
    staff = (sa.select(people.c.org, sa.func.sum(people.c.n).label("heads"), *_pivot(people.c, settings, retiring=True))
             .group_by(people.c.org).subquery("staff"))
    reports = [OrgReport.campaign_id == campaign.id, *_org_filter(OrgReport.organization_id, organization_ids)]
    required = (
        sa.select(RequiredHours.report_id.label("report_id"), sa.func.sum(RequiredHours.hours).label("hours"))
        .join(OrgReport, RequiredHours.report_id == OrgReport.id).where(*reports)
        .group_by(RequiredHours.report_id).subquery("required")
    )
    vacant = (
        sa.select(Vacancy.report_id.label("report_id"), sa.func.sum(sa.cast(Vacancy.rate, sa.Float)).label("rates"))
        .join(OrgReport, Vacancy.report_id == OrgReport.id).where(*reports, Vacancy.post.in_(cb.TEACHER_POSTS))
        .group_by(Vacancy.report_id).subquery("vacant")
    )
    staffed = sa.func.coalesce(staff.c.total, 0.0)
    vacancies = sa.func.coalesce(vacant.c.rates, 0.0)
    required_rates = sa.cast(sa.func.coalesce(required.c.hours, 0), sa.Float) / _norm(settings.norms)
    today = sa.case((required.c.hours > 0, required_rates), else_=staffed + vacancies)
    columns = [
        Organization.id, OrgReport.id.is_not(None).label("has_report"), required_rates.label("required"),
        vacancies.label("vacancies"), sa.func.coalesce(staff.c.heads, 0).label("heads"), staffed.label("staffed"),
        sa.case((required.c.hours > 0, 0), else_=1).label("estimated"),
    ]
    for year in range(years + 1):
        columns.append((today * _factor(growth, year)).label(f"d{year}"))
        if year == 0:
            columns.append(staffed.label("s0"))
            continue
        columns += [
            sa.func.coalesce(_survivors(settings, year, staff.c.total, staff.c.planners, staff.c[f"rc{year}"],
                                        staff.c[f"rq{year}"]), 0.0).label(f"s{year}"),
            sa.func.coalesce(staff.c[f"rh{year}"], 0).label(f"rh{year}"),
            sa.func.coalesce(staff.c[f"rr{year}"], 0.0).label(f"rr{year}"),
        ]
    query = (
        sa.select(*columns)
        .outerjoin(staff, staff.c.org == Organization.id)
        .outerjoin(OrgReport, sa.and_(OrgReport.organization_id == Organization.id,
                                      OrgReport.campaign_id == campaign.id))
        .outerjoin(required, required.c.report_id == OrgReport.id)
        .outerjoin(vacant, vacant.c.report_id == OrgReport.id)
        .outerjoin(growth, _growth_join(growth))
        .where(*_org_filter(Organization.id, organization_ids))
    )
    for row in _rows(query):
        row = row._mapping
        place = places.get(row["id"])
        if place is None:
            continue
        item = OrgForecast(
            organizations=1, heads=int(row["heads"]), staffed=row["staffed"], vacancies=row["vacancies"],
            required=row["required"], estimated=int(row["estimated"]), without_report=0 if row["has_report"] else 1,
            demand=[row[f"d{t}"] for t in range(years + 1)], supply=[row[f"s{t}"] for t in range(years + 1)],
            retiring_heads=[0] + [int(row[f"rh{t}"]) for t in range(1, years + 1)],
            retiring_rates=[0.0] + [row[f"rr{t}"] for t in range(1, years + 1)],
            place=place, has_report=bool(row["has_report"]))
        item.shortage = [max(0.0, value) for value in item.gap]
        result.organizations[place.organization_id] = item
    result.organizations = {org_id: result.organizations[org_id] for org_id in places
                            if org_id in result.organizations}


def _add_subjects(result: ForecastResult, campaign: Campaign, organization_ids, growth) -> None:
    """Per subject, summed over (organization, subject) pairs: the hours people teach (grouped by retirement year
    and plans), the required hours and the vacancies with a subject go into one list of rows, pivoted once per pair;
    each pair's demand and supply per year are computed once (a fenced subquery), then summed with the shortfalls."""
    settings, years = result.settings, result.settings.years
    taught = _people(
        [Response.organization_id.label("org"), ResponseSubject.subject.label("subject")],
        [Response.organization_id, ResponseSubject.subject],
        [ResponseSubject.response_id == Response.id, *_teaching(campaign, organization_ids)],
        settings, campaign.census_date, sa.cast(ResponseSubject.hours, sa.Float))
    reports = [OrgReport.campaign_id == campaign.id, *_org_filter(OrgReport.organization_id, organization_ids)]
    no_people = [sa.cast(sa.null(), sa.Integer), sa.literal(0), sa.literal(0), sa.literal(0.0)]  # year, plans, n, amount
    rows = sa.union_all(
        taught.add_columns(sa.literal(0.0).label("required"), sa.literal(0.0).label("vacant")),
        sa.select(OrgReport.organization_id, RequiredHours.subject, *no_people, sa.cast(RequiredHours.hours, sa.Float),
                  sa.literal(0.0))
        .join(OrgReport, RequiredHours.report_id == OrgReport.id).where(*reports),
        sa.select(OrgReport.organization_id, Vacancy.subject, *no_people, sa.literal(0.0),
                  sa.cast(Vacancy.rate, sa.Float))
        .join(OrgReport, Vacancy.report_id == OrgReport.id)
        .where(*reports, Vacancy.post.in_(cb.TEACHER_POSTS), Vacancy.subject.is_not(None)),
    ).subquery("subject_rows")
    c = rows.c
    pairs = (
        sa.select(c.org, c.subject, *_pivot(c, settings, retiring=False), sa.func.sum(c.required).label("required"),
                  sa.func.sum(c.vacant).label("vacant"))
        .group_by(c.org, c.subject).subquery("pairs")
    )
    with_required = (
        sa.select(OrgReport.organization_id.label("org")).join(RequiredHours, RequiredHours.report_id == OrgReport.id)
        .where(*reports).distinct().subquery("with_required")
    )
    p = pairs.c
    norm = _norm(settings.norms)
    base = (  # each pair's need today, norm and growth factors, computed once (OFFSET 0 fences each level)
        sa.select(p.subject, p.total, p.planners, *(p[f"{kind}{year}"] for year in range(1, years + 1)
                                                    for kind in ("rc", "rq")),
                  sa.case((with_required.c.org.is_not(None), p.required / norm),
                          else_=p.total / norm + p.vacant).label("today"), norm.label("norm"),
                  *(_factor(growth, year).label(f"g{year}") for year in range(1, years + 1)))
        .join(Organization, Organization.id == p.org)
        .outerjoin(with_required, with_required.c.org == p.org)
        .outerjoin(growth, _growth_join(growth))
        .offset(0)
        .subquery("base")
    )
    b = base.c
    columns = [b.subject]
    for year in range(years + 1):
        survivors = _survivors(settings, year, b.total, b.planners, b[f"rc{year}"] if year else None,
                               b[f"rq{year}"] if year else None)
        columns += [(b.today * (b[f"g{year}"] if year else 1.0)).label(f"d{year}"),
                    (survivors / b.norm).label(f"s{year}")]
    per_pair = sa.select(*columns).offset(0).subquery("per_pair")  # the sums below use each figure thrice
    q = per_pair.c
    sums = [q.subject]
    for year in range(years + 1):
        need, have = q[f"d{year}"], q[f"s{year}"]
        sums += [sa.func.sum(need).label(f"d{year}"), sa.func.sum(have).label(f"s{year}"),
                 sa.func.sum(sa.case((need > have, need - have), else_=0.0)).label(f"x{year}")]
    for row in _rows(sa.select(*sums).group_by(q.subject)):
        row = row._mapping
        result.subjects[row["subject"]] = SubjectForecast(
            demand=[row[f"d{t}"] for t in range(years + 1)], supply=[row[f"s{t}"] for t in range(years + 1)],
            shortage=[row[f"x{t}"] for t in range(years + 1)])


def _rows(query) -> list[sa.Row]:
    return db.session.connection().execute(query).all()

