"""Answers as the teacher reads them on the summary page: labels in their language, dates and numbers per locale."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from wtforms.fields.core import UnboundField

from .. import codebook as cb
from ..formatting import day, number
from .forms import FORMS, IdentityForm

SATISFACTION = {1: "Strongly disagree", 2: "Disagree", 3: "Agree", 4: "Strongly agree"}


def field_labels() -> dict[str, Any]:
    """Each answer's question text, taken from the forms (a list's label is its second argument)."""
    labels: dict[str, Any] = {}
    for form_class in (IdentityForm, *FORMS.values()):
        for name in dir(form_class):
            unbound = getattr(form_class, name, None)
            if isinstance(unbound, UnboundField) and unbound.args:
                first = unbound.args[0]
                labels[name] = unbound.args[1] if isinstance(first, UnboundField) else first
    return labels


def _codes(field: str, codes: list[str], lang: str) -> str:
    return ", ".join(cb.label(field, code, lang) for code in codes)


def shown_values(values: dict[str, Any], lang: str) -> dict[str, str]:
    shown: dict[str, str] = {}
    for name, value in values.items():
        if value is None or value == []:
            shown[name] = ""
        elif isinstance(value, bool):
            shown[name] = _("Yes") if value else _("No")
        elif name == "satisfaction":
            shown[name] = _(SATISFACTION[value])
        elif isinstance(value, dt.date):
            shown[name] = day(value)
        elif isinstance(value, Decimal):
            shown[name] = number(value)
        elif name in ("languages", "ai_purposes"):
            shown[name] = _codes("language" if name == "languages" else name, value, lang)
        elif name == "subjects":
            shown[name] = "; ".join(
                _("%(subject)s: %(hours)s h", subject=cb.label("subject", row["subject"], lang), hours=row["hours"])
                + (f" ({cb.label('language', row['language'], lang)})" if row.get("language") else "")
                for row in value
            )
        elif name == "other_jobs":
            shown[name] = "; ".join(
                _("%(organization)s, %(basis)s, %(hours)s h", organization=row.get("org_name") or row.get("org_bin"),
                  basis=cb.label("basis", row["basis"], lang), hours=row["hours"])
                for row in value
            )
        elif name in cb.CODES:
            shown[name] = cb.label(name, value, lang)
        else:
            shown[name] = str(value)
    return shown
