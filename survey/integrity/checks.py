"""Each rule as one set-based SELECT of its findings: (organization_id, subject_key, severity, evidence).

No rule reads responses row by row in Python: every finding is a row of a GROUP BY or a join, and the service
writes them into ``flags`` with one INSERT … SELECT … ON CONFLICT per rule. The person-level rules are here, with
``RULE_QUERIES`` (every rule by its code); the organization-level ones in ``organization_checks.py``; what they
are all built from (``Context``, the scope conditions, a finding's columns) in ``findings.py``.
"""

from __future__ import annotations

from typing import Callable

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..codebook import Severity
from ..domain import EXPERIENCE_FROM_AGE, GRADUATION_MIN_AGE
from ..models import Organization, Response, ResponseOtherJob
from .findings import Context, _finding, _norm, _person_scope, _submitted, _years_ago
from .organization_checks import (
    headcount_vs_roster,
    hours_vs_curriculum,
    identical_answers,
    invalid_identifier,
    network_burst,
    not_on_roster,
    preschool_ratio,
    roster_without_response,
)
from .catalogue import CATEGORY_MIN_EXPERIENCE, HIGHER_EDUCATION
from .sql import bytewise, days_after, json_array_agg, json_object, json_value, rounded, whole_years

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
    """G6: teaching load across organizations (Σ hours / norm of each organization's level) over the load_medium
    (and load_high) rates."""
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
