"""Ages, age bands, retirement age and load norms (reference/domain.md §b.2, CODEBOOK §7)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

# Social Code: women's retirement age rises by half a year a year from 2028 to 63 in 2031.
WOMEN_RETIREMENT_BY_YEAR = {2028: Decimal("61.5"), 2029: Decimal("62"), 2030: Decimal("62.5")}
MEN_RETIREMENT_AGE = Decimal("63")
# CODEBOOK §7 overload_share and rule G6's default threshold: a teaching load above this many rates, across all of a
# person's organizations (reference §b.2, B6).
OVERLOAD_RATES = Decimal("1.5")
# Nobody graduates (or earns a category) before this age, and work, with the pedagogical experience it gives, counts
# from this age at the earliest: the questionnaire's own checks and integrity rule G15.
GRADUATION_MIN_AGE = 17
EXPERIENCE_FROM_AGE = 16


def age_on(birth_date: dt.date, on: dt.date) -> int:
    """Full years of age on a date."""
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def age_band(age: int) -> str:
    """CODEBOOK §7 age band code."""
    if age < 30:
        return "under_30"
    if age < 40:
        return "30_39"
    if age < 50:
        return "40_49"
    if age < 60:
        return "50_59"
    return "60_plus"


def retirement_age(sex: str, year: int) -> Decimal:
    """Retirement age in years in a calendar year: men 63; women 61 until 2027, then +0.5 a year to 63 in 2031."""
    if sex == "m":
        return MEN_RETIREMENT_AGE
    if year <= 2027:
        return Decimal("61")
    if year >= 2031:
        return Decimal("63")
    return WOMEN_RETIREMENT_BY_YEAR[year]


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (earlier when negative), the month's last day when it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def retirement_date(birth_date: dt.date, sex: str) -> dt.date:
    """The day a person reaches retirement age: the age of the calendar year in which it is reached. A woman born
    1966-06-15 retires on 2027-06-15 (61); one born 1967-03-01 on 2028-09-01 (61.5 in 2028); one born 1967-09-01
    is 61.5 only in 2029, when the age is 62: she retires on 2029-09-01."""
    for year in range(birth_date.year + 60, birth_date.year + 70):
        day = add_months(birth_date, int(retirement_age(sex, year) * 12))
        if day.year <= year:
            return day
    raise AssertionError("the retirement age schedule ends by 2031")  # pragma: no cover


def years_to_retirement(birth_date: dt.date, sex: str, on: dt.date) -> Decimal:
    """Years left (negative when past) until retirement age, on a date; ages in whole months."""
    months = (on.year - birth_date.year) * 12 + (on.month - birth_date.month) - (on.day < birth_date.day)
    return retirement_age(sex, on.year) - Decimal(months) / 12


def norms_from_config(config: Mapping[str, Any]) -> dict[str, int]:
    """Teaching hours per week that make one rate, by organization level (app config LOAD_NORM_*)."""
    return {"school": int(config["LOAD_NORM_SCHOOL"]), "college": int(config["LOAD_NORM_COLLEGE"]),
            "preschool": int(config["LOAD_NORM_PRESCHOOL"])}
