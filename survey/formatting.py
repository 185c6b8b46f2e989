"""How numbers, dates and times read on a page, in the visitor's language: one home for every template and view.

- A moment (a stored UTC timestamp) is shown in the configured time zone (``TIMEZONE``, Flask-Babel's
  ``BABEL_DEFAULT_TIMEZONE``) and says which: "1 нояб. 2026 г., 14:05 (Алматы, UTC+05:00)"; a table may name
  the zone once, under it, instead.
- A day is written out in the language's long form ("2026 ж. 1 қараша", "1 ноября 2026 г."). It ends with an
  abbreviation's full stop in Russian, so no message puts one of its own right after a date.
- A decimal reads as people type it: "38,5" in Kazakh and Russian, "38.5" in English; never "38.50". In a form's
  input it has no group separators (the parsers read "1234,5", not "1 234,5").
- Lists sorted by what they show follow the Kazakh alphabet (which holds the Russian one in the same order).

The Jinja filters ``moment``, ``day``, ``number`` and ``percent`` and the global ``zone_label`` call these;
Flask-Babel's ``dateformat`` and ``datetimeformat`` are pointed here too (tests/test_formatting.py also checks that no
template formats by hand).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from babel.dates import get_timezone_location
from flask_babel import format_date, format_decimal, format_percent, format_time, get_locale, get_timezone
from flask_babel import gettext as _
from flask_babel import to_user_timezone

Number = int | float | Decimal


def page_language() -> str:
    """The page's language code: the visitor's choice, else the browser's, else the configured default
    (``DEFAULT_LANGUAGE``, Flask-Babel's ``BABEL_DEFAULT_LOCALE``); outside a request, that default."""
    return str(get_locale())


def local(moment: dt.datetime) -> dt.datetime:
    """The moment in the configured time zone (a naive value is taken as UTC, as the database stores it)."""
    return to_user_timezone(moment)


def zone_label(moment: dt.datetime | None = None) -> str:
    """Which clock a time is read on: "Almaty time, UTC+05:00" (the offset at ``moment``, default now)."""
    zone = get_timezone()
    at = local(moment or dt.datetime.now(dt.timezone.utc))
    offset = at.utcoffset() or dt.timedelta()
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    city = get_timezone_location(zone, locale=get_locale(), return_city=True)
    return _("%(city)s time, UTC%(offset)s", city=city, offset=f"{sign}{hours:02d}:{rest:02d}")


def day(value: dt.date | dt.datetime | None, width: str = "long") -> str:
    """A date in the language's own form; a moment is first taken to the configured zone's calendar day."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = local(value).date()
    return format_date(value, width)


def moment(value: dt.datetime | None, width: str = "medium", zone: bool = True) -> str:
    """Date and time (hours and minutes) in the configured zone, followed by the zone unless ``zone`` is False
    (a table whose header names it)."""
    if value is None:
        return ""
    text = f"{format_date(local(value).date(), width)}, {format_time(value, 'short')}"
    return f"{text} ({zone_label(value)})" if zone else text


def number(value: Number | str | None, places: int | None = None, grouping: bool = True) -> str:
    """A number as the language writes it, with no trailing zeros ("38,5", "3"); at most ``places`` decimals
    (default: as many as it has). ``grouping`` False for years and codes ("2024", not "2 024")."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = Decimal(value)
        except ArithmeticError:
            return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal) and not value.is_finite():
        return str(value)
    fraction = "#" * (places if places is not None else max(0, -Decimal(value).normalize().as_tuple().exponent))
    pattern = ("#,##0" if grouping else "0") + (f".{fraction}" if fraction else "")
    return format_decimal(value, pattern)


def number_input(value: Any) -> str:
    """A number for a form's input: as :func:`number`, without group separators, so it reads back as typed."""
    if value is None or value == "":
        return ""
    if not isinstance(value, (int, float, Decimal)):
        return str(value)
    return number(value, grouping=False)


def percent(value: Number | None, places: int = 0) -> str:
    """A share (0.791) as a percentage in the language's own pattern ("79 %" in Russian, "79%" in Kazakh), with
    up to ``places`` decimals ("79,1 %"); "—" when there is none."""
    if value is None:
        return "—"
    pattern = get_locale().percent_formats[None].pattern
    if places:
        pattern = pattern.replace("0", "0." + "#" * places, 1)
    return format_percent(value, pattern)


# The Kazakh alphabet; the Russian letters stand in it in their own order.
_ALPHABET = "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя"
_ORDER = {letter: index for index, letter in enumerate(_ALPHABET)}


def collation_key(text: str) -> tuple:
    """Sort key for words shown to a person: Cyrillic by the Kazakh alphabet (Ә after А, Ё after Е), then
    everything else by code point, ignoring case."""
    return tuple((0, _ORDER[char]) if char in _ORDER else (1, ord(char)) for char in text.casefold())
