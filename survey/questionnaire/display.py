"""Answers as the teacher reads them on the summary page: labels in their language, dates and numbers per locale.
Every answer is shown the way its question record says (``survey.questions``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache
from typing import Any

from flask_babel import gettext as _

from .. import codebook as cb
from ..formatting import day, number
from ..questions import Kind, Question, Questionnaire


@cache
def field_labels(questionnaire: Questionnaire) -> dict[str, Any]:
    """Each answer's question text (shown in the reader's language)."""
    return {q.code: q.lazy("label") for q in questionnaire.questions}


def shown_value(q: Question, value: Any, lang: str) -> str:
    """One answer in words."""
    if value is None or value == [] or value == "":
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if q.kind is Kind.ROWS:
        return "; ".join(_row(q, row, lang) for row in value)
    if q.choices is not None:
        if isinstance(value, list):
            return ", ".join(cb.label(q.choices, code, lang) for code in value)
        return cb.label(q.choices, str(value), lang)
    if q.options:  # a campaign's own choices
        return ", ".join(q.choice_label(code) for code in (value if isinstance(value, list) else [value]))
    if isinstance(value, dt.date):
        return day(value)
    if isinstance(value, Decimal):
        return number(value)
    return str(value)


def _row(q: Question, row: dict[str, Any], lang: str) -> str:
    """A row by the record's ``row_text``; a part that the text does not name is added in brackets when given."""
    template = str(q.row_text)
    stand_ins = {part.instead for part in q.parts if part.instead}
    shown = {part.code: shown_value(part, row.get(part.code), lang) for part in q.parts}
    for part in q.parts:
        if part.instead and not shown[part.code]:
            shown[part.code] = shown[part.instead]
    text = template % shown
    extra = [shown[part.code] for part in q.parts
             if f"%({part.code})s" not in template and part.code not in stand_ins and shown[part.code]]
    return text + "".join(f" ({value})" for value in extra)


def shown_values(values: dict[str, Any], lang: str, questionnaire: Questionnaire) -> dict[str, str]:
    by_code = questionnaire.by_code
    return {name: shown_value(by_code[name], value, lang) for name, value in values.items() if name in by_code}
