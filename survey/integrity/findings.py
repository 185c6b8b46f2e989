"""What every integrity rule's SELECT is built from: the run's context (campaign, census date, scope, limits,
norms), the conditions on submitted responses in scope, and the finding's columns (organization_id, subject_key,
severity, evidence). The rules themselves: person-level in ``checks.py``, organization-level in
``organization_checks.py``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from ..codebook import ResponseStatus
from ..models import Response


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
