"""A campaign's own questions (issue 17, from its XLSForm) aggregated in SQL over ``responses.answers``.

``org_figures(campaign, questions, organization_ids)`` runs one GROUP BY over the submitted responses and returns,
per organization, *numerators and denominators* for every question: how many answered it, how many chose each
choice (a ``select_multiple`` counts each name chosen), and for numbers their sum. ``rollup`` and ``total`` add
organizations into districts, regions or the country by summing those, so a district's share is never an average
of its schools' shares. A median does not add up: ``medians`` computes it in SQL over the answers of each group
(organization, district, region or the whole scope), and ``scope_figures`` puts both together.

The answers are read in the JSON form the contract of issue 17 fixes (integer → number, decimal → text "12.5",
select_one → the choice's name, select_multiple → a list of names) with SQL that SQLite and PostgreSQL both run:
``->>`` / ``json_extract`` of the key as text (as ``models.responses.answer_column``), a list's JSON text
searched for the quoted name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Hashable, Iterable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from ..campaigns.questions import questionnaire_for
from ..extensions import db
from ..models import Campaign, District, Organization, Response
from ..questions import Kind, Question
from .metrics import _count, _org_filter, _ratio, _submitted, tune_for_aggregates

CHOICE_KINDS = (Kind.ONE, Kind.MANY)
NUMBER_KINDS = (Kind.INTEGER, Kind.DECIMAL)


def _decimal(value: Any) -> Decimal:
    """A sum or median as SQL gives it (Decimal on PostgreSQL, int or float on SQLite) as a Decimal."""
    if value is None:
        return Decimal(0)
    number = (value if isinstance(value, Decimal) else Decimal(str(value))).normalize()
    return number.quantize(Decimal(1)) if number.as_tuple().exponent > 0 else number  # 1E+1 → 10


@dataclass
class QuestionFigures:
    """One question's figures for a set of responses: answered, chosen per choice name, sum of numbers (all add
    up), and the median of the numbers (computed for the set itself; a sum of two sets has none)."""

    answered: int = 0
    chosen: dict[str, int] = field(default_factory=dict)
    total: Decimal = Decimal(0)
    median: Decimal | None = None

    def share(self, choice: str) -> Decimal | None:
        """Of those who answered, the share who chose ``choice``."""
        return _ratio(self.chosen.get(choice, 0), self.answered)

    @property
    def mean(self) -> Decimal | None:
        return _ratio(self.total, self.answered)

    def __add__(self, other: QuestionFigures) -> QuestionFigures:
        chosen = dict(self.chosen)
        for name, count in other.chosen.items():
            chosen[name] = chosen.get(name, 0) + count
        return QuestionFigures(self.answered + other.answered, chosen, self.total + other.total)


@dataclass
class CampaignFigures:
    """Every extra question's figures for a set of organizations (one, or a roll-up), and their place."""

    responses: int = 0  # submitted responses: those who could have answered
    questions: dict[str, QuestionFigures] = field(default_factory=dict)
    organizations: int = 0
    district_id: int | None = None
    region_id: int | None = None

    def __getitem__(self, name: str) -> QuestionFigures:
        return self.questions.get(name) or QuestionFigures()

    def answered_share(self, name: str) -> Decimal | None:
        """Of the submitted responses, the share who answered question ``name``."""
        return _ratio(self[name].answered, self.responses)

    def __add__(self, other: CampaignFigures) -> CampaignFigures:
        names = list(self.questions) + [name for name in other.questions if name not in self.questions]
        return CampaignFigures(self.responses + other.responses, {name: self[name] + other[name] for name in names},
                               self.organizations + other.organizations)


def extra_questions(campaign: Campaign) -> tuple[Question, ...]:
    """The campaign's own questions that store an answer (notes store none), in the order they are asked."""
    return tuple(q for q in questionnaire_for(campaign).questions if q.is_extra and q.is_stored)


def _needle(name: str) -> str:
    """A choice name as it appears, quoted, in the JSON text of a stored list."""
    return json.dumps(name)


def answers_read(campaign: Campaign, questions: tuple[Question, ...], organization_ids) -> sa.Select:
    """One row per submitted response: ``org``, ``district``, ``region`` and each question's answer as text
    (``v0``, ``v1`` … in the order of ``questions``; ``answer_column``'s JSON form), the JSON read once per row.

    On PostgreSQL ``answers`` (type json, kept as text) is turned into jsonb once and each answer taken from that:
    ``->>`` on json parses the whole text again for every answer (2.4 s for ten answers of 50 000 responses, 0.8 s
    through jsonb). OFFSET 0 keeps PostgreSQL from pulling a subquery up into the query around it, which would
    repeat its expressions at every use (a choice's count, the number who answered, a sum)."""
    source = Response.answers
    if db.session.get_bind().dialect.name == "postgresql":
        source = sa.cast(Response.answers, JSONB)
    rows = (
        sa.select(Response.organization_id.label("org"), Organization.district_id.label("district"),
                  District.region_id.label("region"), source.label("answers"))
        .join(Organization, Response.organization_id == Organization.id)
        .join(District, Organization.district_id == District.id)
        .where(*_submitted(campaign), *_org_filter(Response.organization_id, organization_ids))
        .offset(0)
        .subquery("answers_rows")
    )
    return sa.select(rows.c.org, rows.c.district, rows.c.region,
                     *(rows.c.answers[q.code].as_string().label(f"v{index}")
                       for index, q in enumerate(questions))).offset(0)


def _answered(q: Question, value) -> sa.ColumnElement:
    blank = "[]" if q.kind is Kind.MANY else ""
    return sa.and_(value.is_not(None), value != blank)


def _chose(q: Question, value, choice: str) -> sa.ColumnElement:
    if q.kind is Kind.MANY:
        return value.contains(_needle(choice), autoescape=True)
    return value == choice


def _number(value) -> sa.ColumnElement:
    """The answer as a number (NULL when blank: PostgreSQL refuses to cast '')."""
    return sa.case((value != "", sa.cast(value, sa.Numeric)), else_=None)


def org_figures(campaign: Campaign, questions: Iterable[Question],
                organization_ids: Iterable[int] | sa.Select | None = None) -> dict[int, CampaignFigures]:
    """Per organization with submitted responses: every question's answered count, choice counts and sum of
    numbers, in one GROUP BY. Organizations nobody answered at are absent (their figures are zeros)."""
    questions = tuple(questions)
    tune_for_aggregates()
    read = answers_read(campaign, questions, organization_ids).subquery("answers_read")
    columns = []
    for index, q in enumerate(questions):
        value = read.c[f"v{index}"]
        columns.append(_count(_answered(q, value)).label(f"a{index}"))
        if q.kind in CHOICE_KINDS:
            codes = q.choice_codes()
            columns += [_count(_chose(q, value, code)).label(f"c{index}_{n}") for n, code in enumerate(codes)]
        elif q.kind in NUMBER_KINDS:
            columns.append(sa.func.sum(_number(value)).label(f"s{index}"))
    query = (sa.select(read.c.org, read.c.district, read.c.region, sa.func.count().label("responses"), *columns)
             .group_by(read.c.org, read.c.district, read.c.region))
    result: dict[int, CampaignFigures] = {}
    for row in db.session.connection().execute(query).all():
        row = row._mapping
        figures = {}
        for index, q in enumerate(questions):
            item = QuestionFigures(answered=row[f"a{index}"] or 0)
            if q.kind in CHOICE_KINDS:
                item.chosen = {code: row[f"c{index}_{n}"] or 0 for n, code in enumerate(q.choice_codes())}
            elif q.kind in NUMBER_KINDS:
                item.total = _decimal(row[f"s{index}"])
            figures[q.code] = item
        result[row["org"]] = CampaignFigures(responses=row["responses"], questions=figures, organizations=1,
                                             district_id=row["district"], region_id=row["region"])
    return result


_GROUP_KEYS = {
    "organization": lambda f, org_id: org_id,
    "district": lambda f, org_id: f.district_id,
    "region": lambda f, org_id: f.region_id,
    "national": lambda f, org_id: None,
}


def rollup(figures: dict[int, CampaignFigures], by: str) -> dict[Hashable, CampaignFigures]:
    """Organizations' figures summed per district id, region id, or one national group (key None)."""
    key = _GROUP_KEYS[by]
    groups: dict[Hashable, CampaignFigures] = {}
    for org_id, item in figures.items():
        group = key(item, org_id)
        groups[group] = groups.get(group, CampaignFigures()) + item
    return groups


def total(figures: Iterable[CampaignFigures]) -> CampaignFigures:
    result = CampaignFigures()
    for item in figures:
        result = result + item
    return result


def medians(campaign: Campaign, questions: Iterable[Question], organization_ids: Iterable[int] | sa.Select | None,
            by: str) -> dict[Hashable, dict[str, Decimal]]:
    """The median of every number question's answers per group (``by``: organization, district, region, or
    national — one group, key None), in SQL: the values numbered in order within their group and question, the
    middle one (or the mean of the middle two) kept. Groups without an answer are absent."""
    numbers = tuple(q for q in questions if q.kind in NUMBER_KINDS)
    if not numbers:
        return {}
    tune_for_aggregates()  # the values are sorted in memory (and not compiled first)
    read = answers_read(campaign, numbers, organization_ids).cte("answers_read")  # read once, used by each
    group = {"organization": read.c.org, "district": read.c.district, "region": read.c.region,
             "national": sa.literal(0)}[by]
    values = sa.union_all(*(
        sa.select(group.label("grp"), sa.literal(q.code).label("question"), _number(read.c[f"v{index}"]).label("x"))
        .where(_answered(q, read.c[f"v{index}"]))
        for index, q in enumerate(numbers))).subquery("answer_values")
    within = (values.c.grp, values.c.question)
    ranked = sa.select(
        values.c.grp, values.c.question, values.c.x,
        sa.func.row_number().over(partition_by=within, order_by=values.c.x).label("rn"),
        sa.func.count().over(partition_by=within).label("n"),
    ).subquery("ranked")
    # the middle of n values: positions (n + 1) / 2 and (n + 2) / 2 in integer division (one position when n is odd)
    middle = sa.or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2)
    query = (sa.select(ranked.c.grp, ranked.c.question, sa.func.avg(ranked.c.x))
             .where(middle).group_by(ranked.c.grp, ranked.c.question))
    result: dict[Hashable, dict[str, Decimal]] = {}
    for grp, name, median in db.session.connection().execute(query).all():
        result.setdefault(None if by == "national" else grp, {})[name] = _decimal(median)
    return result


@dataclass
class ScopeFigures:
    """A scope's extra questions and their figures, ready to show: ``figures[name]`` of the whole scope."""

    questions: tuple[Question, ...]
    figures: CampaignFigures


def scope_figures(campaign: Campaign, organization_ids: Iterable[int] | sa.Select | None,
                  questions: tuple[Question, ...] | None = None,
                  per_org: dict[int, CampaignFigures] | None = None) -> ScopeFigures | None:
    """The figures of every extra question over the organizations of ``organization_ids`` taken together (summed
    from organizations upward — ``per_org`` when the caller has them already; medians over the scope's answers).
    None when the campaign has no extra questions."""
    questions = extra_questions(campaign) if questions is None else questions
    if not questions:
        return None
    if per_org is None:
        per_org = org_figures(campaign, questions, organization_ids)
    figures = total(per_org.values())
    set_medians(figures, medians(campaign, questions, organization_ids, "national").get(None, {}))
    return ScopeFigures(questions, figures)


def set_medians(figures: CampaignFigures, found: dict[str, Decimal]) -> None:
    """Put the medians ``found`` (by question name) on ``figures``."""
    for name, median in found.items():
        if name in figures.questions:
            figures.questions[name].median = median


def grouped_figures(campaign: Campaign, organization_ids: Iterable[int] | sa.Select | None, by: str,
                    questions: tuple[Question, ...]) -> dict[Hashable, CampaignFigures]:
    """Per organization, district or region (``by``), or nationally: figures summed upward with their medians."""
    per_org = org_figures(campaign, questions, organization_ids)
    groups = per_org if by == "organization" else rollup(per_org, by)
    for key, found in medians(campaign, questions, organization_ids, by).items():
        if key in groups:
            set_medians(groups[key], found)
    return groups
