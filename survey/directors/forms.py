"""Forms of the director's pages. They validate; services save."""

from __future__ import annotations

import re
from decimal import Decimal

from email_validator import EmailNotValidError, validate_email

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DecimalField, FieldList, Form, FormField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.widgets import TextInput
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from .. import codebook as cb
from ..formatting import number_input
from ..forms import SurveyForm

BLANK_ROWS = 3
MAX_DECIMAL = Decimal(10) ** 9


class LocalizedDecimalField(DecimalField):
    """A decimal that accepts a comma as the decimal separator (as Kazakh and Russian keyboards type it).

    Rendered as a text input with a decimal keypad: browsers refuse a comma in <input type="number">.
    """

    widget = TextInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(*args, **kwargs)

    def _value(self) -> str:
        """What the input shows: the text as typed, else the stored number as the language writes it ("38,5")."""
        if self.raw_data:
            return str(self.raw_data[0])
        return number_input(self.data)

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = [valuelist[0].replace(",", ".").strip()]
        super().process_formdata(valuelist)
        # Decimal() also reads "NaN", "Infinity" and "1e27": they would break the range checks and the column.
        if self.data is not None and (not self.data.is_finite() or abs(self.data) >= MAX_DECIMAL):
            self.data = None
            raise ValueError(_l("Enter an ordinary number, such as 42 or 0.5."))


class BoundedIntegerField(IntegerField):
    """A whole number of ordinary size: a 400-digit one would overflow the range check (float conversion)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and abs(self.data) >= MAX_DECIMAL:
            self.data = None
            raise ValueError(_l("Enter an ordinary number, such as 42 or 0.5."))


def is_phone_or_email(value: str) -> bool:
    """A phone number (10 to 15 digits, with spaces, dashes, brackets, a leading +) or an e-mail address."""
    value = value.strip()
    if "@" in value:
        try:
            validate_email(value, check_deliverability=False)
        except EmailNotValidError:
            return False
        return True
    digits = re.sub(r"[\s()\-]", "", value)
    return bool(re.fullmatch(r"\+?\d{10,15}", digits))


def code_choices(field: str, lang: str, blank: bool = True) -> list[tuple[str, str]]:
    choices = [(code, cb.label(field, code, lang)) for code in cb.CODES[field]]
    return ([("", "—")] if blank else []) + choices


class RowForm(Form):
    """One row of a repeating table: an empty row is skipped; a started row must be complete."""

    required: tuple[tuple[str, object], ...] = ()

    def is_blank(self) -> bool:
        return all(not (field.raw_data and str(field.raw_data[0]).strip()) for field in self)

    def validate(self, extra_validators=None) -> bool:
        if self.is_blank():
            for field in self:
                field.errors = []
            return True
        valid = super().validate(extra_validators)
        for name, message in self.required:
            field = self[name]
            if field.data in (None, "") and not field.errors:
                field.errors = [message]
                valid = False
        return valid


class VacancyRow(RowForm):
    post = SelectField(_l("Post"), validate_choice=False)
    subject = SelectField(_l("Subject"), validate_choice=False)
    rate = LocalizedDecimalField(_l("Rate"), places=2, validators=[Optional(), NumberRange(min=Decimal("0.25"), max=100)])
    required = (("post", _l("Choose the post.")), ("rate", _l("Enter the rate, e.g. 1 or 0.5.")))

    def validate_post(self, field):
        if field.data and field.data not in cb.POSTS:
            raise ValidationError(_l("Choose the post."))

    def validate_subject(self, field):
        if field.data and field.data not in cb.SUBJECTS:
            raise ValidationError(_l("Choose a subject from the list."))

    def validate_rate(self, field):
        if field.data is not None and (field.data * 4) % 1:
            raise ValidationError(_l("The rate goes in steps of 0.25."))


class RequiredHoursRow(RowForm):
    subject = SelectField(_l("Subject"), validate_choice=False)
    hours = BoundedIntegerField(_l("Hours per week"), validators=[Optional(), NumberRange(min=1, max=100000)])
    required = (("subject", _l("Choose a subject from the list.")),
                ("hours", _l("Enter the weekly hours the curriculum requires.")))

    def validate_subject(self, field):
        if field.data and field.data not in cb.SUBJECTS:
            raise ValidationError(_l("Choose a subject from the list."))


class ReportForm(SurveyForm):
    pupils = BoundedIntegerField(_l("Pupils, children or students enrolled on the census date"),
                          validators=[Optional(), NumberRange(min=0, max=100000)])
    classes = BoundedIntegerField(_l("Classes or groups"), validators=[Optional(), NumberRange(min=0, max=5000)])
    approved_rates = LocalizedDecimalField(_l("Teaching rates in the approved staff schedule"), places=2,
                                           validators=[Optional(), NumberRange(min=0, max=5000)])
    vacancies = FieldList(FormField(VacancyRow), min_entries=1)
    required_hours = FieldList(FormField(RequiredHoursRow), min_entries=1)
    lead_name = StringField(_l("Full name"), validators=[Length(max=200)])
    lead_post = StringField(_l("Post"), validators=[Optional(), Length(max=200)])
    lead_contact = StringField(_l("Phone or e-mail"), validators=[Length(max=200)])

    def validate_lead_name(self, field):
        if not field.data and (self.lead_post.data or self.lead_contact.data):
            raise ValidationError(_l("Give the name of the person responsible for digitalization."))

    def validate_lead_contact(self, field):
        if not field.data:
            if self.lead_name.data:
                raise ValidationError(_l("Give a phone number or an e-mail address."))
            return
        if not is_phone_or_email(field.data):
            raise ValidationError(_l("Enter a phone number such as +7 701 123 45 67, or an e-mail address."))

    def digital_lead(self) -> tuple[str | None, str | None, str | None]:
        """(name, post, contact) of the person responsible for digitalization; all None when none is given."""
        values = tuple((field.data or "").strip() or None for field in (self.lead_name, self.lead_post,
                                                                         self.lead_contact))
        return values if values[0] else (None, None, None)

    def set_choices(self, lang: str) -> None:
        for row in self.vacancies:
            row.post.choices = code_choices("post", lang)
            row.subject.choices = code_choices("subject", lang)
        for row in self.required_hours:
            row.subject.choices = code_choices("subject", lang)


class RosterEntryForm(SurveyForm):
    iin = StringField(_l("IIN"), validators=[DataRequired(), Length(max=20)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=60)])
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=60)])
    middle_name = StringField(_l("Middle name"), validators=[Optional(), Length(max=60)])
    post = SelectField(_l("Post"), validate_choice=False)


class UploadForm(SurveyForm):
    file = FileField(_l("File (.xlsx or .csv)"), validators=[FileRequired(_l("Choose a file to upload."))])


class SignOffForm(SurveyForm):
    confirm = BooleanField(_l("I confirm that the organization's data are complete and correct."),
                           validators=[DataRequired(_l("Tick the box to confirm."))])


class ReopenForm(SurveyForm):
    reason = TextAreaField(_l("Reason for reopening"), validators=[DataRequired(_l("Give a reason.")),
                                                                   Length(max=1000)])


class ConfirmForm(SurveyForm):
    """A button that changes state: only the CSRF token."""
