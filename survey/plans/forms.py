"""Forms of the forecast and AI-plan page. They validate; services save."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import NumberRange, Optional, ValidationError

from .. import codebook as cb
from ..config import PLAN_LIMITS, priority_answers
from ..directors.forms import BoundedIntegerField, LocalizedDecimalField
from ..forms import SurveyForm
from ..models.plans import GROWTH_PERCENT_RANGE, GROWTH_PUPILS_LIMIT


def _limits(name: str) -> NumberRange:
    low, high = PLAN_LIMITS[name]
    return NumberRange(min=low, max=high, message=_l("Enter a number from %(min)s to %(max)s."))


class WhatIfForm(SurveyForm):
    """The settings' values for this page only (a GET form): an empty field keeps the setting."""

    FIELDS = ("years", "attrition", "plans_leave", "retirement_leave", "capacity", "priority_age", "priority_answers")

    class Meta:
        csrf = False

    years = BoundedIntegerField(_l("Years ahead"), validators=[Optional(), _limits("FORECAST_YEARS")])
    attrition = LocalizedDecimalField(_l("Yearly attrition, %"), places=None,
                                      validators=[Optional(), _limits("FORECAST_ATTRITION_PERCENT")])
    plans_leave = LocalizedDecimalField(_l("Of those who plan to leave or move, leave: %"), places=None,
                                        validators=[Optional(), _limits("FORECAST_PLANS_LEAVE_PERCENT")])
    retirement_leave = LocalizedDecimalField(_l("Of those who reach retirement age, leave: %"), places=None,
                                             validators=[Optional(), _limits("FORECAST_RETIREMENT_LEAVE_PERCENT")])
    capacity = BoundedIntegerField(_l("People a district trains in one wave"),
                                   validators=[Optional(), _limits("AI_WAVE_CAPACITY")])
    priority_age = BoundedIntegerField(_l("Priority to those under the age of"),
                                       validators=[Optional(), _limits("AI_PRIORITY_UNDER_AGE")])
    priority_answers = StringField(_l("Priority also to those who answered (question=choice, separated by ;)"),
                                   validators=[Optional()])

    def validate_priority_answers(self, field):
        try:
            priority_answers(field.data or "")
        except ValueError:
            raise ValidationError(_l("Write question=choice pairs separated by ;, for example mentor=yes."))

    def forecast_overrides(self) -> dict:
        if self.errors:
            return {}
        return {"years": self.years.data, "attrition_percent": self.attrition.data,
                "plans_leave_percent": self.plans_leave.data, "retirement_leave_percent": self.retirement_leave.data}

    def plan_overrides(self) -> dict:
        if self.errors:
            return {}
        answers = self.priority_answers.data
        return {"capacity": self.capacity.data, "priority_under_age": self.priority_age.data,
                "priority_answers": priority_answers(answers) if answers else None}


class GrowthForm(SurveyForm):
    """A district's growth for one level or every level: a per cent a year or a number of pupils a year."""

    level = SelectField(_l("Level"), validate_choice=False)
    kind = SelectField(_l("Growth in"), validate_choice=False)
    value = LocalizedDecimalField(_l("Growth a year"), places=None, validators=[Optional()])

    def set_choices(self, lang: str) -> None:
        self.level.choices = [("", _l("Every level"))] + [(code, cb.label("level", code, lang))
                                                          for code in cb.CODES["level"]]
        self.kind.choices = [("percent", _l("per cent a year")), ("pupils", _l("pupils a year"))]

    def validate_level(self, field):
        if field.data and field.data not in cb.CODES["level"]:
            raise ValidationError(_l("Choose a level from the list."))

    def validate_kind(self, field):
        if field.data not in ("percent", "pupils"):
            raise ValidationError(_l("Choose per cent or pupils."))

    def validate_value(self, field):
        if field.data is None:
            return
        if self.kind.data == "percent":
            low, high = GROWTH_PERCENT_RANGE
            if not low <= field.data <= high or field.data != round(field.data, 2):
                raise ValidationError(_l("Enter a per cent from %(low)s to %(high)s with at most two decimals.",
                                         low=low, high=high))
        elif field.data != int(field.data) or abs(field.data) > GROWTH_PUPILS_LIMIT:
            raise ValidationError(_l("Enter a whole number of pupils from -%(n)s to %(n)s.", n=GROWTH_PUPILS_LIMIT))

    def percent(self) -> Decimal | None:
        return self.value.data if self.kind.data == "percent" and self.value.data else None

    def pupils(self) -> int | None:
        return int(self.value.data) if self.kind.data == "pupils" and self.value.data else None


class GrowthUploadForm(SurveyForm):
    file = FileField(_l("Growth table (.xlsx or .csv)"), validators=[FileRequired(_l("Choose a file to upload."))])
