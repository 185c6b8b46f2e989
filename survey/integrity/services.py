"""Writes: run the rules into flags (idempotent, closing what no longer holds), and review flags."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from .. import audit
from ..codebook import CampaignStatus, FlagStatus, Role
from ..extensions import db
from ..models import Campaign, Flag, Response, User
from ..models.base import UTCDateTime, utcnow
from ..domain.people import norms_from_config
from .checks import RULE_QUERIES, Context
from .catalogue import RULES, RULES_BY_CODE, thresholds
from .sql import is_postgres

# Person rules whose findings are chosen by the persons of the organizations in scope (they reach across
# organizations); the others are chosen by the organizations themselves.
PERSON_SCOPED = {"G2", "G3", "G4", "G5", "G6", "G7J", "G13", "G14", "G15"}
# What the issue asks to run on each submission (the person-level rules); the rest run in batch. Pass as
# ``run_checks(campaign, [organization_id], rules=SUBMISSION_RULES)`` to keep a submission quick.
SUBMISSION_RULES = tuple(rule.code for rule in RULES if rule.code in PERSON_SCOPED)


class ReviewError(ValueError):
    """A review that is not allowed (e.g. a director confirming a flag)."""


@dataclass
class RuleResult:
    code: str
    active: int = 0  # flags this run found
    opened: int = 0  # … of which new
    closed: int = 0  # flags whose cause is gone
    seconds: float = 0.0


@dataclass
class RunSummary:
    campaign_code: str
    results: list[RuleResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def active(self) -> int:
        return sum(result.active for result in self.results)

    @property
    def opened(self) -> int:
        return sum(result.opened for result in self.results)

    @property
    def closed(self) -> int:
        return sum(result.closed for result in self.results)


def _context(campaign: Campaign, organization_ids) -> Context:
    persons = None
    if organization_ids is not None:
        persons = sa.select(Response.person_key).where(
            Response.campaign_id == campaign.id, Response.organization_id.in_(organization_ids))
    return Context(campaign_id=campaign.id, census_date=campaign.census_date,
                   is_closed=campaign.status == CampaignStatus.CLOSED, organizations=organization_ids,
                   persons=persons, limits=thresholds(), norms=norms_from_config(current_app.config))


def _upsert(campaign: Campaign, code: str, ctx: Context, run_at) -> None:
    """INSERT the rule's findings; a finding that already has a flag refreshes its evidence and reopens it."""
    finding = RULE_QUERIES[code](ctx).subquery()
    stamp = sa.literal(run_at, UTCDateTime())
    rows = sa.select(sa.literal(campaign.id), sa.literal(code), finding.c.organization_id, finding.c.subject_key,
                     finding.c.severity, finding.c.evidence, sa.literal(FlagStatus.OPEN.value), stamp, stamp
                     ).where(sa.true())  # SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT
    table = Flag.__table__
    insert = (postgresql.insert if is_postgres() else sqlite.insert)(table).from_select(
        ["campaign_id", "rule", "organization_id", "subject_key", "severity", "evidence", "status", "created_at",
         "checked_at"], rows)
    insert = insert.on_conflict_do_update(
        index_elements=[table.c.campaign_id, table.c.rule, table.c.organization_id, table.c.subject_key],
        set_={"severity": insert.excluded.severity, "evidence": insert.excluded.evidence,
              "checked_at": insert.excluded.checked_at, "closed_at": None},
    )
    db.session.execute(insert)


def _close_stale(campaign: Campaign, code: str, ctx: Context, run_at) -> int:
    """Close the rule's open flags in scope that this run did not find again (the status is kept).

    A scoped run closes by organization and, for person rules, by person in two statements: one OR of both
    would stop PostgreSQL from using either index.
    """
    scopes = [sa.true()]
    if ctx.organizations is not None:
        scopes = [Flag.organization_id.in_(ctx.organizations)]
        if code in PERSON_SCOPED:
            scopes.append(Flag.subject_key.in_(ctx.persons))
    closed = 0
    for scope in scopes:
        closed += db.session.execute(
            sa.update(Flag)
            .where(Flag.campaign_id == campaign.id, Flag.rule == code, Flag.closed_at.is_(None),
                   sa.or_(Flag.checked_at.is_(None), Flag.checked_at != run_at), scope)
            .values(closed_at=run_at)
            .execution_options(synchronize_session=False)
        ).rowcount
    return closed


def run_checks(campaign: Campaign, organization_ids: Iterable[int] | sa.Select | None = None,
               rules: Iterable[str] | None = None) -> RunSummary:
    """Run the integrity rules of ``campaign`` (all, or ``rules``) and write their flags. Flushes, never commits.

    With ``organization_ids`` (a list or a SELECT of ids) only those organizations are checked, together with
    every response of the people who answered there (cross-organization rules reach their other organizations).
    Re-running never duplicates a flag: a finding that persists refreshes its evidence, one that is gone closes.
    """
    started = time.perf_counter()
    if organization_ids is not None and not isinstance(organization_ids, sa.Select):
        organization_ids = list(organization_ids)
    codes = [rule.code for rule in RULES] if rules is None else [RULES_BY_CODE[code].code for code in rules]
    ctx = _context(campaign, organization_ids)
    if is_postgres():  # for this transaction only: sort 500,000 responses by person in memory; JIT compiling
        # costs more than it saves on these short queries (a tenth of a second on each one planned as costly)
        work_mem = str(current_app.config.get("INTEGRITY_WORK_MEM", "256MB"))
        db.session.execute(sa.select(sa.func.set_config("work_mem", work_mem, True),
                                     sa.func.set_config("jit", "off", True)))
    run_at = utcnow()
    summary = RunSummary(campaign_code=campaign.code)
    closed: dict[str, int] = {}
    seconds: dict[str, float] = {}
    for code in codes:
        rule_started = time.perf_counter()
        _upsert(campaign, code, ctx, run_at)
        closed[code] = _close_stale(campaign, code, ctx, run_at)
        seconds[code] = time.perf_counter() - rule_started
    stamp = sa.literal(run_at, UTCDateTime())
    touched = [Flag.campaign_id == campaign.id, Flag.checked_at == stamp]
    if ctx.organizations is not None:  # count through the indexes, not by reading every flag of the campaign
        touched.append(Flag.id.in_(sa.union(
            sa.select(Flag.id).where(Flag.campaign_id == campaign.id, Flag.organization_id.in_(ctx.organizations)),
            sa.select(Flag.id).where(Flag.campaign_id == campaign.id, Flag.subject_key.in_(ctx.persons)))))
    counts = {
        rule: (active, opened) for rule, active, opened in db.session.execute(
            sa.select(Flag.rule, sa.func.count(), sa.func.count().filter(Flag.created_at == stamp))
            .where(*touched).group_by(Flag.rule))
    }
    for code in codes:
        active, opened = counts.get(code, (0, 0))
        summary.results.append(RuleResult(code, active=active, opened=opened, closed=closed[code],
                                          seconds=seconds[code]))
    summary.seconds = time.perf_counter() - started
    db.session.expire_all()
    return summary


def run_campaign_checks(campaign: Campaign, *, by: audit.Actor, rules: Iterable[str] | None = None,
                        organization_ids: Iterable[int] | sa.Select | None = None) -> RunSummary:
    """``run_checks`` asked for by someone (the console's button, ``flask survey check``, the demo's loader), with
    its audit record. Flushes, never commits."""
    summary = run_checks(campaign, organization_ids=organization_ids, rules=rules)
    audit.record("integrity.run", by=by, target=campaign, details={
        "rules": list(rules or ()), "active": summary.active, "new": summary.opened, "closed": summary.closed})
    return summary


def network_key(address: str | None) -> str | None:
    """What the questionnaire stores in ``Response.network_key`` on submission (rule G11): a keyed hash of the
    sender's network address, so that responses from one address can be grouped without keeping the address."""
    if not address:
        return None
    secret = current_app.config["IIN_HASH_KEY"].encode()
    return hmac.new(secret, b"network:" + address.encode(), hashlib.sha256).hexdigest()


def review_flag(flag: Flag, *, status: FlagStatus, note: str | None, user: User) -> Flag:
    """Record a review (administrators: any status; directors: explain only). Audited; flushes."""
    if user.role == Role.DIRECTOR and status != FlagStatus.EXPLAINED:
        raise ReviewError("directors can only explain a flag")
    previous = flag.status
    flag.status = status
    flag.note = (note or "").strip() or None
    flag.reviewed_by_id = user.id
    flag.reviewed_at = utcnow()
    audit.record("flag.review", by=user, target=flag, details={
        "rule": flag.rule, "organization_id": flag.organization_id, "from": previous.value, "to": status.value})
    db.session.flush()
    return flag
