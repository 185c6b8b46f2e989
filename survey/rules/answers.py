"""Parsers of single answers (CODEBOOK §2): a raw answer (text as typed, or a spreadsheet cell; lists as Python
lists or ``;``-separated text; rows of subjects and other jobs as dicts) becomes a typed value, or ``Invalid``
with a lazy translated message. ``parser(question)`` picks the one a question's record asks for. The rules
between answers, and the entry points that apply both, are in ``response.py``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from flask_babel import lazy_gettext as _l

from .. import codebook as cb
from ..domain import IdentityError, check_id, normalize_id
from ..questions import Format, Kind, Question

REQUIRED = _l("This answer is required.")

# What a rule finds: (field or part, message) pairs.
Problems = list[tuple[str, Any]]



class Invalid(ValueError):
    def __init__(self, message: Any, row: int | None = None, part: str | None = None):
        super().__init__(str(message))
        self.message, self.row, self.part = message, row, part


# ---- parsing of single values ---------------------------------------------------------------------------------

def out_of_range(low: Any, high: Any) -> Any:
    return _l("Enter a number from %(low)s to %(high)s.", low=low, high=high)


def too_long(limit: int) -> Any:
    return _l("At most %(n)s characters.", n=limit)


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def parse_int(value: Any, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise Invalid(_l("Enter a whole number."))
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        text = _text(value).replace(" ", "")
        if not re.fullmatch(r"[+-]?\d{1,7}", text):
            raise Invalid(_l("Enter a whole number."))
        number = int(text)
    if not low <= number <= high:
        raise Invalid(out_of_range(low, high))
    return number


def parse_decimal(value: Any, low: Decimal, high: Decimal) -> Decimal:
    if isinstance(value, bool):
        raise Invalid(_l("Enter a number, such as 1.5."))
    text = _text(value).replace(" ", "").replace(",", ".")
    if not re.fullmatch(r"[+-]?\d{1,4}(\.\d{1,4})?|[+-]?\.\d{1,4}", text):
        raise Invalid(_l("Enter a number, such as 1.5."))
    try:
        number = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern above admits only decimals
        raise Invalid(_l("Enter a number, such as 1.5.")) from exc
    if not low <= number <= high:
        raise Invalid(out_of_range(low, high))
    return number


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise Invalid(_l("Enter a date as YYYY-MM-DD (for example 2015-09-01)."))


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    answer = cb.parse_bool(_text(value))
    if answer is None:
        raise Invalid(_l("Answer yes or no."))
    return answer


def parse_choice(field_name: str, value: Any) -> str:
    text = _text(value)
    code = cb.parse_code(field_name, text)
    if code is None:
        raise Invalid(_l("“%(value)s” is not one of the answers: %(codes)s.", value=text,
                         codes=", ".join(cb.CODES[field_name])))
    return code


def parse_name(value: Any, limit: int = 60) -> str:
    text = _text(value)
    if len(text) > limit:
        raise Invalid(too_long(limit))
    if not re.fullmatch(r"[^\W\d_]+(?:[ '’.\-][^\W\d_]+)*\.?", text):
        raise Invalid(_l("Use letters only (a hyphen, space or apostrophe may join parts of a name)."))
    return text


def parse_free_text(value: Any, limit: int | None) -> str:
    text = _text(value)
    if limit is not None and len(text) > limit:
        raise Invalid(too_long(limit))
    return text


def _as_list(value: Any) -> list[Any]:
    if blank(value):
        return []
    if isinstance(value, (list, tuple)):
        return [item for item in value if not blank(item)]
    return [part.strip() for part in re.split(r"[;,]", _text(value)) if part.strip()]


def parse_code_list(field_name: str, value: Any, codes_field: str) -> list[str]:
    codes: list[str] = []
    for item in _as_list(value):
        code = parse_choice(codes_field, item)
        if code not in codes:
            codes.append(code)
    return codes


def row_is_blank(row: Mapping[str, Any]) -> bool:
    return all(blank(v) for v in row.values())


def parse_rows(question: Question, value: Any) -> list[dict[str, Any]]:
    """Rows of the question's parts (blank rows skipped); every problem is reported with its row and part."""
    rows, problems = [], []
    for index, row in enumerate(value or []):
        if row_is_blank(row):
            continue
        item: dict[str, Any] = {}
        for part in question.parts:
            raw = row.get(part.code)
            if blank(raw):
                item[part.code] = None
                stand_in = part.instead is not None and not blank(row.get(part.instead))
                if part.mandatory and not stand_in:
                    problems.append(Invalid(required_error(part), index, part.code))
                continue
            try:
                item[part.code] = parser(part)(raw)
            except Invalid as exc:
                problems.append(Invalid(exc.message, index, part.code))
        for part_code, message in ROW_RULES.get(question.code, _no_row_rule)(item, rows):
            problems.append(Invalid(message, index, part_code))
        rows.append(item)
    if problems:
        raise Many(problems)
    return rows


class Many(Exception):
    def __init__(self, problems: list[Invalid]):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


def required_error(question: Question) -> Any:
    return question.lazy("required_message") if question.required_message is not None else REQUIRED


def parse_decimal_answer(question: Question, value: Any) -> Decimal:
    """A decimal within the question's range, in its steps (a rate: 0.25, 0.5 …) or with at most its places."""
    number = parse_decimal(value, Decimal(question.low), Decimal(question.high))
    if question.step is not None and number % question.step:
        raise Invalid(question.lazy("constraint_message"))
    if question.places is not None and number != number.quantize(Decimal(1).scaleb(-question.places)):
        raise Invalid(question.lazy("constraint_message"))
    return number


def parse_bin(question: Question, value: Any) -> str:
    number = normalize_id(value)
    try:
        check_id(number)
    except IdentityError as exc:
        raise Invalid(question.lazy("constraint_message")) from exc
    return number


def parse_consent(question: Question, value: Any) -> bool:
    if not parse_bool(value):
        raise Invalid(required_error(question))
    return True


@cache
def parser(question: Question) -> Callable[[Any], Any]:
    """How the question's raw answer (typed, or a spreadsheet cell) becomes a typed value; built once."""
    kind, q = question.kind, question
    if kind is Kind.TEXT:
        if q.format is Format.NAME:
            return lambda v: parse_name(v, q.limit or 60)
        if q.format is Format.BIN:
            return lambda v: parse_bin(q, v)
        return lambda v: parse_free_text(v, q.limit)
    if kind in (Kind.INTEGER, Kind.YEAR):
        return lambda v: parse_int(v, q.low, q.high)
    if kind is Kind.DECIMAL:
        return lambda v: parse_decimal_answer(q, v)
    if kind is Kind.DATE:
        return parse_date
    if kind is Kind.YES_NO:
        return parse_bool
    if kind is Kind.CONSENT:
        return lambda v: parse_consent(q, v)
    if kind is Kind.ONE:
        return lambda v: parse_choice(q.choices, v)
    if kind is Kind.MANY:
        return lambda v: parse_code_list(q.code, v, q.choices)
    if kind is Kind.ROWS:
        return lambda v: parse_rows(q, v)
    raise ValueError(f"{q.code}: the rules do not read answers of kind {kind}")  # the IIN: check_iin


# ---- rules between the rows of one answer --------------------------------------------------------------------

def _subject_listed_once(item: Mapping[str, Any], earlier: list[dict[str, Any]]) -> Problems:
    if item.get("subject") and any(row.get("subject") == item["subject"] for row in earlier):
        return [("subject", _l("This subject is already listed: add its hours to one row."))]
    return []


def _no_row_rule(item: Mapping[str, Any], earlier: list[dict[str, Any]]) -> Problems:
    return []


# Rules between the rows of one answer: (the row, the rows before it) → (part, message) pairs.
ROW_RULES: dict[str, Callable[[Mapping[str, Any], list[dict[str, Any]]], Problems]] = {
    "subjects": _subject_listed_once,
}
