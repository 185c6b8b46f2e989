"""Translated names of questionnaire fields (CODEBOOK §2) and staffing metrics (§7) for workbook headers.

Resolve them inside ``flask_babel.force_locale(lang)``: the lazy strings translate when turned into ``str``.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from flask_babel import LazyString, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import codebook as cb
from .. import questions
from ..domain.people import OVERLOAD_RATES
from ..questions import Questionnaire

# Columns of the exports that are not answers: who answered where (before the answers), and how it arrived and
# the workbooks' own columns (after them). The answers' labels are their question records' export labels.
RECORD_LABELS = {
    "response_id": _l("Response ID"),
    "org_bin": _l("BIN of the organization"),
    "organization": _l("Organization"),
    "person_key": _l("Person key"),
    "birth_date": _l("Date of birth"),
    "sex": _l("Sex"),
}
OTHER_LABELS = {
    "source": _l("Source"),
    "version": _l("Version"),
    "submitted_at": _l("Submitted at"),
    "age_band": _l("Age band"),
    "name": _l("Full name"),
    "bin": _l("BIN"),
    "district": _l("District"),
    "region": _l("Region"),
    "level": _l("Level"),
    "ownership": _l("Ownership"),
}


def choice_labels(questionnaire: Questionnaire) -> Iterator[tuple[str, str, Any]]:
    """The campaign's own questions' choices for the Codebook sheet: (question code, choice name, its label as
    ``Translated``), in the order of the questions and their choices."""
    for q in questionnaire.columns:
        for option in q.options:
            yield q.code, option.name, option.label


@cache
def column_labels(questionnaire: Questionnaire) -> dict[str, Any]:
    """Every column code of the exports → its label (shown in the language of the moment), in the Codebook sheet's
    order: who answered where, the answers (a repeated question followed by its parts), the rest."""
    labels = dict(RECORD_LABELS)
    for q in questionnaire.columns:
        labels.setdefault(q.code, q.lazy("export_label"))
        for part in q.parts:
            labels.setdefault(part.code, part.lazy("export_label"))
    for code, label in OTHER_LABELS.items():
        labels.setdefault(code, label)
    return labels


METRIC_LABELS = {
    "headcount": _l("Staff who answered"),
    "headcount_main": _l("Staff at their main job"),
    "fte_contract": _l("FTE by contract (sum of rates)"),
    "fte_load": _l("FTE by teaching load"),
    "vacancy_fte": _l("Vacant rates"),
    "vacancy_rate": _l("Vacancy rate"),
    "pupils_per_teacher": _l("Pupils per teacher FTE"),
    "near_retirement_share": _l("Within 5 years of retirement age"),
    "novice_share": _l("Novices (experience up to 5 years)"),
    "no_ped_education_share": _l("Without pedagogical education"),
    "overload_share": _l("Overloaded (over %(rates)s rates in all jobs)",
                         rates=LazyString(format_decimal, OVERLOAD_RATES)),
    "secondary_job_share": _l("Secondary jobs"),
    "turnover_risk_share": _l("Plan to leave"),
    "ai_use_share": _l("Use AI tools"),
    "response_rate": _l("Response rate (of the roster)"),
    "shortage_fte": _l("Shortage, FTE"),
    "organizations": _l("Organizations"),
    "required": _l("Required hours"),
    "covered": _l("Covered hours"),
    "coverage": _l("Coverage"),
}


def field_label(code: str, questionnaire: Questionnaire | None = None) -> str:
    return str(column_labels(questionnaire or questions.current()).get(code, code))


def metric_label(code: str, lang: str) -> str:
    """The label of a CODEBOOK §7 metric code (share_<category>, share_age_<band>, shortage_fte_<subject> too)."""
    if code in METRIC_LABELS:
        return str(METRIC_LABELS[code])
    if code.startswith("share_age_"):
        return _("Age: %(band)s", band=cb.label("age_band", code.removeprefix("share_age_"), lang))
    if code.startswith("share_"):
        return _("Category: %(category)s", category=cb.label("category", code.removeprefix("share_"), lang))
    if code.startswith("shortage_fte_"):
        return _("Shortage FTE: %(subject)s", subject=cb.label("subject", code.removeprefix("shortage_fte_"), lang))
    return code


def header(code: str, lang: str, headers: str, metric: bool = False,
           questionnaire: Questionnaire | None = None) -> str:
    """A column header: the code itself (``headers="codes"``) or its translated label (a campaign question's
    from ``questionnaire``, the campaign's)."""
    if headers == "codes":
        return code
    return metric_label(code, lang) if metric else field_label(code, questionnaire)
