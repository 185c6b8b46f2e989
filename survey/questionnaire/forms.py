"""WTForms for the questionnaire. They render and carry what was typed; the rules in ``survey.rules`` judge it.

Fields are text, single or multiple choices without WTForms' own type checks, so that nothing typed is ever
thrown away by a converter and every message comes from the one rule set, in the teacher's language.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask_babel import get_locale, gettext
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
from ..forms import CodeSelect, SurveyForm, TextField
from .steps import Step

NUMERIC = {"inputmode": "numeric", "autocomplete": "off"}
DECIMAL = {"inputmode": "decimal", "autocomplete": "off"}


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes; keeps every ticked value, known or not (the rules judge them)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)


def _choices(field: str, blank: bool = True) -> tuple[tuple[str, str], ...]:
    return _choices_in(field, blank, str(get_locale() or "ru"))


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


class NamesForm(SurveyForm):
    last_name = TextField(_l("Last name"), render_kw={"autocomplete": "family-name", "maxlength": 60})
    first_name = TextField(_l("First name"), render_kw={"autocomplete": "given-name", "maxlength": 60})
    middle_name = TextField(_l("Middle name (if any)"), render_kw={"autocomplete": "additional-name",
                                                                    "maxlength": 60})


class IdentityForm(NamesForm):
    iin = TextField(_l("IIN (12 digits)"), render_kw={**NUMERIC, "maxlength": 14})
    consent = BooleanField(_l("I agree that my answers are processed for the staffing census."))
    nonce = HiddenField()
    confirmed = HiddenField()


class ResumeForm(SurveyForm):
    iin = TextField(_l("IIN (12 digits)"), render_kw={**NUMERIC, "maxlength": 14})
    code = TextField(_l("Personal code"), render_kw={"autocomplete": "off", "autocapitalize": "characters",
                                                     "maxlength": 12})


class SubjectRowForm(Form):
    subject = select(_l("Subject"))
    hours = TextField(_l("Hours per week"), render_kw=NUMERIC)
    language = select(_l("Language of teaching"))


class OtherJobRowForm(Form):
    org_bin = TextField(_l("BIN of the organization (if known)"), render_kw=NUMERIC)
    org_name = TextField(_l("Name of the organization"))
    basis = select(_l("Basis"))
    hours = TextField(_l("Hours per week"), render_kw=NUMERIC)


class EmploymentForm(SurveyForm):
    post = select(_l("Post"))
    basis = select(_l("Basis of employment"))
    contract = select(_l("Employment contract"))
    start_date = TextField(_l("Date you started work here"), render_kw={"type": "date"})
    rate = TextField(_l("Rate (ставка), for example 1 or 1.25"), render_kw=DECIMAL)
    teaching_hours = TextField(_l("Teaching hours per week at this organization"), render_kw=NUMERIC)
    languages = CheckboxesField(_l("Languages you teach in"))
    subjects = FieldList(FormField(SubjectRowForm), _l("Subjects you teach here"), min_entries=3)


class OtherJobsForm(SurveyForm):
    other_jobs = FieldList(FormField(OtherJobRowForm), _l("Other jobs"), min_entries=1)


class EducationForm(SurveyForm):
    education_level = select(_l("Level of education"))
    ped_education = select(_l("Pedagogical education"))
    specialty = TextField(_l("Specialty in the diploma"), render_kw={"maxlength": 200})
    graduation_year = TextField(_l("Year of graduation"), render_kw=NUMERIC)
    category = select(_l("Qualification category"))
    category_year = TextField(_l("Year the category was awarded"), render_kw=NUMERIC)
    experience_total = TextField(_l("Total pedagogical experience, years"), render_kw=DECIMAL)
    experience_org = TextField(_l("Experience at this organization, years"), render_kw=DECIMAL)


class WorkForm(SurveyForm):
    pd_hours_3y = TextField(_l("Hours of professional development in the last 3 years"), render_kw=NUMERIC)
    total_hours_week = TextField(_l("All your working hours here last full week"), render_kw=NUMERIC)
    ai_use = RadioField(_l("Did you use AI tools for work in the last 12 months?"), validate_choice=False)
    ai_purposes = CheckboxesField(_l("What for?"))
    ai_training = select(_l("Training in using AI"))
    ai_training_wanted = RadioField(_l("Would you like (more) training in using AI?"), validate_choice=False)
    satisfaction = RadioField(_l("All in all, I am satisfied with my job"), validate_choice=False)
    plans = select(_l("Your plans for the next school year"))


class SubmitForm(SurveyForm):
    pass


FORMS = {"employment": EmploymentForm, "other_jobs": OtherJobsForm, "education": EducationForm, "work": WorkForm}
ROW_CHOICES = {"subject": "subject", "language": "language", "basis": "basis"}


def build_step_form(step: Step, data: dict[str, Any] | None = None, extra_rows: int = 0) -> SurveyForm:
    """The step's form, bound to the request's POST data, or filled from ``data`` for a GET."""
    form_class = FORMS[step.key]
    form = form_class(data=data) if data is not None else form_class()
    for name, field in form._fields.items():
        if name == "languages":
            field.choices = _choices("language", blank=False)
        elif name == "ai_purposes":
            field.choices = _choices("ai_purposes", blank=False)
        elif name in ("ai_use", "ai_training_wanted"):
            field.choices = _yes_no()
        elif name == "satisfaction":
            field.choices = [("1", _l("Strongly disagree")), ("2", _l("Disagree")), ("3", _l("Agree")),
                             ("4", _l("Strongly agree"))]
        elif isinstance(field, SelectField) and name in cb.CODES:
            field.choices = _choices(name)
        elif isinstance(field, FieldList):
            for _ in range(extra_rows):
                field.append_entry()
            for entry in field.entries:
                for sub_name, sub_field in entry.form._fields.items():
                    if sub_name in ROW_CHOICES:
                        sub_field.choices = _choices(ROW_CHOICES[sub_name])
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
