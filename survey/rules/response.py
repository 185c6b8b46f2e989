"""Field and cross-field rules of a teacher response (CODEBOOK §2).

``check(raw, ctx, fields, known)`` parses the raw answers of ``fields`` (text as typed or spreadsheet cells;
lists as Python lists or ``;``-separated text; rows of subjects and other jobs as dicts) into typed values,
and applies every cross-field rule that touches one of ``fields``, taking the other fields' values from
``known`` (what is already stored). ``check_complete(values, ctx)`` is the test before a response counts as
submitted. Messages are lazy translations, rendered in whatever language is active when shown.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l

from .. import codebook as cb
from ..domain import IdentityError, check_id, normalize_id, parse_iin

NAME_FIELDS = ("last_name", "first_name", "middle_name")
EMPLOYMENT_FIELDS = ("post", "basis", "contract", "start_date", "rate", "teaching_hours", "languages", "subjects")
PERSONAL_FIELDS = (
    "education_level", "ped_education", "specialty", "graduation_year", "category", "category_year",
    "experience_total",
)
EDUCATION_FIELDS = PERSONAL_FIELDS + ("experience_org",)
WORK_FIELDS = (
    "pd_hours_3y", "total_hours_week", "ai_use", "ai_purposes", "ai_training", "ai_training_wanted", "satisfaction",
    "plans",
)
ALL_FIELDS = NAME_FIELDS + ("consent",) + EMPLOYMENT_FIELDS + ("other_jobs",) + EDUCATION_FIELDS + WORK_FIELDS
MANDATORY = (
    "last_name", "first_name", "consent", "post", "basis", "contract", "start_date", "rate", "teaching_hours",
    "languages", "education_level", "ped_education", "graduation_year", "category", "experience_total",
    "experience_org",
)
LIST_FIELDS = ("languages", "ai_purposes", "subjects", "other_jobs")

REQUIRED = _l("This answer is required.")
CONSENT_NEEDED = _l("Your consent is needed to take part in the survey.")


@dataclass(frozen=True)
class RuleContext:
    """What the rules need besides the answers: the campaign's census date and the birth date from the IIN."""

    census_date: dt.date
    birth_date: dt.date | None = None

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


class Invalid(ValueError):
    def __init__(self, message: Any, row: int | None = None, part: str | None = None):
        super().__init__(str(message))
        self.message, self.row, self.part = message, row, part


# ---- parsing of single values ---------------------------------------------------------------------------------

def _blank(value: Any) -> bool:
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
        raise Invalid(_l("Enter a number from %(low)s to %(high)s.", low=low, high=high))
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
        raise Invalid(_l("Enter a number from %(low)s to %(high)s.", low=low, high=high))
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
        raise Invalid(_l("At most %(n)s characters.", n=limit))
    if not re.fullmatch(r"[^\W\d_]+(?:[ '’.\-][^\W\d_]+)*\.?", text):
        raise Invalid(_l("Use letters only (a hyphen, space or apostrophe may join parts of a name)."))
    return text


def parse_free_text(value: Any, limit: int) -> str:
    text = _text(value)
    if len(text) > limit:
        raise Invalid(_l("At most %(n)s characters.", n=limit))
    return text


def _as_list(value: Any) -> list[Any]:
    if _blank(value):
        return []
    if isinstance(value, (list, tuple)):
        return [item for item in value if not _blank(item)]
    return [part.strip() for part in re.split(r"[;,]", _text(value)) if part.strip()]


def parse_code_list(field_name: str, value: Any, codes_field: str) -> list[str]:
    codes: list[str] = []
    for item in _as_list(value):
        code = parse_choice(codes_field, item)
        if code not in codes:
            codes.append(code)
    return codes


def _row_is_blank(row: Mapping[str, Any]) -> bool:
    return all(_blank(v) for v in row.values())


def parse_subjects(value: Any) -> list[dict[str, Any]]:
    rows, problems = [], []
    for index, row in enumerate(value or []):
        if _row_is_blank(row):
            continue
        item: dict[str, Any] = {}
        for part, parse in (("subject", lambda v: parse_choice("subject", v)),
                            ("hours", lambda v: parse_int(v, 1, 40)),
                            ("language", lambda v: parse_choice("language", v))):
            raw = row.get(part)
            if _blank(raw):
                if part != "language":
                    problems.append(Invalid(REQUIRED, index, part))
                item[part] = None
                continue
            try:
                item[part] = parse(raw)
            except Invalid as exc:
                problems.append(Invalid(exc.message, index, part))
        if item.get("subject") and any(r["subject"] == item["subject"] for r in rows):
            problems.append(Invalid(_l("This subject is already listed: add its hours to one row."), index, "subject"))
        rows.append(item)
    if problems:
        raise _Many(problems)
    return rows


def parse_other_jobs(value: Any) -> list[dict[str, Any]]:
    rows, problems = [], []
    for index, row in enumerate(value or []):
        if _row_is_blank(row):
            continue
        item: dict[str, Any] = {"org_bin": None, "org_name": None}
        if not _blank(row.get("org_bin")):
            number = normalize_id(row["org_bin"])
            try:
                check_id(number)
                item["org_bin"] = number
            except IdentityError:
                problems.append(Invalid(_l("A BIN has 12 digits with a valid check digit; leave it empty if unknown."),
                                        index, "org_bin"))
        if not _blank(row.get("org_name")):
            try:
                item["org_name"] = parse_free_text(row["org_name"], 300)
            except Invalid as exc:
                problems.append(Invalid(exc.message, index, "org_name"))
        if item["org_bin"] is None and item["org_name"] is None and _blank(row.get("org_bin")):
            problems.append(Invalid(_l("Give the organization's BIN or its name."), index, "org_name"))
        for part, parse in (("basis", lambda v: parse_choice("basis", v)), ("hours", lambda v: parse_int(v, 1, 40))):
            if _blank(row.get(part)):
                problems.append(Invalid(REQUIRED, index, part))
                continue
            try:
                item[part] = parse(row[part])
            except Invalid as exc:
                problems.append(Invalid(exc.message, index, part))
        rows.append(item)
    if problems:
        raise _Many(problems)
    return rows


class _Many(Exception):
    def __init__(self, problems: list[Invalid]):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


def _rate(value: Any) -> Decimal:
    rate = parse_decimal(value, Decimal("0.25"), Decimal("2"))
    if rate * 4 != int(rate * 4):
        raise Invalid(_l("The rate goes in steps of 0.25: 0.25, 0.5, 0.75 … 2."))
    return rate


def _consent(value: Any) -> bool:
    if not parse_bool(value):
        raise Invalid(CONSENT_NEEDED)
    return True


def _experience(value: Any) -> Decimal:
    number = parse_decimal(value, Decimal("0"), Decimal("70"))
    if number != number.quantize(Decimal("0.1")):
        raise Invalid(_l("Give years with at most one decimal place, such as 12.5."))
    return number


PARSERS: dict[str, Callable[[Any], Any]] = {
    "last_name": parse_name,
    "first_name": parse_name,
    "middle_name": parse_name,
    "consent": _consent,
    "post": lambda v: parse_choice("post", v),
    "basis": lambda v: parse_choice("basis", v),
    "contract": lambda v: parse_choice("contract", v),
    "start_date": parse_date,
    "rate": _rate,
    "teaching_hours": lambda v: parse_int(v, 0, 40),
    "languages": lambda v: parse_code_list("languages", v, "language"),
    "subjects": parse_subjects,
    "other_jobs": parse_other_jobs,
    "education_level": lambda v: parse_choice("education_level", v),
    "ped_education": lambda v: parse_choice("ped_education", v),
    "specialty": lambda v: parse_free_text(v, 200),
    "graduation_year": lambda v: parse_int(v, 1900, 2100),
    "category": lambda v: parse_choice("category", v),
    "category_year": lambda v: parse_int(v, 1950, 2100),
    "experience_total": _experience,
    "experience_org": _experience,
    "pd_hours_3y": lambda v: parse_int(v, 0, 1000),
    "total_hours_week": lambda v: parse_int(v, 0, 80),
    "ai_use": parse_bool,
    "ai_purposes": lambda v: parse_code_list("ai_purposes", v, "ai_purposes"),
    "ai_training": lambda v: parse_choice("ai_training", v),
    "ai_training_wanted": parse_bool,
    "satisfaction": lambda v: parse_int(v, 1, 4),
    "plans": lambda v: parse_choice("plans", v),
}
EMPTY: dict[str, Any] = {"languages": [], "ai_purposes": [], "subjects": [], "other_jobs": []}


# ---- cross-field rules ----------------------------------------------------------------------------------------
# Each rule names the fields it reads and returns (field, message) pairs; it runs when one of its fields is being
# checked, with the other fields' values taken from what is already known.

Problems = list[tuple[str, Any]]


def _start_date(v: Mapping[str, Any], ctx: RuleContext) -> Problems:
    start = v.get("start_date")
    if start is None:
        return []
    if start > ctx.census_date:
        return [("start_date", _l("The start date cannot be after the census date (%(date)s).",
                                  date=ctx.census_date.isoformat()))]
    if ctx.birth_date is not None:
        sixteen = _add_years(ctx.birth_date, 16)
        if start < sixteen:
            return [("start_date", _l("The start date cannot be before your 16th birthday (%(date)s).",
                                      date=sixteen.isoformat()))]
    return []


def _graduation(v: Mapping[str, Any], ctx: RuleContext) -> Problems:
    year = v.get("graduation_year")
    if year is None:
        return []
    if ctx.birth_date is not None and year < ctx.birth_date.year + 17:
        return [("graduation_year", _l("The graduation year cannot be before %(year)s (birth year + 17).",
                                       year=ctx.birth_date.year + 17))]
    if year > ctx.census_date.year:
        return [("graduation_year", _l("The year cannot be after %(year)s.", year=ctx.census_date.year))]
    return []


def _category_year(v: Mapping[str, Any], ctx: RuleContext) -> Problems:
    category, year = v.get("category"), v.get("category_year")
    if category is None:
        return []
    if category == "none":
        if year is not None:
            return [("category_year", _l("Leave the year empty when you have no category."))]
        return []
    if year is None:
        return [("category_year", _l("Give the year the category was awarded."))]
    if year > ctx.census_date.year:
        return [("category_year", _l("The year cannot be after %(year)s.", year=ctx.census_date.year))]
    if ctx.birth_date is not None and year < ctx.birth_date.year + 17:
        return [("category_year", _l("The year cannot be before %(year)s (birth year + 17).",
                                     year=ctx.birth_date.year + 17))]
    return []


def _specialty(v: Mapping[str, Any], ctx: RuleContext) -> Problems:
    level = v.get("education_level")
    if level is not None and level != "secondary" and not v.get("specialty"):
        return [("specialty", _l("Give the specialty written in your diploma."))]
    return []


def _experience_total(v: Mapping[str, Any], ctx: RuleContext) -> Problems:
    total, age = v.get("experience_total"), ctx.age
    if total is None or age is None:
        return []
    limit = max(age - 16, 0)
    if total > limit:
        return [("experience_total", _l("Experience cannot be more than your age minus 16 (%(max)s years).",
                                        max=limit))]
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


def _ai_purposes(v: Mapping[str, Any], ctx: RuleContext) -> Problems:
    if v.get("ai_purposes") and v.get("ai_use") is not True:
        return [("ai_purposes", _l("Choose purposes only if you used AI tools."))]
    return []


CROSS_RULES: tuple[tuple[tuple[str, ...], Callable[[Mapping[str, Any], RuleContext], Problems]], ...] = (
    (("start_date",), _start_date),
    (("graduation_year",), _graduation),
    (("category", "category_year"), _category_year),
    (("education_level", "specialty"), _specialty),
    (("experience_total",), _experience_total),
    (("experience_total", "experience_org"), _experience_org),
    (("subjects", "teaching_hours"), _subject_hours),
    (("total_hours_week", "teaching_hours"), _total_hours),
    (("ai_use", "ai_purposes"), _ai_purposes),
)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# ---- entry points ---------------------------------------------------------------------------------------------

def check(
    raw: Mapping[str, Any],
    ctx: RuleContext,
    fields: Iterable[str] = ALL_FIELDS,
    known: Mapping[str, Any] | None = None,
    *,
    required: bool = True,
    broken: Iterable[str] = (),
) -> Checked:
    """Parse and check the answers to ``fields``; cross-field rules read other fields from ``known``.

    With ``required`` the mandatory fields of CODEBOOK §2 must be answered; a step saved as a draft passes False.
    ``broken`` names fields the caller already found unreadable: no cross-field rule reads them.
    """
    fields = tuple(fields)
    result = Checked()
    for name in fields:
        value = raw.get(name)
        if _blank(value) or (name in ("subjects", "other_jobs") and all(_row_is_blank(r) for r in value)):
            if required and name in MANDATORY:
                result.errors.append(FieldError(name, REQUIRED))
            result.values[name] = list(EMPTY[name]) if name in EMPTY else None
            continue
        try:
            result.values[name] = PARSERS[name](value)
        except Invalid as exc:
            result.errors.append(FieldError(name, exc.message, exc.row, exc.part))
        except _Many as many:
            result.errors.extend(FieldError(name, p.message, p.row, p.part) for p in many.problems)

    merged = dict(known or {})
    merged.update(result.values)
    failed = result.error_fields() | set(broken)
    for names, rule in CROSS_RULES:
        here = [n for n in names if n in fields]
        if not here or any(n in failed for n in names):
            continue
        for name, message in rule(merged, ctx):
            result.errors.append(FieldError(name if name in fields else here[0], message))
    return result


def check_complete(values: Mapping[str, Any], ctx: RuleContext) -> list[FieldError]:
    """Before a response counts as submitted: every mandatory answer given and every cross-field rule met."""
    errors = [
        FieldError(name, CONSENT_NEEDED if name == "consent" else REQUIRED)
        for name in MANDATORY if _blank(values.get(name)) or values.get(name) is False
    ]
    missing = {error.field for error in errors}
    for names, rule in CROSS_RULES:
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
    if _blank(value):
        return None, REQUIRED
    number = normalize_id(value)
    try:
        parse_iin(number)
    except IdentityError as exc:
        return None, IIN_REASONS[exc.code]
    return number, None
