"""CODEBOOK §7 staffing metrics as SQL aggregates: what fills the definitions of ``metrics.py``.

``org_metrics(campaign, organization_ids)`` runs a handful of GROUP BY queries (responses, people's loads across
organizations, reports and vacancies, rosters, subject hours) — one pass each, whatever the number of
organizations — and returns one :class:`~survey.staffing.metrics.OrgMetrics` per organization, with its
numerators and denominators.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Iterable, Mapping

import sqlalchemy as sa

from .. import codebook as cb
from ..codebook import ResponseStatus
from ..domain.people import add_months, retirement_age
from ..extensions import db
from ..models import (Campaign, District, OrgReport, Organization, Region, RequiredHours, Response, ResponseSubject,
                      RosterEntry, Vacancy)
from .metrics import (
    AGE_BAND_FLOORS,
    NEAR_RETIREMENT_YEARS,
    NOVICE_MAX_YEARS,
    OVERLOAD_RATES,
    TURNOVER_PLANS,
    OrgMetrics,
    SubjectCover,
    norms_from_config,
)


# thresholds on birth dates (exact, portable SQL) -----------------------------------------------------------------
def latest_birth_for_age(census: dt.date, years: int) -> dt.date:
    """The latest birth date of someone aged at least ``years`` full years on ``census`` (as ``age_on``)."""
    return add_months(census, -years * 12)


def latest_birth_near_retirement(census: dt.date, sex: str) -> dt.date:
    """The latest birth date at which ``years_to_retirement`` on ``census`` is at most NEAR_RETIREMENT_YEARS."""
    months = (retirement_age(sex, census.year) - NEAR_RETIREMENT_YEARS) * 12
    return add_months(census, -math.ceil(months))


def age_band_conditions(census: dt.date) -> list[tuple[str, sa.ColumnElement]]:
    """(band code, condition on Response.birth_date) for every age band of CODEBOOK §7, youngest first."""
    floors = [(band, latest_birth_for_age(census, years) if years else None) for band, years in AGE_BAND_FLOORS]
    conditions = []
    for index, (band, lower) in enumerate(floors):
        upper = floors[index + 1][1] if index + 1 < len(floors) else None  # born after it: younger than next band
        conditions.append((band, sa.and_(sa.true(), *([Response.birth_date <= lower] if lower else []),
                                         *([Response.birth_date > upper] if upper else []))))
    return conditions


def _norm_weights(norms: Mapping[str, int]) -> tuple[int, sa.Case]:
    """An integer scale L (the norms' least common multiple) and CASE level → L / norm, for exact load sums."""
    scale = math.lcm(*norms.values())
    weight = sa.case(*((Organization.level == level, scale // norm) for level, norm in norms.items()), else_=0)
    return scale, weight


def _org_filter(column, organization_ids) -> list:
    """``column`` IN the organizations asked for: ids (any iterable) or a SELECT of ids; None for all."""
    if organization_ids is None:
        return []
    if not isinstance(organization_ids, sa.Select):
        organization_ids = list(organization_ids)
    return [column.in_(organization_ids)]


def org_metrics(campaign: Campaign, organization_ids: Iterable[int] | sa.Select | None = None,
                norms: Mapping[str, int] | None = None) -> dict[int, OrgMetrics]:
    """Metrics of every organization in ``organization_ids`` for ``campaign``, keyed by organization id.

    ``organization_ids``: ids, a SELECT of ids (e.g. ``visible_organization_ids(user)``), or None for all. Every
    organization asked for appears, with zeros when nobody has answered. ``norms`` defaults to the app config.
    """
    if norms is None:
        from flask import current_app

        norms = norms_from_config(current_app.config)
    if organization_ids is not None and not isinstance(organization_ids, sa.Select):
        organization_ids = list(organization_ids)
    result = organizations(organization_ids, norms)
    if not result:
        return result
    tune_for_aggregates()
    _add_responses(result, campaign, organization_ids, norms)
    _add_reports(result, campaign, organization_ids)
    _add_roster(result, campaign, organization_ids)
    _add_subjects(result, campaign, organization_ids)
    return result


def tune_for_aggregates() -> None:
    """On PostgreSQL, for the rest of the transaction: big GROUP BYs hash in memory; JIT compiling costs more than it
    saves on these short queries; parallel workers would each rebuild the same hash tables of people (on two cores,
    slower than one process)."""
    if db.session.get_bind().dialect.name == "postgresql":
        for setting in ("work_mem = '64MB'", "jit = off", "max_parallel_workers_per_gather = 0"):
            db.session.execute(sa.text(f"SET LOCAL {setting}"))


def organizations(organization_ids, norms) -> dict[int, OrgMetrics]:
    """Every organization asked for, with its place (names, level, ownership, district, region, norm) and zeros."""
    query = (
        sa.select(Organization.id, Organization.bin, Organization.name_ru, Organization.name_kk, Organization.level,
                  Organization.ownership, District.id, District.name, Region.id, Region.name)
        .join(District, Organization.district_id == District.id)
        .join(Region, District.region_id == Region.id)
        .where(*_org_filter(Organization.id, organization_ids))
        .order_by(Region.name, District.name, Organization.name_ru, Organization.id)
    )
    result: dict[int, OrgMetrics] = {}
    for org_id, bin_, name_ru, name_kk, level, ownership, district_id, district, region_id, region in \
            db.session.execute(query):
        level = str(level)
        result[org_id] = OrgMetrics(
            organizations=1, organization_id=org_id, bin=bin_, name_ru=name_ru, name_kk=name_kk, level=level,
            ownership=str(ownership), district_id=district_id, district=district, region_id=region_id,
            region=region, norm=norms[level],
            categories={code: 0 for code in cb.CATEGORIES}, age_bands={code: 0 for code in cb.AGE_BANDS})
    return result


def _count(condition) -> sa.ColumnElement:
    return sa.func.sum(sa.case((condition, 1), else_=0))


def _submitted(campaign: Campaign) -> list:
    return [Response.campaign_id == campaign.id, Response.status == ResponseStatus.SUBMITTED]


def _add_responses(result: dict[int, OrgMetrics], campaign: Campaign, organization_ids, norms) -> None:
    census = campaign.census_date
    scale, weight = _norm_weights(norms)
    # A person's teaching load across all their organizations, in units of 1/scale rate. Only people with more
    # than one response in the campaign need the cross-organization sum (GROUP BY … HAVING on the (campaign,
    # person_key) index); everyone else's load is their own row's. One aggregate, joined once: a plan that stays
    # sane even before the planner has statistics (a window inside IN (…) did not: 16 s for 800 rows).
    people = (
        sa.select(Response.person_key, sa.func.sum(Response.teaching_hours * weight).label("load"))
        .join(Organization, Response.organization_id == Organization.id)
        .where(*_submitted(campaign))
        .group_by(Response.person_key)
        .having(sa.func.count() > 1)
    )
    if organization_ids is not None:
        people = people.where(Response.person_key.in_(
            sa.select(Response.person_key).where(*_submitted(campaign), Response.organization_id.in_(organization_ids))))
    people = people.subquery("people")
    load = sa.func.coalesce(people.c.load, Response.teaching_hours * weight)
    # load > R × norm  ⇔  Σ hours·(scale/norm) > R·scale  ⇔  2·Σ … > 2R·scale (integers, exact for R in halves)
    twice_limit = int(OVERLOAD_RATES * 2 * scale)

    band_columns = [_count(condition).label(f"age_{band}") for band, condition in age_band_conditions(census)]
    is_teacher = Response.post.in_(cb.TEACHER_POSTS)
    query = (
        sa.select(
            Response.organization_id,
            sa.func.count().label("headcount"),
            _count(Response.basis == "main").label("headcount_main"),
            sa.func.sum(sa.cast(Response.rate * 4, sa.Integer)).label("rate_quarters"),
            sa.func.sum(Response.teaching_hours).label("teaching_hours"),
            sa.func.sum(sa.case((is_teacher, Response.teaching_hours), else_=0)).label("teacher_hours"),
            *(_count(Response.category == category).label(f"cat_{category}") for category in cb.CATEGORIES),
            *band_columns,
            _count(sa.or_(
                sa.and_(Response.sex == "m", Response.birth_date <= latest_birth_near_retirement(census, "m")),
                sa.and_(Response.sex == "f", Response.birth_date <= latest_birth_near_retirement(census, "f")),
            )).label("near_retirement"),
            _count(Response.experience_total <= NOVICE_MAX_YEARS).label("novice"),
            _count(Response.ped_education == "none").label("no_ped_education"),
            _count(load * 2 > twice_limit).label("overload"),
            _count(Response.basis != "main").label("secondary_job"),
            sa.func.count(Response.plans).label("plans_answered"),
            _count(Response.plans.in_(TURNOVER_PLANS)).label("turnover_risk"),
            sa.func.count(Response.ai_use).label("ai_answered"),
            _count(Response.ai_use.is_(True)).label("ai_use"),
        )
        .join(Organization, Response.organization_id == Organization.id)
        .outerjoin(people, people.c.person_key == Response.person_key)
        .where(*_submitted(campaign), *_org_filter(Response.organization_id, organization_ids))
        .group_by(Response.organization_id)
    )
    for row in _rows(query):
        row = row._mapping
        item = result.get(row["organization_id"])
        if item is None:
            continue
        norm = Decimal(item.norm)
        item.headcount = row["headcount"]
        item.headcount_main = row["headcount_main"]
        item.fte_contract = Decimal(row["rate_quarters"] or 0) / 4
        item.teaching_hours = row["teaching_hours"] or 0
        item.fte_load = item.teaching_hours / norm
        item.teacher_fte_load = (row["teacher_hours"] or 0) / norm
        item.categories = {category: row[f"cat_{category}"] for category in cb.CATEGORIES}
        item.age_bands = {band: row[f"age_{band}"] for band in cb.AGE_BANDS}
        for name in ("near_retirement", "novice", "no_ped_education", "overload", "secondary_job", "plans_answered",
                     "turnover_risk", "ai_answered", "ai_use"):
            setattr(item, name, row[name] or 0)


def _add_reports(result: dict[int, OrgMetrics], campaign: Campaign, organization_ids) -> None:
    vacancies = (
        sa.select(Vacancy.report_id, sa.func.sum(sa.cast(sa.func.round(Vacancy.rate * 100), sa.Integer))
                  .label("hundredths"))
        .group_by(Vacancy.report_id)
        .subquery()
    )
    query = (
        sa.select(OrgReport.organization_id, OrgReport.pupils, vacancies.c.hundredths)
        .outerjoin(vacancies, vacancies.c.report_id == OrgReport.id)
        .where(OrgReport.campaign_id == campaign.id, *_org_filter(OrgReport.organization_id, organization_ids))
    )
    for org_id, pupils, hundredths in _rows(query):
        item = result.get(org_id)
        if item is None:
            continue
        item.has_report = True
        item.vacancy_fte = Decimal(hundredths or 0) / 100
        if pupils is not None:
            item.pupils = pupils
            item.pupils_teacher_fte = item.teacher_fte_load


def roster_counts(campaign_id: int, *where) -> sa.Select:
    """Per organization: the roster's size and how many on it submitted a response there — CODEBOOK §7
    ``response_rate``'s denominator and numerator, for these metrics and the progress board alike."""
    answered = sa.and_(
        Response.campaign_id == RosterEntry.campaign_id,
        Response.organization_id == RosterEntry.organization_id,
        Response.person_key == RosterEntry.person_key,
        Response.status == ResponseStatus.SUBMITTED,
    )
    return (
        sa.select(RosterEntry.organization_id.label("organization_id"), sa.func.count(RosterEntry.id).label("roster"),
                  sa.func.count(Response.id).label("responding"))
        .outerjoin(Response, answered)
        .where(RosterEntry.campaign_id == campaign_id, *where)
        .group_by(RosterEntry.organization_id)
    )


def _add_roster(result: dict[int, OrgMetrics], campaign: Campaign, organization_ids) -> None:
    query = roster_counts(campaign.id, *_org_filter(RosterEntry.organization_id, organization_ids))
    for org_id, size, responding in _rows(query):
        if org_id in result:
            result[org_id].roster_size = size
            result[org_id].roster_responding = responding


def _add_subjects(result: dict[int, OrgMetrics], campaign: Campaign, organization_ids) -> None:
    covered = (
        sa.select(Response.organization_id.label("org"), ResponseSubject.subject.label("subject"),
                  ResponseSubject.hours.label("covered"), sa.literal(0).label("required"))
        .join(Response, ResponseSubject.response_id == Response.id)
        .where(*_submitted(campaign), *_org_filter(Response.organization_id, organization_ids))
    )
    required = (
        sa.select(OrgReport.organization_id, RequiredHours.subject, sa.literal(0), RequiredHours.hours)
        .join(OrgReport, RequiredHours.report_id == OrgReport.id)
        .where(OrgReport.campaign_id == campaign.id, *_org_filter(OrgReport.organization_id, organization_ids))
    )
    both = sa.union_all(covered, required).subquery("hours")
    query = (sa.select(both.c.org, both.c.subject, sa.func.sum(both.c.required), sa.func.sum(both.c.covered))
             .group_by(both.c.org, both.c.subject))
    zero = Decimal(0)
    for org_id, subject, need, have in _rows(query):
        item = result.get(org_id)
        if item is not None:
            item.subjects[subject] = SubjectCover(need, have, (need - have) / Decimal(item.norm) if need > have else zero)


def _rows(query) -> list[sa.Row]:
    """Core execution, fetched at once (no ORM row processing, no per-row fetch): plain tuples by the thousand."""
    return db.session.connection().execute(query).all()
