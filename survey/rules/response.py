"""Field and cross-field rules of a teacher response (CODEBOOK §2).

``check(raw, ctx, fields, known)`` parses the raw answers of ``fields`` (text as typed or spreadsheet cells;
lists as Python lists or ``;``-separated text; rows of subjects and other jobs as dicts) into typed values,
and applies every cross-field rule that touches one of ``fields``, taking the other fields' values from
``known`` (what is already stored). ``check_complete(values, ctx)`` is the test before a response counts as
submitted. Messages are lazy translations, rendered in whatever language is active when shown. How a single answer
is read is in ``answers.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from flask_babel import lazy_gettext as _l

from ..domain import EXPERIENCE_FROM_AGE, GRADUATION_MIN_AGE, IdentityError, normalize_id, parse_iin
from ..questions import CORE, Kind, Question, Questionnaire
from . import extra
from .answers import (  # noqa: F401  (out_of_range, too_long: also read as rules.response.*)
    REQUIRED,
    Invalid,
    Many,
    Problems,
    blank,
    out_of_range,
    parser,
    required_error,
    row_is_blank,
    too_long,
)

# The core questionnaire's answers (the rules themselves read ``RuleContext.questionnaire``).
ALL_FIELDS = CORE.answers
MANDATORY = CORE.mandatory
PERSONAL_FIELDS = CORE.per_person
LIST_FIELDS = tuple(q.code for q in CORE.columns if q.is_list)


@dataclass(frozen=True)
class RuleContext:
    """What the rules need besides the answers: the campaign's census date, the birth date from the IIN, and the
    questionnaire whose records say how each answer is read."""

    census_date: dt.date
    birth_date: dt.date | None = None
    questionnaire: Questionnaire = CORE

    @property
    def age(self) -> int | None:
        if self.birth_date is None:
            return None
        b, c = self.birth_date, self.census_date
        return c.year - b.year - ((c.month, c.day) < (b.month, b.day))


@dataclass(frozen=True)
class FieldError:
    """A problem with one answer; ``row`` and ``part`` locate it inside a list of subjects or other jobs."""

    field: str
    message: Any
    row: int | None = None
    part: str | None = None


@dataclass
class Checked:
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_fields(self) -> set[str]:
        return {error.field for error in self.errors}

# ---- cross-field rules ----------------------------------------------------------------------------------------
# Each rule names the fields it reads and returns (field, message) pairs; it runs when one of its fields is being
# checked, with the other fields' values taken from what is already known.

def _start_date(v: Mapping[str, Any], ctx: RuleContext) -> Problems:
    start = v.get("start_date")
    if start is None:
        return []
    if start > ctx.census_date:
        return [("start_date", _l("The start date cannot be after the census date (%(date)s).",
                                  date=ctx.census_date.isoformat()))]
    if ctx.birth_date is not None:
        earliest = _add_years(ctx.birth_date, EXPERIENCE_FROM_AGE)
        if start < earliest:
            return [("start_date", _l("The start date cannot be before your %(age)sth birthday (%(date)s).",
                                      age=EXPERIENCE_FROM_AGE, date=earliest.isoformat()))]
    return []


def _graduation(v: Mapping[str, Any], ctx: RuleContext) -> Problems:
    year = v.get("graduation_year")
    if year is None:
        return []
    if ctx.birth_date is not None and year < ctx.birth_date.year + GRADUATION_MIN_AGE:
        return [("graduation_year", _l("The graduation year cannot be before %(year)s (birth year + %(age)s).",
                                       year=ctx.birth_date.year + GRADUATION_MIN_AGE, age=GRADUATION_MIN_AGE))]
    if year > ctx.census_date.year:
        return [("graduation_year", _l("The year cannot be after %(year)s.", year=ctx.census_date.year))]
    return []


def _category_year(v: Mapping[str, Any], ctx: RuleContext) -> Problems:
    year = v.get("category_year")
    if year is None or not _is_asked(ctx.questionnaire["category_year"], v):
        return []
    if year > ctx.census_date.year:
        return [("category_year", _l("The year cannot be after %(year)s.", year=ctx.census_date.year))]
    if ctx.birth_date is not None and year < ctx.birth_date.year + GRADUATION_MIN_AGE:
        return [("category_year", _l("The year cannot be before %(year)s (birth year + %(age)s).",
                                     year=ctx.birth_date.year + GRADUATION_MIN_AGE, age=GRADUATION_MIN_AGE))]
    return []


def _experience_total(v: Mapping[str, Any], ctx: RuleContext) -> Problems:
    total, age = v.get("experience_total"), ctx.age
    if total is None or age is None:
        return []
    limit = max(age - EXPERIENCE_FROM_AGE, 0)
    if total > limit:
        return [("experience_total", _l("Experience cannot be more than your age minus %(from_age)s (%(max)s years).",
                                        from_age=EXPERIENCE_FROM_AGE, max=limit))]
    return []


def _experience_org(v: Mapping[str, Any], ctx: RuleContext) -> Problems:
    total, here = v.get("experience_total"), v.get("experience_org")
    if total is not None and here is not None and here > total:
        return [("experience_org", _l("Experience at this organization cannot be more than your total experience "
                                      "(%(total)s years).", total=total))]
    return []


def _subject_hours(v: Mapping[str, Any], ctx: RuleContext) -> Problems:
    hours, subjects = v.get("teaching_hours"), v.get("subjects") or []
    if hours is None:
        return []
    total = sum(row.get("hours") or 0 for row in subjects)
    if abs(total - hours) > 1:
        return [("subjects", _l("The subject hours add up to %(sum)s, but your teaching hours are %(hours)s: "
                                "they must match (a difference of 1 is allowed).", sum=total, hours=hours))]
    return []


def _total_hours(v: Mapping[str, Any], ctx: RuleContext) -> Problems:
    total, teaching = v.get("total_hours_week"), v.get("teaching_hours")
    if total is not None and teaching is not None and total < teaching:
        return [("total_hours_week", _l("All working hours (%(total)s) cannot be fewer than teaching hours "
                                        "(%(hours)s).", total=total, hours=teaching))]
    return []


Rule = Callable[[Mapping[str, Any], RuleContext], Problems]

CROSS_RULES: tuple[tuple[tuple[str, ...], Rule], ...] = (
    (("start_date",), _start_date),
    (("graduation_year",), _graduation),
    (("category", "category_year"), _category_year),
    (("experience_total",), _experience_total),
    (("experience_total", "experience_org"), _experience_org),
    (("subjects", "teaching_hours"), _subject_hours),
    (("total_hours_week", "teaching_hours"), _total_hours),
)


# Answers that a cross-field rule compares with a mandatory one: a file of paper questionnaires that gives the
# mandatory answer must give these too (teaching hours are only checked against the subjects' hours if both are).
READ_WITH: dict[str, tuple[str, ...]] = {"teaching_hours": ("subjects",)}


def _is_asked(question: Question, values: Mapping[str, Any]) -> bool | None:
    if question.asked_when is None:
        return True
    return question.asked_when.holds(values.get(question.asked_when.code))


def _asked_rule(question: Question) -> Rule:
    """A question asked only sometimes (its record's ``asked_when``): answered when asked, if it is mandatory;
    left empty when not asked, if its record says so with a message."""

    def rule(v: Mapping[str, Any], ctx: RuleContext) -> Problems:
        asked, answer = _is_asked(question, v), v.get(question.code)
        if asked is False and question.not_asked_message is not None and not blank(answer):
            return [(question.code, question.lazy("not_asked_message"))]
        if asked and question.mandatory and blank(answer):
            return [(question.code, required_error(question))]
        return []

    return rule


@cache
def _rules(questionnaire: Questionnaire) -> tuple[tuple[tuple[str, ...], Rule], ...]:
    """The questionnaire's rules: those its records state (when a question is asked), then the cross-field ones."""
    asked = tuple(((q.asked_when.code, q.code), _asked_rule(q)) for q in questionnaire.asked_sometimes)
    return asked + CROSS_RULES


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _read_extra(result: Checked, question: Question, value: Any) -> None:
    typed, message = extra.read(question, value)
    if message is None:
        result.values[question.code] = typed
    else:
        result.errors.append(FieldError(question.code, message))


def _settle_extra(result: Checked, questionnaire: Questionnaire, fields: tuple[str, ...], known: Mapping[str, Any],
                  required: bool) -> None:
    """The campaign's own questions after they are read (``extra.settle``): relevance, requirement, constraint."""
    settled = extra.settle(questionnaire, fields, result.values, result.error_fields(), known, required=required)
    result.errors = [error for error in result.errors if error.field not in settled.dropped]
    result.values.update(settled.written)
    result.errors.extend(FieldError(name, message) for name, message in settled.problems)


# ---- entry points ---------------------------------------------------------------------------------------------

def check(
    raw: Mapping[str, Any],
    ctx: RuleContext,
    fields: Iterable[str] | None = None,
    known: Mapping[str, Any] | None = None,
    *,
    required: bool = True,
    broken: Iterable[str] = (),
) -> Checked:
    """Parse and check the answers to ``fields`` (all of the questionnaire's by default); cross-field rules read
    other fields from ``known``.

    With ``required`` the mandatory fields of CODEBOOK §2 must be answered; a step saved as a draft passes False.
    ``broken`` names fields the caller already found unreadable: no cross-field rule reads them.
    """
    questionnaire = ctx.questionnaire
    fields = questionnaire.answers if fields is None else tuple(fields)
    mandatory = questionnaire.mandatory
    result = Checked()
    for name in fields:
        question, value = questionnaire[name], raw.get(name)
        if question.is_extra:  # a campaign's own question (its XLSForm): read here, settled below; a note has none
            if question.is_stored:
                _read_extra(result, question, value)
            continue
        if blank(value) or (question.kind is Kind.ROWS and all(row_is_blank(r) for r in value)):
            if required and name in mandatory:
                result.errors.append(FieldError(name, required_error(question)))
            result.values[name] = [] if question.is_list else None
            continue
        try:
            result.values[name] = parser(question)(value)
        except Invalid as exc:
            result.errors.append(FieldError(name, exc.message, exc.row, exc.part))
        except Many as many:
            result.errors.extend(FieldError(name, p.message, p.row, p.part) for p in many.problems)

    if extra.questions_of(questionnaire):
        _settle_extra(result, questionnaire, fields, known or {}, required)
    merged = dict(known or {})
    merged.update(result.values)
    failed = result.error_fields() | set(broken)
    for names, rule in _rules(questionnaire):
        here = [n for n in names if n in fields]
        if not here or any(n in failed for n in names):
            continue
        for name, message in rule(merged, ctx):
            result.errors.append(FieldError(name if name in fields else here[0], message))
    return result


def check_complete(values: Mapping[str, Any], ctx: RuleContext) -> list[FieldError]:
    """Before a response counts as submitted: every mandatory answer given and every cross-field rule met."""
    questionnaire = ctx.questionnaire
    errors = [
        FieldError(name, required_error(questionnaire[name]))
        for name in questionnaire.mandatory if blank(values.get(name)) or values.get(name) is False
    ]
    errors.extend(FieldError(name, message) for name, message in extra.missing(questionnaire, values))
    missing = {error.field for error in errors}
    for names, rule in _rules(questionnaire):
        if any(n in missing for n in names):
            continue
        errors.extend(FieldError(name, message) for name, message in rule(values, ctx))
    return errors


IIN_REASONS = {
    "length": _l("An IIN has 12 digits."),
    "digits": _l("An IIN has digits only."),
    "unissuable": _l("This is not a valid IIN: check the digits."),
    "check_digit": _l("This is not a valid IIN (the last digit does not match): check for a typing error."),
    "century": _l("This is not a valid IIN: its 7th digit must be 1 to 6."),
    "birth_date": _l("This is not a valid IIN: its first six digits must be a birth date."),
}


def check_iin(value: Any) -> tuple[str | None, Any]:
    """(the IIN as 12 digits, None) when valid, else (None, a translated reason)."""
    if blank(value):
        return None, REQUIRED
    number = normalize_id(value)
    try:
        parse_iin(number)
    except IdentityError as exc:
        return None, IIN_REASONS[exc.code]
    return number, None
