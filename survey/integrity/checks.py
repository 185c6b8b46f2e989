"""Each rule as one set-based SELECT of its findings: (organization_id, subject_key, severity, evidence).

No rule reads responses row by row in Python: every finding is a row of a GROUP BY or a join, and the service
writes them into ``flags`` with one INSERT … SELECT … ON CONFLICT per rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from .. import codebook as cb
from .. import questions
from ..codebook import ResponseStatus, Severity
from ..domain.identity import WEIGHTS_1, WEIGHTS_2
from ..models import OrgReport, Organization, RequiredHours, Response, ResponseOtherJob, RosterEntry
from ..models.responses import answer_column
from .rules import CATEGORY_MIN_EXPERIENCE, EXPERIENCE_FROM_AGE, GRADUATION_MIN_AGE, HIGHER_EDUCATION
from .sql import bytewise, days_after, json_array_agg, json_object, json_value, rounded, seconds_between, whole_years


@dataclass(frozen=True)
class Context:
    campaign_id: int
    census_date: dt.date
    is_closed: bool  # sides of a rule that missing answers would trigger wait until the campaign closes
    organizations: sa.Select | list[int] | None  # None: every organization
    persons: sa.Select | None  # person keys with a response at those organizations; None: everyone
    limits: dict[str, float]
    norms: dict[str, int]


def _submitted(ctx: Context, response=Response) -> sa.ColumnElement:
    return sa.and_(response.campaign_id == ctx.campaign_id, response.status == ResponseStatus.SUBMITTED)


def _person_scope(ctx: Context, response=Response) -> sa.ColumnElement:
    return sa.true() if ctx.persons is None else response.person_key.in_(ctx.persons)


def _org_scope(ctx: Context, column) -> sa.ColumnElement:
    return sa.true() if ctx.organizations is None else column.in_(ctx.organizations)


def _finding(organization_id, subject_key, severity, evidence) -> list:
    return [organization_id.label("organization_id"), subject_key.label("subject_key"),
            sa.cast(severity if isinstance(severity, sa.ColumnElement) else sa.literal(severity.value),
                    sa.String).label("severity"),
            evidence.label("evidence")]


def _norm(level_column, ctx: Context) -> sa.ColumnElement:
    return sa.case(*((level_column == level, norm) for level, norm in ctx.norms.items()), else_=ctx.norms["school"])


def _years_ago(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# --- person-level rules -------------------------------------------------------------------------------------------

def age_out_of_range(ctx: Context) -> sa.Select:
    """G2: age from the IIN under ``min_age`` or over ``max_age`` on the census date."""
    low, high = int(ctx.limits["min_age"]), int(ctx.limits["max_age"])
    youngest_birth = _years_ago(ctx.census_date, low)  # born after this: under ``low``
    oldest_birth = _years_ago(ctx.census_date, high + 1)  # born on or before this: over ``high``
    return sa.select(*_finding(
        Response.organization_id, Response.person_key, Severity.MEDIUM,
        json_object(age=whole_years(Response.birth_date, ctx.census_date), min_age=low, max_age=high),
    )).where(_submitted(ctx), _person_scope(ctx),
             sa.or_(Response.birth_date > youngest_birth, Response.birth_date <= oldest_birth))


def _per_person(ctx: Context, *sums, where=sa.true(), join_organizations: bool = False) -> sa.Subquery:
    """Each submitted response of the people in scope, with totals over all of that person's responses
    (window functions: one sort by person, no second pass to bring the totals back to the responses).

    Columns: organization_id, person_key, organizations, organization_ids (JSON) and each ``(name, expr)`` of
    ``sums`` summed per person.
    """
    person = bytewise(Response.person_key)
    query = sa.select(Response.organization_id.label("organization_id"), Response.person_key.label("person_key"),
                      sa.func.count().over(partition_by=person).label("organizations"),
                      json_array_agg(Response.organization_id).over(partition_by=person).label("organization_ids"),
                      *(sa.func.sum(expr).over(partition_by=person).label(name) for name, expr in sums))
    if join_organizations:
        query = query.join(Organization, Organization.id == Response.organization_id)
    return query.where(_submitted(ctx), _person_scope(ctx), where).subquery()


def same_name_two_iins(ctx: Context) -> sa.Select:
    """G3: the same full name and birth date under two or more person keys in the campaign (flagged for each).

    One sort by a single name key: a rank of the person key inside each name counts the distinct keys."""
    name = bytewise(sa.func.lower(sa.func.trim(Response.last_name)) + "|"
                    + sa.func.lower(sa.func.trim(Response.first_name)) + "|"
                    + sa.func.lower(sa.func.trim(sa.func.coalesce(Response.middle_name, ""))) + "|"
                    + sa.cast(Response.birth_date, sa.String))
    candidates = [_submitted(ctx)]
    if ctx.persons is not None:  # only the birth dates and last names of the people in scope can form a group with
        # them: found through the index on (campaign, birth date, lower(trim(last name))), a few rows per person
        last_name = sa.func.lower(sa.func.trim(Response.last_name))
        candidates.append(sa.tuple_(Response.birth_date, last_name).in_(
            sa.select(Response.birth_date, last_name).where(_submitted(ctx), _person_scope(ctx))))
    ranked = (sa.select(Response.organization_id.label("organization_id"), Response.person_key.label("person_key"),
                        name.label("name"),
                        sa.func.dense_rank().over(partition_by=name, order_by=bytewise(Response.person_key))
                        .label("rank"))
              .where(*candidates)).subquery()
    groups = (sa.select(ranked.c.organization_id, ranked.c.person_key,
                        sa.func.max(ranked.c.rank).over(partition_by=ranked.c.name).label("identities"),
                        json_array_agg(ranked.c.organization_id).over(partition_by=ranked.c.name)
                        .label("organization_ids"))).subquery()
    return (sa.select(*_finding(groups.c.organization_id, groups.c.person_key, Severity.HIGH,
                                json_object(identities=groups.c.identities,
                                            organization_ids=json_value(groups.c.organization_ids))))
            .where(groups.c.identities >= 2))


def main_job_twice(ctx: Context) -> sa.Select:
    """G4: ``main`` basis declared at two or more organizations (flagged at each of them)."""
    person = _per_person(ctx, where=Response.basis == "main")
    return (sa.select(*_finding(person.c.organization_id, person.c.person_key, Severity.HIGH,
                                json_object(main_jobs=person.c.organizations,
                                            organization_ids=json_value(person.c.organization_ids))))
            .where(person.c.organizations >= 2))


def _unanswered_other_jobs(ctx: Context) -> sa.Select:
    """Other-job rows whose organization has no submitted response from the same person."""
    own = aliased(Response)
    there = aliased(Response)
    named = aliased(Organization)
    key = sa.func.coalesce(ResponseOtherJob.org_bin, sa.func.lower(sa.func.trim(ResponseOtherJob.org_name)),
                           sa.cast(ResponseOtherJob.id, sa.String))
    return (sa.select(own.person_key.label("person_key"), own.organization_id.label("organization_id"),
                      named.id.label("named_id"), key.label("job_key"), ResponseOtherJob.hours.label("hours"))
            .join(own, own.id == ResponseOtherJob.response_id)
            .outerjoin(named, named.bin == ResponseOtherJob.org_bin)
            .outerjoin(there, sa.and_(there.organization_id == named.id, there.person_key == own.person_key,
                                      _submitted(ctx, there)))
            .where(_submitted(ctx, own), _person_scope(ctx, own), there.id.is_(None)))


def hours_over_limit(ctx: Context) -> sa.Select:
    """G5: weekly hours at every organization with a response, plus other jobs without one, over the limit."""
    person = _per_person(ctx, ("hours", sa.func.coalesce(Response.total_hours_week, Response.teaching_hours, 0)))
    jobs = _unanswered_other_jobs(ctx).subquery()
    person_key, job_key = bytewise(jobs.c.person_key), bytewise(jobs.c.job_key)
    per_job = (sa.select(person_key.label("person_key"), sa.func.max(jobs.c.hours).label("hours"))
               .group_by(person_key, job_key)).subquery()
    other = (sa.select(per_job.c.person_key, sa.func.sum(per_job.c.hours).label("hours"))
             .group_by(per_job.c.person_key)).subquery()
    other_hours = sa.func.coalesce(other.c.hours, 0)
    total = person.c.hours + other_hours
    limit = int(ctx.limits["max_week_hours"])
    return (sa.select(*_finding(person.c.organization_id, person.c.person_key, Severity.HIGH,
                                json_object(hours=total, max_hours=limit, organizations=person.c.organizations,
                                            other_job_hours=other_hours,
                                            organization_ids=json_value(person.c.organization_ids))))
            .select_from(person)
            .outerjoin(other, other.c.person_key == person.c.person_key)
            .where(total > limit))


def teaching_overload(ctx: Context) -> sa.Select:
    """G6: teaching load across organizations (Σ hours / norm of each organization's level) over the load_medium / load_high rates."""
    person = _per_person(ctx, ("teaching_hours", Response.teaching_hours),
                         ("load", sa.cast(Response.teaching_hours, sa.Float) / _norm(Organization.level, ctx)),
                         join_organizations=True)
    # binary floating point is fast; a millionth keeps sums of fractions such as 6/18 + 6/18 + 12/18 from
    # crossing a threshold they only reach
    over = lambda limit: person.c.load > limit + 1e-6  # noqa: E731
    severity = sa.case((over(ctx.limits["load_high"]), Severity.HIGH.value), else_=Severity.MEDIUM.value)
    return (sa.select(*_finding(person.c.organization_id, person.c.person_key, severity,
                                json_object(teaching_hours=person.c.teaching_hours, load=rounded(person.c.load),
                                            organizations=person.c.organizations,
                                            organization_ids=json_value(person.c.organization_ids))))
            .where(over(ctx.limits["load_medium"])))


def other_job_unanswered(ctx: Context) -> sa.Select:
    """G7J: an other-job row naming a registered organization where the person has no submitted response."""
    jobs = _unanswered_other_jobs(ctx).subquery()
    return (sa.select(*_finding(jobs.c.organization_id, jobs.c.person_key, Severity.MEDIUM,
                                json_object(jobs=sa.func.count(sa.distinct(jobs.c.named_id)),
                                            organization_ids=json_array_agg(sa.distinct(jobs.c.named_id)))))
            .where(jobs.c.named_id.is_not(None))
            .group_by(jobs.c.organization_id, jobs.c.person_key))


def category_inconsistent(ctx: Context) -> sa.Select:
    """G13: experience under the category's minimum, ``master`` without higher education, any category without
    TVET or higher education, or a category awarded after the census year."""
    minimum = sa.case(*((Response.category == code, years) for code, years in CATEGORY_MIN_EXPERIENCE.items()),
                      else_=None)
    higher = sa.case((Response.education_level.in_(HIGHER_EDUCATION), 1), else_=0)
    inconsistent = sa.or_(
        Response.experience_total < minimum,
        sa.and_(Response.category == "master", higher == 0),
        sa.and_(Response.category.in_(tuple(CATEGORY_MIN_EXPERIENCE)), Response.education_level == "secondary"),
        Response.category_year > ctx.census_date.year,
    )
    return sa.select(*_finding(
        Response.organization_id, Response.person_key, Severity.MEDIUM,
        json_object(experience=Response.experience_total, min_experience=minimum, higher_education=higher,
                    category_year=Response.category_year),
    )).where(_submitted(ctx), _person_scope(ctx), inconsistent)


def start_after_census(ctx: Context) -> sa.Select:
    """G14: started at this organization after the census date."""
    return sa.select(*_finding(
        Response.organization_id, Response.person_key, Severity.MEDIUM,
        json_object(days_after_census=days_after(Response.start_date, ctx.census_date)),
    )).where(_submitted(ctx), _person_scope(ctx), Response.start_date > ctx.census_date)


def impossible_for_age(ctx: Context) -> sa.Select:
    """G15: graduated before birth year + GRADUATION_MIN_AGE, or more experience than age − EXPERIENCE_FROM_AGE."""
    age = whole_years(Response.birth_date, ctx.census_date)
    birth_year = sa.cast(sa.extract("year", Response.birth_date), sa.Integer)
    return sa.select(*_finding(
        Response.organization_id, Response.person_key, Severity.MEDIUM,
        json_object(birth_year=birth_year, graduation_year=Response.graduation_year, age=age,
                    experience=Response.experience_total, max_experience=age - EXPERIENCE_FROM_AGE),
    )).where(_submitted(ctx), _person_scope(ctx),
             sa.or_(Response.graduation_year < birth_year + GRADUATION_MIN_AGE,
                    Response.experience_total > age - EXPERIENCE_FROM_AGE))


# --- organization-level rules -------------------------------------------------------------------------------------

def _responses_per_org(ctx: Context, *columns, where=sa.true()) -> sa.Subquery:
    return (sa.select(Response.organization_id.label("organization_id"), sa.func.count().label("headcount"), *columns)
            .where(_submitted(ctx), _org_scope(ctx, Response.organization_id), where)
            .group_by(Response.organization_id)).subquery()


def _roster_per_org(ctx: Context) -> sa.Subquery:
    return (sa.select(RosterEntry.organization_id.label("organization_id"), sa.func.count().label("roster"))
            .where(RosterEntry.campaign_id == ctx.campaign_id, _org_scope(ctx, RosterEntry.organization_id))
            .group_by(RosterEntry.organization_id)).subquery()


def roster_without_response(ctx: Context) -> sa.Select:
    """G7: once the campaign has closed, roster members with no submitted response at their organization."""
    here = aliased(Response)
    elsewhere = aliased(Response)
    query = (sa.select(*_finding(
        RosterEntry.organization_id, RosterEntry.person_key, Severity.HIGH,
        json_object(responses_elsewhere=sa.func.count(elsewhere.id),
                    organization_ids=json_array_agg(elsewhere.organization_id).filter(elsewhere.id.is_not(None)))))
        .outerjoin(here, sa.and_(here.organization_id == RosterEntry.organization_id,
                                 here.person_key == RosterEntry.person_key, _submitted(ctx, here)))
        .outerjoin(elsewhere, sa.and_(elsewhere.person_key == RosterEntry.person_key,
                                      elsewhere.organization_id != RosterEntry.organization_id,
                                      _submitted(ctx, elsewhere)))
        .where(RosterEntry.campaign_id == ctx.campaign_id, _org_scope(ctx, RosterEntry.organization_id),
               here.id.is_(None))
        .group_by(RosterEntry.organization_id, RosterEntry.person_key))
    return query if ctx.is_closed else query.where(sa.false())


def not_on_roster(ctx: Context) -> sa.Select:
    """G7N: a submitted response from a person missing from a roster the organization has filed."""
    roster = _roster_per_org(ctx)
    listed = sa.select(RosterEntry.id).where(
        RosterEntry.campaign_id == ctx.campaign_id, RosterEntry.organization_id == Response.organization_id,
        RosterEntry.person_key == Response.person_key)
    return (sa.select(*_finding(Response.organization_id, Response.person_key, Severity.MEDIUM,
                                json_object(roster=roster.c.roster)))
            .join(roster, roster.c.organization_id == Response.organization_id)
            .where(_submitted(ctx), ~sa.exists(listed)))


def headcount_vs_roster(ctx: Context) -> sa.Select:
    """G18 (roster in place of NOBD): respondents and roster more than ``headcount_gap`` apart. More respondents
    than the roster counts at once; fewer only once the campaign has closed."""
    roster = _roster_per_org(ctx)
    people = _responses_per_org(ctx)
    headcount = sa.func.coalesce(people.c.headcount, 0)
    gap = ctx.limits["headcount_gap"]
    shortfall = sa.and_(sa.literal(ctx.is_closed), headcount < roster.c.roster * (1 - gap))
    return (sa.select(*_finding(roster.c.organization_id, sa.literal(""), Severity.MEDIUM,
                                json_object(headcount=headcount, roster=roster.c.roster)))
            .select_from(roster)
            .outerjoin(people, people.c.organization_id == roster.c.organization_id)
            .where(sa.or_(headcount > roster.c.roster * (1 + gap), shortfall)))


def hours_vs_curriculum(ctx: Context) -> sa.Select:
    """G9: Σ teaching hours / Σ required curriculum hours below ``hours_ratio_low`` (once closed) or above
    ``hours_ratio_high``."""
    required = (sa.select(OrgReport.organization_id.label("organization_id"),
                          sa.func.sum(RequiredHours.hours).label("required"))
                .join(RequiredHours, RequiredHours.report_id == OrgReport.id)
                .where(OrgReport.campaign_id == ctx.campaign_id, _org_scope(ctx, OrgReport.organization_id))
                .group_by(OrgReport.organization_id)).subquery()
    taught = _responses_per_org(ctx, sa.func.sum(sa.func.coalesce(Response.teaching_hours, 0)).label("hours"))
    hours = sa.func.coalesce(taught.c.hours, 0)
    ratio = hours * 1.0 / required.c.required
    too_low = sa.and_(sa.literal(ctx.is_closed), ratio < ctx.limits["hours_ratio_low"])
    return (sa.select(*_finding(required.c.organization_id, sa.literal(""), Severity.MEDIUM,
                                json_object(teaching_hours=hours, required_hours=required.c.required,
                                            ratio=rounded(ratio))))
            .select_from(required)
            .outerjoin(taught, taught.c.organization_id == required.c.organization_id)
            .where(required.c.required > 0, sa.or_(ratio > ctx.limits["hours_ratio_high"], too_low)))


def preschool_ratio(ctx: Context) -> sa.Select:
    """G10: a preschool's children per educator FTE (teaching posts' hours / norm) under ``preschool_ratio_low``
    or (once closed) over ``preschool_ratio_high``."""
    fte = sa.func.sum(sa.func.coalesce(Response.teaching_hours, 0)) * 1.0 / ctx.norms["preschool"]
    staff = _responses_per_org(ctx, fte.label("fte"), where=Response.post.in_(cb.TEACHER_POSTS))
    ratio = OrgReport.pupils / staff.c.fte
    too_many_children = sa.and_(sa.literal(ctx.is_closed), ratio > ctx.limits["preschool_ratio_high"])
    return (sa.select(*_finding(OrgReport.organization_id, sa.literal(""), Severity.HIGH,
                                json_object(children=OrgReport.pupils, educator_fte=rounded(staff.c.fte),
                                            ratio=rounded(ratio))))
            .join(staff, staff.c.organization_id == OrgReport.organization_id)
            .join(Organization, Organization.id == OrgReport.organization_id)
            .where(OrgReport.campaign_id == ctx.campaign_id, Organization.level == "preschool",
                   OrgReport.pupils.is_not(None), staff.c.fte > 0,
                   sa.or_(ratio < ctx.limits["preschool_ratio_low"], too_many_children)))


def network_burst(ctx: Context) -> sa.Select:
    """G11: ``burst_responses`` or more responses of one organization from one network address within
    ``burst_minutes`` (the n-th next submission from that address comes within the window)."""
    count = int(ctx.limits["burst_responses"])
    window = (sa.select(Response.organization_id.label("organization_id"), Response.network_key.label("network_key"),
                        Response.submitted_at.label("at"),
                        sa.func.lead(Response.submitted_at, count - 1).over(
                            partition_by=(Response.organization_id, Response.network_key),
                            order_by=(Response.submitted_at, Response.id)).label("nth_at"))
              .where(_submitted(ctx), _org_scope(ctx, Response.organization_id),
                     Response.network_key.is_not(None))).subquery()
    bursts = (sa.select(window.c.organization_id, window.c.network_key)
              .where(window.c.nth_at.is_not(None),
                     seconds_between(window.c.at, window.c.nth_at) <= ctx.limits["burst_minutes"] * 60)
              .distinct()).subquery()
    senders = (sa.select(Response.organization_id.label("organization_id"), Response.network_key.label("network_key"),
                         sa.func.count().label("responses"))
               .join(bursts, sa.and_(bursts.c.organization_id == Response.organization_id,
                                     bursts.c.network_key == Response.network_key))
               .where(_submitted(ctx))
               .group_by(Response.organization_id, Response.network_key)).subquery()
    return (sa.select(*_finding(senders.c.organization_id, sa.literal(""), Severity.MEDIUM,
                                json_object(addresses=sa.func.count(), responses=sa.func.sum(senders.c.responses),
                                            minutes=int(ctx.limits["burst_minutes"]))))
            .group_by(senders.c.organization_id))


def identical_answers(ctx: Context) -> sa.Select:
    """G12: ``identical_responses`` or more respondents of one organization with identical personal sections (the
    answers whose question records say ``personal``)."""
    vector = [answer_column(name) for name in questions.current().personal]
    groups = (sa.select(Response.organization_id.label("organization_id"), sa.func.count().label("size"))
              .where(_submitted(ctx), _org_scope(ctx, Response.organization_id))
              .group_by(Response.organization_id, *vector)
              .having(sa.func.count() >= int(ctx.limits["identical_responses"]))).subquery()
    return (sa.select(*_finding(groups.c.organization_id, sa.literal(""), Severity.MEDIUM,
                                json_object(groups=sa.func.count(), responses=sa.func.sum(groups.c.size),
                                            largest=sa.func.max(groups.c.size))))
            .group_by(groups.c.organization_id))


def invalid_identifier(ctx: Context) -> sa.Select:
    """G16: among organizations with a response, a BIN whose check digit fails (reference §b.7, computed in SQL),
    a BIN whose type digit is not 4, 5 or 6, a state organization's BIN that is not a resident entity's (4), or a
    state organization registered under an IIN."""
    digit = [sa.cast(sa.func.substr(Organization.bin, i, 1), sa.Integer) for i in range(1, 13)]
    first = sum(d * w for d, w in zip(digit, WEIGHTS_1)) % 11
    second = sum(d * w for d, w in zip(digit, WEIGHTS_2)) % 11
    check = sa.case((first != 10, first), else_=second)
    valid = sa.case((sa.and_(check != 10, check == digit[11]), 1), else_=0)
    type_digit = digit[4]
    participating = sa.select(Response.id).where(_submitted(ctx), Response.organization_id == Organization.id)
    wrong_kind = sa.or_(
        sa.and_(Organization.id_kind == "bin", type_digit.not_in((4, 5, 6))),
        sa.and_(Organization.ownership == "state", sa.or_(Organization.id_kind == "iin", type_digit != 4)),
    )
    return (sa.select(*_finding(Organization.id, sa.literal(""), Severity.MEDIUM,
                                json_object(check_digit_valid=valid, type_digit=type_digit)))
            .where(_org_scope(ctx, Organization.id), sa.exists(participating), sa.or_(valid == 0, wrong_kind)))


RULE_QUERIES: dict[str, Callable[[Context], sa.Select]] = {
    "G2": age_out_of_range,
    "G3": same_name_two_iins,
    "G4": main_job_twice,
    "G5": hours_over_limit,
    "G6": teaching_overload,
    "G7": roster_without_response,
    "G7N": not_on_roster,
    "G7J": other_job_unanswered,
    "G9": hours_vs_curriculum,
    "G10": preschool_ratio,
    "G11": network_burst,
    "G12": identical_answers,
    "G13": category_inconsistent,
    "G14": start_after_census,
    "G15": impossible_for_age,
    "G16": invalid_identifier,
    "G18": headcount_vs_roster,
}
