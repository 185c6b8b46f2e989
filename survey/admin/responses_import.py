"""The console's import of questionnaires filled on paper (the flat layout) or offline in ODK Collect or
KoboCollect (ODK Central's and KoboToolbox's exports), for a campaign: all or nothing, every bad row named."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import RadioField, SubmitField
from wtforms.fields.choices import SelectChoice

from ..codebook import Role
from ..concurrency import commit_with_retry
from ..extensions import db
from ..forms import SurveyForm
from ..auth.scope import roles_required
from ..models import Campaign
from ..questionnaire.paper import import_responses
from ..registry.services import ImportRejected
from . import bp

SOURCES = (
    SelectChoice("paper", _l("Paper questionnaires in the flat layout (.xlsx or .csv)")),
    SelectChoice("odk", _l("ODK Central: the CSV export of the submissions (.csv.zip)")),
    SelectChoice("kobo", _l("KoboToolbox: the XLSX export with XML values and headers")),
)


class ImportResponsesForm(SurveyForm):
    source = RadioField(_l("Where the file comes from"), choices=list(SOURCES), default="paper")
    file = FileField(_l("File"), validators=[
        FileRequired(_l("Choose a file.")),
        FileAllowed(["xlsx", "csv", "zip"], _l("Only .xlsx, .csv and .zip files can be imported.")),
    ])
    submit = SubmitField(_l("Import"))


@bp.route("/campaigns/<int:campaign_id>/responses/import", methods=["GET", "POST"])
@roles_required(Role.NATIONAL_ADMIN)
def import_campaign_responses(campaign_id: int):
    campaign = db.get_or_404(Campaign, campaign_id)
    form = ImportResponsesForm()
    rejected = summary = None
    if form.validate_on_submit():
        upload, source = form.file.data, form.source.data
        data, filename = upload.read(), upload.filename or ""

        try:  # another edit of the same responses may commit first
            summary = commit_with_retry(lambda: import_responses(campaign, data, filename, source=source,
                                                                 by=current_user))
        except ImportRejected as exc:
            db.session.rollback()
            rejected = exc
    refused = request.method == "POST" and summary is None
    return render_template("admin/responses_import.html", form=form, campaign=campaign, rejected=rejected,
                           summary=summary), (422 if refused else 200)
