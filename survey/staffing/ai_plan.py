"""AI readiness and the staged AI-training plan (issue 18), from ``ai_use``, ``ai_purposes``, ``ai_training`` and
``ai_training_wanted``, in one SQL statement.

Everyone who answered counts once, at the organization of their main job (or, without one, of their first
response). Each gets a **priority** by a transparent rule (``PlanSettings``):

1. wants AI training and teaches one of the priority subjects or is under the priority age, or answered one of the
   campaign's own choice questions with a priority choice (``AI_PRIORITY_ANSWERS``; a select_multiple answer that
   includes it);
2. wants AI training (the rest);
3. has had no AI training (and does not ask for it), when ``untrained`` is on;

nobody else is planned. In each district, the people in the plan are queued by priority, then by organization
(registry order, so that an organization's staff train together), then by response; the queue is cut into **waves**
of the district's capacity. So no wave is larger than the capacity, and everyone who wants training is in a wave.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Hashable, Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..codebook import ResponseStatus
from ..config import priority_answers
from ..extensions import db
from ..models import Campaign, OrgReport, Organization, Response, ResponseSubject
from ..models.responses import answer_column
from .campaign_questions import CHOICE_KINDS, _chose, extra_questions
from .metrics import (OrgMetrics, Placed, _count, _org_filter, _submitted, grouped, latest_birth_for_age,
                      norms_from_config, organizations, tune_for_aggregates)

NOT_PLANNED = 9  # queued after everyone planned; such rows get no wave
READINESS_COUNTS = ("ai_answered", "ai_use", "training_answered", "trained_short", "trained_long", "untrained",
                    "wants")  # in the order of the statement's columns


@dataclass(frozen=True)
class PlanSettings:
    capacity: int  # people one district trains in one wave
    priority_subjects: tuple[str, ...]
    priority_under_age: int  # 0: age gives no priority
    untrained: bool  # priority 3: everyone not yet trained
    priority_answers: tuple[tuple[str, str], ...] = ()  # (campaign question, choice): priority 1 too

    @classmethod
    def from_config(cls, config: Mapping[str, Any], **overrides) -> PlanSettings:
        values = {"capacity": int(config["AI_WAVE_CAPACITY"]),
                  "priority_subjects": tuple(code.strip() for code in str(config["AI_PRIORITY_SUBJECTS"]).split(";")
                                             if code.strip()),
                  "priority_under_age": int(config["AI_PRIORITY_UNDER_AGE"]),
                  "untrained": bool(config["AI_PLAN_UNTRAINED"]),
                  "priority_answers": priority_answers(config.get("AI_PRIORITY_ANSWERS", ""))}
        values.update({name: value for name, value in overrides.items() if value is not None})
        return cls(**values)


@dataclass(frozen=True)
class DigitalLead:
    """The person responsible for digitalization at an organization (personal data: within scope only)."""

    name: str
    post: str | None
    contact: str


def _add(a: dict, b: dict) -> dict:
    merged = dict(a)
    for key, value in b.items():
        merged[key] = merged.get(key, 0) + value
    return merged


@dataclass
class Readiness:
    """AI readiness and the plan of a set of organizations; every field adds up."""

    organizations: int = 0
    staff: int = 0  # people who answered (once each)
    ai_answered: int = 0
    ai_use: int = 0
    training_answered: int = 0
    trained_short: int = 0
    trained_long: int = 0
    untrained: int = 0  # ai_training = none
    wants: int = 0
    without_lead: int = 0  # organizations with nobody responsible for digitalization yet
    priorities: dict[int, int] = field(default_factory=dict)  # priority → people in the plan
    waves: dict[int, int] = field(default_factory=dict)  # wave → people

    @property
    def planned(self) -> int:
        return sum(self.waves.values())

    def add(self, other: Readiness) -> Readiness:
        for name in ("organizations", "staff", "ai_answered", "ai_use", "training_answered", "trained_short",
                     "trained_long", "untrained", "wants", "without_lead"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.priorities = _add(self.priorities, other.priorities)
        self.waves = _add(self.waves, other.waves)
        return self


@dataclass
class OrgPlan(Readiness, Placed):
    """One organization's readiness and plan, with its place and the person responsible for digitalization."""

    place: OrgMetrics = field(default_factory=OrgMetrics)
    lead: DigitalLead | None = None


@dataclass
class PlanResult:
    settings: PlanSettings
    organizations: dict[int, OrgPlan]
    subjects: dict[int, dict[str, dict[int, int]]]  # district → subject → wave → teachers of the subject
    answers_applied: tuple[tuple[str, str], ...] = ()  # the settings' priority answers this campaign asks

    @property
    def answers_ignored(self) -> tuple[tuple[str, str], ...]:
        """The settings' priority answers naming a question this campaign does not ask as a choice."""
        return tuple(pair for pair in self.settings.priority_answers if pair not in self.answers_applied)

    def total(self, items: Iterable[Readiness] | None = None) -> Readiness:
        result = Readiness()
        for item in (self.organizations.values() if items is None else items):
            result.add(item)
        return result

    def rollup(self, by: str) -> dict[Hashable, Readiness]:
        """Organizations summed per district, region, (level, ownership) or the country (key None)."""
        return grouped(self.organizations.values(), by, Readiness)

    @property
    def waves(self) -> list[int]:
        return sorted({wave for item in self.organizations.values() for wave in item.waves})

    def subject_waves(self, district_ids: Iterable[int] | None = None) -> dict[str, dict[int, int]]:
        """Teachers of each subject per wave, over the given districts (all by default). A teacher of two subjects
        counts under both."""
        result: dict[str, dict[int, int]] = {}
        for district_id, subjects in self.subjects.items():
            if district_ids is not None and district_id not in district_ids:
                continue
            for subject, waves in subjects.items():
                result[subject] = _add(result.get(subject, {}), waves)
        return result

    def without_lead(self) -> list[OrgPlan]:
        return [item for item in self.organizations.values() if item.lead is None]


def applied_answers(campaign: Campaign, settings: PlanSettings) -> tuple[tuple[str, str], ...]:
    """The priority answers of ``settings`` whose question the campaign asks as a select_one or select_multiple with
    that choice (a choice the question does not list, a typo, applies to nobody: it is not applied)."""
    if not settings.priority_answers:
        return ()
    choices = {q.code: set(q.choice_codes()) for q in extra_questions(campaign) if q.kind in CHOICE_KINDS}
    return tuple((name, choice) for name, choice in settings.priority_answers if choice in choices.get(name, ()))


def priority_rule(campaign: Campaign, settings: PlanSettings) -> sa.Case:
    """The priority of a response (1, 2, 3) or NULL when it is not planned."""
    wants = Response.ai_training_wanted.is_(True)
    first = []
    if settings.priority_subjects:
        first.append(Response.id.in_(sa.select(ResponseSubject.response_id)
                                     .where(ResponseSubject.subject.in_(settings.priority_subjects))))
    if settings.priority_under_age:
        first.append(Response.birth_date > latest_birth_for_age(campaign.census_date, settings.priority_under_age))
    if settings.priority_answers:
        questions = {q.code: q for q in extra_questions(campaign)}
        first += [_chose(questions[name], answer_column(name), choice)
                  for name, choice in applied_answers(campaign, settings)]
    rules = [(sa.and_(wants, sa.or_(*first)), 1)] if first else []
    rules.append((wants, 2))
    if settings.untrained:
        rules.append((sa.func.coalesce(Response.ai_training, "none") == "none", 3))
    return sa.case(*rules, else_=None)


def counted_once() -> sa.ColumnElement:
    """A response counts unless the same person has a main job elsewhere in the campaign or, without any, an
    earlier response (two responses both at a main job both count: an integrity flag's matter)."""
    other = aliased(Response)
    return sa.or_(Response.basis == "main", ~sa.exists().where(
        other.campaign_id == Response.campaign_id, other.person_key == Response.person_key,
        other.status == ResponseStatus.SUBMITTED, other.id != Response.id,
        sa.or_(other.basis == "main", other.id < Response.id)))


def has_digital_lead(campaign: Campaign) -> sa.Exists:
    """Whether the organization (``Organization.id``) names a person responsible for digitalization."""
    return sa.exists().where(OrgReport.campaign_id == campaign.id, OrgReport.organization_id == Organization.id,
                             OrgReport.digital_lead_name.is_not(None))


def ai_plan(campaign: Campaign, organization_ids: Iterable[int] | sa.Select | None = None,
            settings: PlanSettings | None = None, places: dict[int, OrgMetrics] | None = None) -> PlanResult:
    """Readiness and waves of every organization in ``organization_ids`` (None: all). Waves are per district: give
    whole districts to see the waves a district really gets. ``places``: the organizations as
    ``metrics.organizations`` gives them, when the caller has them already."""
    from flask import current_app

    settings = settings or PlanSettings.from_config(current_app.config)
    if organization_ids is not None and not isinstance(organization_ids, sa.Select):
        organization_ids = list(organization_ids)
    if places is None:
        places = organizations(organization_ids, norms_from_config(current_app.config))
    result = PlanResult(settings, {}, {}, applied_answers(campaign, settings))
    if not places:
        return result
    tune_for_aggregates()
    for org_id, place in places.items():
        result.organizations[org_id] = OrgPlan(organizations=1, without_lead=1, place=place)
    sums: dict[int, list[int]] = {}  # organization → [people, readiness counts …], set on the items at the end
    capacity = settings.capacity
    for kind, key, subject, priority, start, people, *counts in _rows(_statement(campaign, organization_ids,
                                                                                   settings)):
        if kind == "subject":
            waves = result.subjects.setdefault(key, {}).setdefault(subject, {})
            waves[start] = waves.get(start, 0) + people  # ``start`` is the wave of subject rows
            continue
        item = result.organizations.get(key)
        if item is None:
            continue
        mine = sums.get(key)
        if mine is None:
            sums[key] = [people, *(value or 0 for value in counts)]
        else:
            mine[0] += people
            for index, value in enumerate(counts, 1):
                mine[index] += value or 0
        if priority is not None:
            item.priorities[priority] = item.priorities.get(priority, 0) + people
            if start // capacity == (start + people - 1) // capacity:  # the whole group in one wave
                wave = start // capacity + 1
                item.waves[wave] = item.waves.get(wave, 0) + people
                continue
            for wave, size in split(start, people, capacity):
                item.waves[wave] = item.waves.get(wave, 0) + size
    for key, (people, *counts) in sums.items():
        item = result.organizations[key]
        item.staff = people
        for name, value in zip(READINESS_COUNTS, counts):
            setattr(item, name, value)
    leads = (sa.select(OrgReport.organization_id, OrgReport.digital_lead_name, OrgReport.digital_lead_post,
                       OrgReport.digital_lead_contact)
             .where(OrgReport.campaign_id == campaign.id, OrgReport.digital_lead_name.is_not(None),
                    *_org_filter(OrgReport.organization_id, organization_ids)))
    for org_id, name, post, contact in _rows(leads):
        if org_id in result.organizations:
            result.organizations[org_id].lead = DigitalLead(name, post, contact)
            result.organizations[org_id].without_lead = 0
    return result


def split(start: int, people: int, capacity: int) -> list[tuple[int, int]]:
    """(wave, people) of ``people`` queued one after the other from place ``start`` + 1 of a queue cut into waves of
    ``capacity``: place p is in wave (p − 1) // capacity + 1."""
    return [(wave + 1, min(start + people, (wave + 1) * capacity) - max(start, wave * capacity))
            for wave in range(start // capacity, (start + people - 1) // capacity + 1)]


def _statement(campaign: Campaign, organization_ids, settings: PlanSettings) -> sa.CompoundSelect:
    """Rows ("organization", organization id, NULL, priority, start, people, readiness counts …) — one per
    organization and priority, ``start`` the number queued before them in the district — and ("subject", district id,
    subject, NULL, wave, teachers of the subject, zeros …).

    The queue is ordered by priority, organization and response, so each (organization, priority) group takes the
    places start + 1 … start + people: a running sum over the groups, not a sort of the people. Only the people of
    a group that a wave boundary cuts are ranked one by one (by response), to tell their subjects' waves apart."""
    staff = (
        sa.select(Response.id.label("rid"), Response.organization_id.label("org"),
                  priority_rule(campaign, settings).label("pr"), Response.ai_use, Response.ai_training,
                  Response.ai_training_wanted)
        .where(*_submitted(campaign), *_org_filter(Response.organization_id, organization_ids), counted_once())
        .cte("staff")
    )
    s = staff.c
    counts = (
        sa.select(s.org, s.pr, sa.func.count().label("people"), sa.func.count(s.ai_use).label("ai_answered"),
                  _count(s.ai_use.is_(True)), sa.func.count(s.ai_training), _count(s.ai_training == "short"),
                  _count(s.ai_training == "long"), _count(s.ai_training == "none"),
                  _count(s.ai_training_wanted.is_(True)))
        .group_by(s.org, s.pr)
        .subquery("counts")
    )
    c = counts.c
    before = sa.func.sum(c.people).over(partition_by=Organization.district_id,
                                        order_by=(sa.func.coalesce(c.pr, NOT_PLANNED), c.org))
    groups = (
        sa.select(Organization.district_id.label("district"), c.org, c.pr,
                  sa.cast(before - c.people, sa.Integer).label("start"), *list(c)[2:])
        .join(Organization, Organization.id == c.org)
        .cte("groups")
    )
    g = groups.c
    placed = (  # the planned people with their group's place in the queue
        sa.select(s.rid, s.org, s.pr, g.district, g.start, g.people)
        .join(groups, sa.and_(s.org == g.org, s.pr == g.pr))  # NULL (not planned) never equals
        .cte("placed")
    )
    p = placed.c
    capacity = settings.capacity
    first_wave, last_wave = p.start // capacity, (p.start + p.people - 1) // capacity
    whole = sa.select(p.rid, p.district, (first_wave + 1).label("wave")).where(first_wave == last_wave)
    rank = sa.func.row_number().over(partition_by=(p.org, p.pr), order_by=p.rid)
    cut = sa.select(p.rid, p.district, ((p.start + rank - 1) // capacity + 1).label("wave")).where(
        first_wave != last_wave)
    members = sa.union_all(whole, cut).subquery("members")
    m = members.c
    zero = sa.literal(0)
    by_organization = sa.select(sa.literal("organization").label("kind"), g.org.label("key"),
                                sa.cast(sa.null(), ResponseSubject.subject.type).label("subject"), g.pr,
                                *list(groups.c)[3:])
    by_subject = (
        sa.select(sa.literal("subject"), m.district, ResponseSubject.subject, sa.cast(sa.null(), sa.Integer), m.wave,
                  sa.func.count(), *([zero] * 7))
        .join(ResponseSubject, ResponseSubject.response_id == m.rid)
        .group_by(m.district, ResponseSubject.subject, m.wave)
    )
    return sa.union_all(by_organization, by_subject)


def _rows(query) -> list[sa.Row]:
    return db.session.connection().execute(query).all()

