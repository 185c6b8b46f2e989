"""WTForms for the questionnaire, built from the question records (``survey.questions``). They render and carry
what was typed; the rules in ``survey.rules`` judge it.

Fields are text, single or multiple choices without WTForms' own type checks, so that nothing typed is ever
thrown away by a converter and every message comes from the one rule set, in the teacher's language. Each page's
form class is built once per questionnaire, each list of choices once per language.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
)
from wtforms.widgets import CheckboxInput, ListWidget

from .. import codebook as cb
from ..formatting import page_language
from ..forms import CodeSelect, SurveyForm, TextField
from ..questions import Format, Kind, Question, Questionnaire, Step

NUMERIC = {"inputmode": "numeric", "autocomplete": "off"}
DECIMAL = {"inputmode": "decimal", "autocomplete": "off"}


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes; keeps every ticked value, known or not (the rules judge them)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)


@lru_cache(maxsize=64)
def _choices_in(field: str, blank: bool, lang: str) -> tuple[tuple[str, str], ...]:
    """A codebook list as (code, label) text, built once per language (called within a request in ``lang``)."""
    options = tuple((code, cb.label(field, code, lang)) for code in cb.CODES[field])
    return ((("", gettext("— choose —")),) if blank else ()) + options


def _yes_no() -> list[tuple[str, Any]]:
    return [("true", _l("Yes")), ("false", _l("No"))]


def select(label, **kwargs) -> SelectField:
    return SelectField(label, validate_choice=False, widget=CodeSelect(), **kwargs)


class AccessCodeForm(SurveyForm):
    code = TextField(_l("Access code"), render_kw={"autocomplete": "off", "autocapitalize": "characters"})


class SubmitForm(SurveyForm):
    pass


def _input_attributes(q: Question) -> dict[str, Any] | None:
    """What the browser needs to offer the right keyboard and limits for a typed answer."""
    if q.kind is Kind.IIN:
        return {**NUMERIC, "maxlength": 14}  # 12 digits, with room for the spaces some people type between groups
    if q.kind in (Kind.INTEGER, Kind.YEAR) or q.format is Format.BIN:
        return NUMERIC
    if q.kind is Kind.DECIMAL:
        return DECIMAL
    if q.kind is Kind.DATE:
        return {"type": "date"}
    attributes: dict[str, Any] = {"autocomplete": q.autocomplete} if q.autocomplete else {}
    if q.limit:
        attributes["maxlength"] = q.limit
    return attributes or None


def _is_radio(q: Question) -> bool:
    """Yes/no, and a choice that is not a drop-down list (a scale of agreement, a campaign's own choices), are
    radio buttons."""
    return q.kind is Kind.YES_NO or (q.kind in (Kind.ONE, Kind.INTEGER) and (q.choices is not None or q.options)
                                     and q.appearance != "minimal")


def _field(q: Question):
    """The input of a question; its label is the record's, in the reader's language when shown."""
    label = q.lazy("label")
    if q.kind is Kind.ROWS:
        return FieldList(FormField(_row_form(q)), label, min_entries=q.rows_shown)
    if q.kind is Kind.CONSENT:
        return BooleanField(label)
    if q.kind is Kind.MANY:
        return CheckboxesField(label)
    if _is_radio(q):
        return RadioField(label, validate_choice=False)
    if q.kind is Kind.ONE:
        return select(label)
    return TextField(label, render_kw=_input_attributes(q))


@cache
def _row_form(q: Question) -> type[Form]:
    return type(f"{q.code}_row", (Form,), {part.code: _field(part) for part in q.parts})


@cache
def _page_form(questionnaire: Questionnaire, key: str) -> type[SurveyForm]:
    return type(f"{key}_form", (SurveyForm,),
                {q.code: _field(q) for q in questionnaire.on_page(key) if q.is_stored})  # a note has no input


def name_codes(questionnaire: Questionnaire) -> tuple[str, ...]:
    """The person's names: the typed answers of the identity page."""
    return tuple(q.code for q in questionnaire.identity() if q.kind is Kind.TEXT)


@cache
def _names_form(questionnaire: Questionnaire) -> type[SurveyForm]:
    names = {code: _field(questionnaire[code]) for code in name_codes(questionnaire)}
    return type("NamesForm", (SurveyForm,), names)


@cache
def _identity_form(questionnaire: Questionnaire) -> type[SurveyForm]:
    names = name_codes(questionnaire)
    base = _names_form(questionnaire)  # first: WTForms orders fields by when they were made, the names before the rest
    others = {q.code: _field(q) for q in questionnaire.identity() if q.code not in names}
    return type("IdentityForm", (base,), {**others, "nonce": HiddenField(), "confirmed": HiddenField()})


@cache
def _resume_form(questionnaire: Questionnaire) -> type[SurveyForm]:
    iin = next(q for q in questionnaire.identity() if q.kind is Kind.IIN)
    code = TextField(_l("Personal code"), render_kw={"autocomplete": "off", "autocapitalize": "characters",
                                                     "maxlength": 12})
    return type("ResumeForm", (SurveyForm,), {iin.code: _field(iin), "code": code})


def names_form(questionnaire: Questionnaire, **kwargs) -> SurveyForm:
    """The names of the identity page alone (the page where they are corrected)."""
    return _names_form(questionnaire)(**kwargs)


def identity_form(questionnaire: Questionnaire) -> SurveyForm:
    """The identity page: the names, then the IIN and the consent, with the page's nonce and confirmation."""
    return _identity_form(questionnaire)()


def resume_form(questionnaire: Questionnaire, **kwargs) -> SurveyForm:
    return _resume_form(questionnaire)(**kwargs)


def _choices_of(q: Question, lang: str) -> Any:
    if q.kind is Kind.YES_NO:
        return _yes_no()
    if q.options:  # a campaign's own choices (its XLSForm), labelled in the reader's language
        blank = (("", gettext("— choose —")),) if q.kind is Kind.ONE and not _is_radio(q) else ()
        return blank + tuple((option.name, str(option.label)) for option in q.options)
    return _choices_in(q.choices, q.kind is Kind.ONE and not _is_radio(q), lang)


def build_step_form(step: Step, questionnaire: Questionnaire, data: dict[str, Any] | None = None,
                    extra_rows: int = 0) -> SurveyForm:
    """The step's form, bound to the request's POST data, or filled from ``data`` for a GET."""
    form_class = _page_form(questionnaire, step.key)
    # filled from ``data`` even while answering a POST (the next step's page, sent in answer to a saved one): the
    # posted form of another step would otherwise empty its checkboxes, whose absence from a post means "none"
    form = form_class(formdata=None, data=data) if data is not None else form_class()
    lang = page_language()
    for q in step.questions:
        field = form._fields.get(q.code)
        if field is None:  # a note
            continue
        if q.kind is Kind.ROWS:
            for _ in range(extra_rows):
                field.append_entry()
            for entry in field.entries:
                for part in q.parts:
                    if part.choices:
                        entry.form._fields[part.code].choices = _choices_of(part, lang)
        elif q.choices or q.options or q.kind is Kind.YES_NO:
            field.choices = _choices_of(q, lang)
    return form


def form_raw(form: SurveyForm) -> dict[str, Any]:
    """What was typed, as the rules read it (the CSRF token left out)."""
    return {name: field.data for name, field in form._fields.items() if name != "csrf_token"}


def attach_errors(form: SurveyForm, errors) -> None:
    """Put the rules' errors on the fields they belong to (rows of subjects and jobs cell by cell)."""
    for error in errors:
        field = form._fields.get(error.field)
        if field is None:
            continue
        if error.row is not None and isinstance(field, FieldList) and error.row < len(field.entries):
            target = field.entries[error.row].form._fields.get(error.part or "")
            if target is not None:
                target.errors = [*target.errors, error.message]
                continue
        own = [e for e in field.errors if not isinstance(e, (dict, list))]  # a FieldList also lists its rows'
        field.errors = [*own, error.message]


def own_errors(field) -> list[Any]:
    """A field's messages, without the per-row error lists a FieldList also carries."""
    return [e for e in (field.errors or []) if not isinstance(e, (dict, list, tuple))]


def summary_entries(form: SurveyForm) -> list[tuple[str, str]]:
    """(element id, 'Label: message') for the error summary, in the order of the page."""
    entries = []
    for name, field in form._fields.items():
        if name == "csrf_token":
            continue
        if isinstance(field, FieldList):
            for message in own_errors(field):
                first = field.entries[0].form._fields if field.entries else {}
                target = next(iter(first.values())).id if first else field.id
                entries.append((target, f"{field.label.text}: {message}"))
            for number, entry in enumerate(field.entries, start=1):
                for sub in entry.form._fields.values():
                    for message in own_errors(sub):
                        entries.append((sub.id, f"{sub.label.text} ({number}): {message}"))
            continue
        for message in own_errors(field):
            entries.append((field.id if not isinstance(field, (RadioField, CheckboxesField)) else f"{field.id}-0",
                            f"{str(field.label.text).rstrip('.')}: {message}"))  # a sentence-label ("I agree….")
    return entries
