"""Console forms: shape checks only; scope and uniqueness are decided by the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, DateTimeLocalField, EmailField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..codebook import Level, Role, label
from ..forms import SurveyForm


def row_id(value) -> int:
    """A database id from a form: a whole number that fits the column (a larger one would fail in PostgreSQL)."""
    number = int(value)
    if not 0 <= number < 2**31:
        raise ValueError("id out of range")
    return number


class UploadRegistryForm(SurveyForm):
    file = FileField(_l("Registry file (.xlsx or .csv)"), validators=[
        FileRequired(_l("Choose a file.")),
        FileAllowed(["xlsx", "csv"], _l("Only .xlsx and .csv files can be imported.")),
    ])
    submit = SubmitField(_l("Import"))


class UploadQuestionsForm(SurveyForm):
    file = FileField(_l("XLSForm (.xlsx)"), validators=[
        FileRequired(_l("Choose a file.")),
        FileAllowed(["xlsx"], _l("An XLSForm is an .xlsx workbook.")),
    ])
    submit = SubmitField(_l("Upload the questions"))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CampaignForm(SurveyForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    title_kk = StringField(_l("Title in Kazakh"), validators=[DataRequired(), Length(max=300)])
    title_ru = StringField(_l("Title in Russian"), validators=[DataRequired(), Length(max=300)])
    census_date = DateField(_l("Census date"), validators=[DataRequired()])
    opens_at = DateTimeLocalField(_l("Opens (local time, optional)"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    closes_at = DateTimeLocalField(_l("Closes (local time, optional)"), format="%Y-%m-%dT%H:%M",
                                   validators=[Optional()])
    levels = MultiCheckboxField(_l("Levels taking part"), validators=[DataRequired()])
    regions = MultiCheckboxField(_l("Regions taking part (none ticked: every region)"), coerce=int)
    submit = SubmitField(_l("Create the campaign"))

    def __init__(self, *args, lang: str = "ru", regions: list[tuple[int, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.levels.choices = [(level.value, label("level", level.value, lang)) for level in Level]
        self.regions.choices = list(regions)
        if not self.is_submitted() and not self.levels.data:
            self.levels.data = [level.value for level in Level]


class UserScopeForm(SurveyForm):
    """Role and scope of a user; the choices are limited to what the administrator may grant."""

    role = SelectField(_l("Role"))
    region_id = SelectField(_l("Region (for a region administrator)"), coerce=row_id, validate_choice=False)
    district_id = SelectField(_l("District (for a district administrator)"), coerce=row_id, validate_choice=False)
    org_bin = StringField(_l("BIN of the organization (for a director)"), validators=[Optional(), Length(max=12)])
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, roles: tuple[Role, ...], regions: list[tuple[int, str]],
                 districts: list[tuple[int, str]], lang: str = "ru", **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [(role.value, label("role", role.value, lang)) for role in roles]
        self.region_id.choices = [(0, "—")] + regions
        self.district_id.choices = [(0, "—")] + districts


class InviteForm(UserScopeForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    full_name = StringField(_l("Full name"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Invite"))
