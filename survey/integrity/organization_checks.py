"""The organization-level integrity rules, each one set-based SELECT of its findings (see ``checks.py``)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from .. import codebook as cb
from .. import questions
from ..codebook import Severity
from ..domain.identity import WEIGHTS_1, WEIGHTS_2
from ..models import OrgReport, Organization, RequiredHours, Response, RosterEntry
from ..models.responses import answer_column
from .findings import Context, _finding, _org_scope, _submitted
from .sql import json_array_agg, json_object, rounded, seconds_between


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
