"""Forms of the review queue: reviewing a flag, a director's explanation, a run, and the queue's filters."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from ..codebook import FlagStatus
from ..forms import SurveyForm
from .queries import QueueFilters
from .catalogue import RULES_BY_CODE, SEVERITY_LABELS, STATUS_LABELS

NOTE_MAX = 2000


class ReviewForm(SurveyForm):
    """An administrator's review: any status, with a note (required unless the flag goes back to open)."""

    status = SelectField(_l("Status"), choices=[SelectChoice(status.value, STATUS_LABELS[status.value])
                                                for status in FlagStatus],
                         validators=[InputRequired()])
    note = TextAreaField(_l("Note"), validators=[Length(max=NOTE_MAX)])

    def validate_note(self, field) -> None:
        if self.status.data != FlagStatus.OPEN.value and not (field.data or "").strip():
            raise ValidationError(_l("Write what you found: a review needs a note."))


class ExplainForm(SurveyForm):
    """A director's explanation of a flag at their organization."""

    note = TextAreaField(_l("Explanation"), validators=[DataRequired(_l("Write the explanation.")),
                                                        Length(max=NOTE_MAX)])


class RunForm(SurveyForm):
    campaign_id = HiddenField(validators=[DataRequired()])


STATUS_FILTERS = ("active", "open", "explained", "confirmed", "dismissed", "closed", "all")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def parse_filters(args: MultiDict, default_campaign_id: int) -> QueueFilters:
    """The queue's filters from the query string; an unknown value is ignored rather than an error."""
    rule = args.get("rule") or None
    severity = args.get("severity") or None
    status = args.get("status") or "active"
    return QueueFilters(
        campaign_id=_int(args.get("campaign")) or default_campaign_id,
        rule=rule if rule in RULES_BY_CODE else None,
        severity=severity if severity in SEVERITY_LABELS else None,
        status=status if status in STATUS_FILTERS else "active",
        region_id=_int(args.get("region")),
        district_id=_int(args.get("district")),
        organization_id=_int(args.get("organization")),
        page=_int(args.get("page")) or 1,
    )
