"""The export request form: what, for which campaign and organizations, in which language and layout."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice as C
from wtforms.validators import DataRequired, Optional, Regexp, ValidationError

from ..forms import SurveyForm


KIND_LABELS = {"profiles": _l("Staffing profiles"), "responses": _l("Raw responses")}
STATUS_LABELS = {"queued": _l("waiting"), "running": _l("being prepared"), "done": _l("ready"),
                 "failed": _l("failed")}
LANGUAGES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
# The options that belong to one kind of export only (the others apply to both).
PROFILE_OPTIONS = ("per_org", "zip")
RESPONSE_OPTIONS = ("format", "layout")


class ExportForm(SurveyForm):
    kind = SelectField(_l("What to export"), choices=[C(code, text) for code, text in KIND_LABELS.items()],
                       validators=[DataRequired()])
    campaign = SelectField(_l("Campaign"), validators=[DataRequired()])
    region = StringField(_l("Region (name or id)"), validators=[Optional()])
    district = StringField(_l("District (name or id)"), validators=[Optional()])
    org_bin = StringField(_l("BIN of one organization"), validators=[
        Optional(), Regexp(r"^\d{12}$", message=_l("A BIN has 12 digits."))])
    lang = SelectField(_l("Language"), choices=[C(code, name) for code, name in LANGUAGES.items()])
    headers = SelectField(_l("Headers and values"), choices=[
        C("labels", _l("Labels")), C("codes", _l("Codes"))])
    per_org = BooleanField(_l("Add a sheet per organization"))
    as_zip = BooleanField(_l("A zip of organization workbooks"))
    format = SelectField(_l("File format"), choices=[C("xlsx", "Excel (.xlsx)"), C("csv", "CSV (UTF-8)")])
    layout = SelectField(_l("Layout"), choices=[
        C("tables", _l("Sheets joined by response id")), C("flat", _l("Flat layout of the paper import"))])

    def validate_as_zip(self, field) -> None:
        if self.kind.data == "profiles" and field.data and self.per_org.data:
            raise ValidationError(_l("Choose either a sheet per organization or a zip, not both."))

    def params(self) -> dict:
        """The job parameters (the same keys the CLI options map to), with only the options of the chosen kind:
        a sheet per organization or a zip for profiles, a format and a layout for raw responses."""
        params = {
            "campaign": self.campaign.data, "region": (self.region.data or "").strip() or None,
            "district": (self.district.data or "").strip() or None, "org_bin": self.org_bin.data or None,
            "lang": self.lang.data, "headers": self.headers.data, "per_org": self.per_org.data,
            "zip": self.as_zip.data, "format": self.format.data, "layout": self.layout.data,
        }
        ignored = RESPONSE_OPTIONS if self.kind.data == "profiles" else PROFILE_OPTIONS
        return {key: value for key, value in params.items() if key not in ignored}
