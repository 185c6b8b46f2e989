"""A campaign's own questions (its XLSForm, issue 17): how their answers are read, their ``constraint``, and their
``relevant`` — ODK's rule: a question whose ``relevant`` is false is not asked, and an answer it had is cleared.

The web form and every importer (paper, ODK Central, KoboToolbox) go through ``rules.check``, which reads a
campaign question's answer with ``read`` here and then applies ``settle``; ``check_complete`` adds ``missing``.
Expressions read the typed answers as ODK does (``survey.questions.expressions.text_of``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from flask_babel import lazy_gettext as _l

from ..questions import Kind, Question, Questionnaire
from .answers import Invalid, blank, parse_date, parse_free_text, parse_int, required_error

TEXT_LIMIT = 1000  # a campaign's text question (the contract: text -> TEXT, limit 1000)
WHOLE = 9_999_999  # the most digits a whole number may have in the rules (seven)
DECIMAL = re.compile(r"[+-]?\d{1,12}(\.\d{1,6})?|[+-]?\.\d{1,6}")
NOT_ALLOWED = _l("This answer is not allowed.")


# ---- reading an answer (its bounds are the XLSForm's constraint, checked in ``settle``) -----------------------

def _decimal(value: Any) -> Decimal:
    """A decimal of any size a census answer may need (the core's ``parse_decimal`` keeps to rates and years)."""
    if isinstance(value, bool):
        raise Invalid(_l("Enter a number, such as 1.5."))
    text = " ".join(str(value).split()).replace(" ", "").replace(",", ".")
    if not DECIMAL.fullmatch(text):
        raise Invalid(_l("Enter a number, such as 1.5."))
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only decimals
        raise Invalid(_l("Enter a number, such as 1.5.")) from exc


def _cell(value: Any) -> str:
    """A choice's name as typed or read from a cell (a spreadsheet gives 2.0 for a name "2")."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _not_a_choice(question: Question, text: str) -> Invalid:
    return Invalid(_l("“%(value)s” is not one of the answers: %(codes)s.", value=text,
                      codes=", ".join(question.choice_codes())))


def _one(question: Question, value: Any) -> str:
    text = _cell(value)
    if text not in question.choice_codes():
        raise _not_a_choice(question, text)
    return text


def _names(value: Any) -> list[str]:
    """Several choices: a list (the web form), or their names separated by spaces (ODK and Kobo) or ';' / ','."""
    if isinstance(value, (list, tuple)):
        return [_cell(item) for item in value if not blank(item)]
    return [part for part in re.split(r"[\s;,]+", _cell(value)) if part]


def _many(question: Question, value: Any) -> list[str]:
    codes = question.choice_codes()
    picked = set()
    for name in _names(value):
        if name not in codes:
            raise _not_a_choice(question, name)
        picked.add(name)
    return [code for code in codes if code in picked]  # in the order of the choices


def parser(question: Question) -> Callable[[Any], Any]:
    """How a campaign question's raw answer (typed, or a cell of an export) becomes a typed value."""
    kind = question.kind
    if kind is Kind.INTEGER:
        return lambda v: parse_int(v, -WHOLE, WHOLE)
    if kind is Kind.DECIMAL:
        return _decimal
    if kind is Kind.DATE:
        return parse_date
    if kind is Kind.TEXT:
        return lambda v: parse_free_text(v, question.limit or TEXT_LIMIT)
    if kind is Kind.ONE:
        return lambda v: _one(question, v)
    if kind is Kind.MANY:
        return lambda v: _many(question, v)
    raise ValueError(f"{question.code}: a campaign question of kind {kind} has no answer to read")


# ---- what expressions read -------------------------------------------------------------------------------------

def is_relevant(question: Question, values: Mapping[str, Any]) -> bool:
    """Whether the question is asked, given the answers known (typed values, read as XPath reads them)."""
    return question.relevant is None or question.relevant.holds(values)


def _constraint_message(question: Question) -> Any:
    return question.lazy("constraint_message") if question.constraint_message is not None else NOT_ALLOWED


# ---- the answers of a page, or of a whole response ------------------------------------------------------------

def read(question: Question, value: Any) -> tuple[Any, Any]:
    """(the typed answer, None), or (None, the message saying why it cannot be read)."""
    if blank(value):
        return ([] if question.is_list else None), None
    try:
        return parser(question)(value), None
    except Invalid as exc:
        return None, exc.message


@lru_cache(maxsize=256)  # bounded: questionnaires are rebuilt when a campaign's questions change
def questions_of(questionnaire: Questionnaire) -> tuple[Question, ...]:
    """The campaign's own questions that keep an answer, in the questionnaire's order."""
    return tuple(q for q in questionnaire.questions if q.is_extra and q.is_stored)


@dataclass
class Settled:
    written: dict[str, Any]  # the answers to keep: those read, settled, and answers of other pages now cleared
    dropped: set[str]  # questions not relevant: whatever was wrong with their answer does not matter
    problems: list[tuple[str, Any]]  # (question, message) of relevant questions


def settle(questionnaire: Questionnaire, fields: Iterable[str], values: Mapping[str, Any], failed: set[str],
           known: Mapping[str, Any], *, required: bool) -> Settled:
    """Relevance, requirement and constraint of the campaign's questions, in the questionnaire's order.

    ``values``: what was read of ``fields`` (typed); ``failed``: the fields that could not be read; ``known``: the
    other answers (typed). A question that is not relevant gets a blank answer; so does an answer in ``known``
    (another page) whose question is no longer relevant — ODK's rule, decided here for the web form and every
    importer alike.
    """
    fields = set(fields)
    merged = {**known, **values}
    settled = Settled({}, set(), [])
    for q in questions_of(questionnaire):
        here = q.code in fields
        if not here and blank(merged.get(q.code)):
            continue
        if not is_relevant(q, merged):
            merged[q.code] = [] if q.is_list else None
            settled.written[q.code] = merged[q.code]
            settled.dropped.add(q.code)
            continue
        if not here or q.code in failed:
            continue
        value = values.get(q.code)
        if blank(value):
            if required and q.mandatory:
                settled.problems.append((q.code, required_error(q)))
        elif q.constraint is not None and not q.constraint.holds(merged, value):
            settled.problems.append((q.code, _constraint_message(q)))
    return settled


def missing(questionnaire: Questionnaire, values: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Before a response counts as submitted: each mandatory campaign question that is relevant only sometimes,
    answered when it is (the ones always asked are in ``Questionnaire.mandatory``)."""
    merged = dict(values)
    problems = []
    for q in questions_of(questionnaire):
        if not is_relevant(q, merged):
            merged[q.code] = [] if q.is_list else None
        elif q.mandatory and q.relevant is not None and blank(merged.get(q.code)):
            problems.append((q.code, required_error(q)))
    return problems
