"""The campaign's questionnaire as an XLSForm, the questionnaire format of ODK and KoboToolbox, derived from the
question records: sheets ``survey``, ``choices`` and ``settings``, texts in Kazakh, Russian and English.

It documents the questionnaire in the field's standard format and is the way out for offline collection. Each page
is a group, each repeated question a repeat; the organization is a choice among the campaign's organizations (its
BIN the choice's name); ranges, steps and the IIN's and BINs' check digits are constraints in the XLSForm
expression language, with the rules' own messages. Shaped here as rows, written by ``survey.reports.excel``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from .. import codebook as cb
from .. import rules
from ..campaigns.services import taking_part_filter
from ..domain.identity import WEIGHTS_1, WEIGHTS_2
from ..extensions import db
from ..models import Campaign, localized_name
from ..models import Organization as OrganizationRow
from ..questions import Format, Kind, Question, Questionnaire
from ..reports import excel
from ..reports.sheets import Column, Table

LANGUAGES = (("kk", "Kazakh (kk)"), ("ru", "Russian (ru)"), ("en", "English (en)"))
TEXT_COLUMNS = ("label", "hint", "required_message", "constraint_message")
ORGANIZATIONS = "organizations"  # the choice list of the campaign's organizations
YES_NO = "yes_no"
ORGANIZATION = _l("Organization")


class XLSFormError(Exception):
    """The campaign's questionnaire cannot be written (``message`` is translated)."""

    def __init__(self, message: Any):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Organization:
    bin: str
    name_kk: str | None
    name_ru: str | None


@dataclass
class Row:
    """One row of the survey sheet: the texts by column ("label", "hint" …) in each language."""

    type: str
    name: str
    texts: dict[str, dict[str, str]]
    required: str = ""
    relevant: str = ""
    constraint: str = ""
    appearance: str = ""


def _texts(**lazy: Any) -> dict[str, dict[str, str]]:
    """Each given text in kk, ru and en (a callable is called in each language; None leaves the column empty)."""
    texts: dict[str, dict[str, str]] = {}
    for column, value in lazy.items():
        if value is None:
            continue
        texts[column] = {}
        for lang, _name in LANGUAGES:
            with force_locale(lang):
                texts[column][lang] = str(value() if callable(value) else value)
    return texts


# ---- expressions ---------------------------------------------------------------------------------------------

def _digit(position: int) -> str:
    """The digit at ``position`` (1–12) of the answer: ODK's ``substr`` counts from 0 and stops before its end."""
    return f"number(substr(., {position - 1}, {position}))"


def check_digit_constraint(iin: bool) -> str:
    """12 digits whose last is the check digit of CODEBOOK §6 (two weighted sums modulo 11); an IIN's 7th digit is
    also 1–6 and its first six a plausible birth date (month 1–12, day 1–31)."""
    first = " + ".join(f"{_digit(i)} * {w}" for i, w in zip(range(1, 12), WEIGHTS_1))
    second = " + ".join(f"{_digit(i)} * {w}" for i, w in zip(range(1, 12), WEIGHTS_2))
    last = _digit(12)
    parts = ["regex(., '^[0-9]{12}$')",
             f"(({first}) mod 11 = {last} or (({first}) mod 11 = 10 and ({second}) mod 11 = {last}))"]
    if iin:
        parts += [f"{_digit(7)} >= 1", f"{_digit(7)} <= 6",
                  f"number(substr(., 2, 4)) >= 1", f"number(substr(., 2, 4)) <= 12",
                  f"number(substr(., 4, 6)) >= 1", f"number(substr(., 4, 6)) <= 31"]
    return " and ".join(parts)


def _number(value: Any) -> str:
    return format(value, "f") if not isinstance(value, int) else str(value)


def constraint(q: Question) -> str:
    """The question's own checks as an XLSForm constraint on its answer (``.``); a campaign question's as written."""
    if q.constraint is not None:
        return q.constraint.text
    if q.kind is Kind.IIN:
        return check_digit_constraint(iin=True)
    if q.format is Format.BIN:
        return check_digit_constraint(iin=False)
    parts = []
    if q.kind is Kind.TEXT and q.limit:
        parts.append(f"string-length(.) <= {q.limit}")
    if q.low is not None and not q.choices:
        parts.append(f". >= {_number(q.low)} and . <= {_number(q.high)}")
    if q.step is not None:
        per_unit = _number(1 / q.step)  # a rate's quarters times 4 are whole numbers, exactly in binary too
        parts.append(f"round(. * {per_unit}, 0) = . * {per_unit}")
    if q.places is not None:
        parts.append(f"round(., {q.places}) = .")
    return " and ".join(parts)


def _constraint_message(q: Question) -> Any:
    messages = []
    if q.kind is Kind.TEXT and q.limit and q.format is not Format.BIN:
        messages.append(rules.response.too_long(q.limit))
    if q.low is not None and not q.choices:
        messages.append(rules.response.out_of_range(q.low, q.high))
    if q.constraint_message is not None:
        messages.append(q.lazy("constraint_message"))
    if not messages:
        return None
    return lambda: " ".join(str(message) for message in messages)


def relevant(q: Question) -> str:
    if q.relevant is not None:
        return q.relevant.text
    when = q.asked_when
    if when is None:
        return ""
    if when.equal:
        return f"${{{when.code}}} = '{when.value}'"
    return f"${{{when.code}}} != '' and ${{{when.code}}} != '{when.value}'"  # waits for the answer, as the rules do


# ---- the sheets ----------------------------------------------------------------------------------------------

def list_name(q: Question) -> str:
    """The choice list of a campaign question: its XLSForm's, unless a codebook list has that name."""
    if q.list_name in cb.CODES or q.list_name in (YES_NO, ORGANIZATIONS):
        return f"x_{q.list_name}"
    return q.list_name or q.code


def _type(q: Question) -> str:
    if q.kind is Kind.NOTE:
        return "note"
    if q.options:
        return f"{'select_multiple' if q.kind is Kind.MANY else 'select_one'} {list_name(q)}"
    if q.kind is Kind.YES_NO:
        return f"select_one {YES_NO}"
    if q.kind is Kind.CONSENT:
        return "acknowledge"
    if q.kind is Kind.MANY:
        return f"select_multiple {q.choices}"
    if q.choices:
        return f"select_one {q.choices}"
    return {Kind.INTEGER: "integer", Kind.YEAR: "integer", Kind.DECIMAL: "decimal", Kind.DATE: "date"}.get(q.kind,
                                                                                                            "text")


def _appearance(q: Question) -> str:
    if q.kind is Kind.IIN or q.format is Format.BIN:
        return "numbers"  # a text of digits: the phone offers its number pad
    return q.appearance if q.choices else ""


def _required(q: Question, prefix: str) -> str:
    if not q.mandatory:
        return ""
    if q.instead:
        return f"${{{prefix}{q.instead}}} = ''"  # this part, or the one that may stand in for it
    return "yes"


def _question_rows(q: Question, prefix: str = "") -> Iterator[Row]:
    """A question's rows; the parts of a repeated question are named after it (``subjects_hours``): an XLSForm
    names each of its questions once."""
    texts = _texts(label=lambda: q.text("label"), hint=q.lazy("hint") if q.hint is not None else None,
                   required_message=q.lazy("required_message") if q.required_message is not None else None,
                   constraint_message=_constraint_message(q))
    if q.kind is Kind.ROWS:
        yield Row("begin_repeat", q.code, texts, relevant=relevant(q))
        for part in q.parts:
            yield from _question_rows(part, f"{q.code}_")
        yield Row("end_repeat", "", {})
        return
    yield Row(_type(q), prefix + q.code, texts, _required(q, prefix), relevant(q), constraint(q), _appearance(q))


def survey_rows(questionnaire: Questionnaire) -> list[Row]:
    """The organization, then each page as a group of its questions (in the order the web pages ask them)."""
    rows = [Row(f"select_one {ORGANIZATIONS}", "org_bin", _texts(label=ORGANIZATION), "yes")]
    for page in questionnaire.pages:
        rows.append(Row("begin_group", f"{page.key}_page", _texts(label=page.title)))
        for q in questionnaire.on_page(page.key):
            rows.extend(_question_rows(q))
        rows.append(Row("end_group", "", {}))
    return rows


def _lists(questionnaire: Questionnaire) -> list[Any]:
    """The codebook lists the questions choose from, in the order they are first asked; a campaign question with
    choices of its own stands for its list (the first that names it)."""
    found: list[Any] = []
    names: set[str] = set()
    for q in questionnaire.questions:
        if q.options:
            if list_name(q) not in names:
                names.add(list_name(q))
                found.append(q)
            continue
        for item in (q, *q.parts):
            name = YES_NO if item.kind is Kind.YES_NO else item.choices
            if name and name not in found:
                found.append(name)
    return found


def choice_rows(questionnaire: Questionnaire, organizations: Iterable[Organization]) -> list[list[Any]]:
    """``list_name``, ``name`` and the label in kk, ru, en."""
    rows = []
    for org in organizations:
        kk, ru = localized_name(org.name_ru, org.name_kk, "kk"), localized_name(org.name_ru, org.name_kk, "ru")
        rows.append([ORGANIZATIONS, org.bin, kk, ru, ru])
    for name in _lists(questionnaire):
        if isinstance(name, Question):  # a campaign question's own choices
            rows += [[list_name(name), option.name, option.label.kk, option.label.ru,
                      option.label.en or option.label.ru] for option in name.options]
            continue
        if name == YES_NO:
            yes, no = _texts(yes=_l("Yes"), no=_l("No")).values()
            rows += [[YES_NO, "true", *(yes[lang] for lang, _ in LANGUAGES)],
                     [YES_NO, "false", *(no[lang] for lang, _ in LANGUAGES)]]
            continue
        rows += [[name, code, *(cb.label(name, code, lang) for lang, _ in LANGUAGES)] for code in cb.CODES[name]]
    return rows


def xlsform_tables(questionnaire: Questionnaire, campaign: Campaign,
                   organizations: list[Organization]) -> list[Table]:
    """The three sheets of the XLSForm."""
    if not organizations:
        raise XLSFormError(_l("No organization takes part in the campaign %(code)s: its questionnaire has no "
                              "organization to choose.", code=campaign.code))
    rows = survey_rows(questionnaire)
    used = [column for column in TEXT_COLUMNS if any(column in row.texts for row in rows)]
    text_headers = [f"{column}::{name}" for column in used for _lang, name in LANGUAGES]
    headers = ["type", "name", *text_headers, "required", "relevant", "constraint", "appearance"]
    survey = [[row.type, row.name,
               *(row.texts.get(column, {}).get(lang, "") for column in used for lang, _name in LANGUAGES),
               row.required, row.relevant, row.constraint, row.appearance] for row in rows]
    choices = choice_rows(questionnaire, organizations)
    digest = hashlib.sha256(repr((survey, choices)).encode()).hexdigest()[:8]
    settings = [[campaign.title_kk or campaign.title_ru, campaign.code, f"{cb.CODEBOOK_VERSION}-{digest}",
                 LANGUAGES[0][1]]]
    return [
        Table("survey", [Column(header) for header in headers], survey, hashed=False, freeze=False),
        Table("choices", [Column(h) for h in ("list_name", "name", *(f"label::{name}" for _lang, name in LANGUAGES))],
              choices, hashed=False, freeze=False),
        Table("settings", [Column(h) for h in ("form_title", "form_id", "version", "default_language")], settings,
              hashed=False, freeze=False),
    ]


def write_xlsform(questionnaire: Questionnaire, campaign: Campaign, target: str | Path | IO[bytes]) -> None:
    """The campaign's questionnaire as an .xlsx XLSForm."""
    found = db.session.execute(sa.select(OrganizationRow.bin, OrganizationRow.name_kk, OrganizationRow.name_ru)
                               .where(taking_part_filter(campaign)).order_by(OrganizationRow.bin))
    organizations = [Organization(*row) for row in found]
    excel.render(xlsform_tables(questionnaire, campaign, organizations), str(target) if isinstance(target, Path)
                 else target)
