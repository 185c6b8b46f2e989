"""Director pages: load → check role and scope → validate → call one service → redirect or render; the request
commits once after it (survey/transactions.py), a GET never."""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import codebook as cb
from ..auth.scope import ADMIN_ROLES, get_organization_or_404, roles_required
from ..campaigns.services import CampaignError, campaigns_for, get_campaign, takes_part
from ..codebook import Role
from ..extensions import db
from ..formatting import page_language
from ..models import Campaign, Organization, Response, RosterEntry
from ..plans.queries import director_plans
from ..registry.services import ImportRejected, RowError
from . import bp, queries, services
from .forms import (
    BLANK_ROWS,
    ConfirmForm,
    ReopenForm,
    ReportForm,
    RosterEntryForm,
    SignOffForm,
    UploadForm,
    code_choices,
)


def _campaign_for(organization: Organization, code: str) -> Campaign:
    """The campaign of the code, when it is under way and covers the organization (its level and region)."""
    try:
        campaign = get_campaign(code)
    except CampaignError:
        abort(404)
    if campaign.status == "draft" or not takes_part(campaign, organization):
        abort(404)
    return campaign


def _director_context(code: str):
    organization = current_user.organization
    campaign = _campaign_for(organization, code)
    return organization, campaign, services.find_report(campaign, organization)


def _own_row_or_404(model, row_id: int, organization: Organization, campaign: Campaign):
    """A roster entry or response of the director's own organization in this campaign; anything else is 404."""
    row = db.session.get(model, row_id)
    if row is None or row.organization_id != organization.id or row.campaign_id != campaign.id:
        abort(404)
    return row


def _locked_page(report):
    return render_template("directors/locked.html", report=report), 409


@bp.get("/")
@roles_required(Role.DIRECTOR)
def show_start():
    campaigns = campaigns_for(current_user.organization)
    if campaigns:
        return redirect(url_for("directors.show_dashboard", code=campaigns[0].code))
    return render_template("directors/no_campaign.html", organization=current_user.organization)


@bp.get("/<code>/")
@roles_required(Role.DIRECTOR)
def show_dashboard(code: str):
    organization, campaign, report = _director_context(code)
    progress = queries.roster_progress(campaign, organization)
    data = queries.dashboard(campaign, organization, page_language(), {
        "ages": _("Age pyramid"), "men": _("Men"), "women": _("Women"),
        "categories": _("Qualification categories"),
        "coverage": _("Subject coverage: weekly hours covered of those required"),
        "answered": _("Answered"), "mean": _("Mean"), "median": _("Median"),
    })
    plans = director_plans(campaign, organization, current_app.config, page_language())
    return render_template("directors/dashboard.html", organization=organization, campaign=campaign, report=report,
                           progress=progress, data=data, sign_off_form=SignOffForm(),
                           link=queries.access_link(campaign, organization), plans=plans)


@bp.route("/<code>/report", methods=["GET", "POST"])
@roles_required(Role.DIRECTOR)
def edit_report(code: str):
    organization, campaign, report = _director_context(code)
    if request.method == "GET":
        form = ReportForm(data={
            "pupils": report.pupils, "classes": report.classes, "approved_rates": report.approved_rates,
            "vacancies": [{"post": v.post, "subject": v.subject or "", "rate": v.rate} for v in report.vacancies],
            "required_hours": [{"subject": r.subject, "hours": r.hours} for r in report.required_hours],
            "lead_name": report.digital_lead_name, "lead_post": report.digital_lead_post,
            "lead_contact": report.digital_lead_contact,
        })
        for _row in range(BLANK_ROWS):
            form.vacancies.append_entry()
            form.required_hours.append_entry()
    else:
        if report.is_attested:
            return _locked_page(report)
        form = ReportForm()
    form.set_choices(page_language())
    if form.validate_on_submit():
        services.save_report(
            report, pupils=form.pupils.data, classes=form.classes.data, approved_rates=form.approved_rates.data,
            vacancies=[row.data for row in form.vacancies if not row.form.is_blank()],
            required_hours=[row.data for row in form.required_hours if not row.form.is_blank()],
            user=current_user, digital_lead=form.digital_lead())
        flash(_("The organization report was saved."), "success")
        return redirect(url_for("directors.edit_report", code=code))
    status = 422 if request.method == "POST" else 200
    return render_template("directors/report.html", organization=organization, campaign=campaign, report=report,
                           form=form), status


def _roster_page(organization, campaign, report, entry_form=None, upload_form=None, errors=(), file_error=None,
                 more_message=None, status=200):
    entry_form = entry_form or RosterEntryForm()
    entry_form.post.choices = code_choices("post", page_language())
    entries = db.session.scalars(sa.select(RosterEntry).where(
        RosterEntry.campaign_id == campaign.id, RosterEntry.organization_id == organization.id)
        .order_by(RosterEntry.last_name, RosterEntry.first_name)).all()
    return render_template("directors/roster.html", organization=organization, campaign=campaign, report=report,
                           entries=entries, entry_form=entry_form, upload_form=upload_form or UploadForm(),
                           delete_form=ConfirmForm(), errors=errors, file_error=file_error,
                           more_message=more_message), status


@bp.get("/<code>/roster")
@roles_required(Role.DIRECTOR)
def show_roster(code: str):
    organization, campaign, report = _director_context(code)
    return _roster_page(organization, campaign, report)


@bp.post("/<code>/roster")
@roles_required(Role.DIRECTOR)
def add_roster_entry(code: str):
    organization, campaign, report = _director_context(code)
    if report.is_attested:
        return _locked_page(report)
    form = RosterEntryForm()
    form.post.choices = code_choices("post", page_language())
    errors: list[RowError] = []
    if form.validate_on_submit():
        row = services.validate_roster_row(1, form.data, errors)
        if row is not None:
            try:
                services.add_roster_rows(report, [(1, row)], current_user, source="form")
            except ImportRejected as rejected:
                errors = rejected.errors
            else:
                flash(_("%(name)s was added to the roster.", name=f"{row.last_name} {row.first_name}"), "success")
                return redirect(url_for("directors.show_roster", code=code))
        for error in errors:
            getattr(form, error.column).errors.append(error.message)
    db.session.rollback()
    return _roster_page(organization, campaign, report, entry_form=form, status=422)


@bp.post("/<code>/roster/upload")
@roles_required(Role.DIRECTOR)
def upload_roster(code: str):
    organization, campaign, report = _director_context(code)
    if report.is_attested:
        return _locked_page(report)
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            added = services.import_roster(report, upload.read(), upload.filename or "", current_user)
        except ImportRejected as rejected:
            db.session.rollback()
            return _roster_page(organization, campaign, report, upload_form=form, errors=rejected.errors,
                                file_error=rejected.file_error, more_message=rejected.more_message, status=422)
        flash(_("%(count)s people were added to the roster.", count=added), "success")
        return redirect(url_for("directors.show_roster", code=code))
    return _roster_page(organization, campaign, report, upload_form=form, status=422)


@bp.get("/<code>/roster/template.xlsx")
@roles_required(Role.DIRECTOR)
def download_roster_template(code: str):
    _director_context(code)
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "roster"
    sheet.append(list(services.ROSTER_COLUMNS))
    for row in range(2, 502):
        sheet.cell(row=row, column=1).number_format = "@"  # keep IINs' leading zeros
    notes = workbook.create_sheet("notes")
    notes.append([_("IIN: 12 digits. Names as in the identity document. Post: a code from the list below.")])
    for post in cb.POSTS:
        notes.append([post, cb.label("post", post, page_language())])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return send_file(buffer, as_attachment=True, download_name="roster-template.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.post("/<code>/roster/<int:entry_id>/delete")
@roles_required(Role.DIRECTOR)
def delete_roster_entry(code: str, entry_id: int):
    organization, campaign, report = _director_context(code)
    entry = _own_row_or_404(RosterEntry, entry_id, organization, campaign)
    if report.is_attested:
        return _locked_page(report)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.remove_roster_entry(report, entry, current_user)
    flash(_("The person was removed from the roster."), "success")
    return redirect(url_for("directors.show_roster", code=code))


@bp.get("/<code>/staff")
@roles_required(Role.DIRECTOR)
def show_staff(code: str):
    organization, campaign, report = _director_context(code)
    return render_template("directors/staff.html", organization=organization, campaign=campaign, report=report,
                           people=queries.staff_responses(campaign, organization), reset_form=ConfirmForm())


@bp.post("/<code>/staff/<int:response_id>/reset-code")
@roles_required(Role.DIRECTOR)
def reset_code(code: str, response_id: int):
    organization, campaign, report = _director_context(code)
    response = _own_row_or_404(Response, response_id, organization, campaign)
    if report.is_attested:  # the answers are locked: a new code would open nothing
        return _locked_page(report)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    new_code = services.reset_personal_code(response, current_user)
    return render_template("directors/new_code.html", organization=organization, campaign=campaign,
                           response=response, new_code=new_code)


@bp.post("/<code>/sign-off")
@roles_required(Role.DIRECTOR)
def sign_off(code: str):
    organization, campaign, report = _director_context(code)
    if report.is_attested:
        return _locked_page(report)
    form = SignOffForm()
    if not form.validate_on_submit():
        flash(_("Tick the box to confirm."), "error")
        return redirect(url_for("directors.show_dashboard", code=code))
    services.attest(report, current_user)
    flash(_("The organization's data are signed off and locked."), "success")
    return redirect(url_for("directors.show_dashboard", code=code))


@bp.route("/<code>/organizations/<int:organization_id>/reopen", methods=["GET", "POST"])
@roles_required(*ADMIN_ROLES)
def reopen_organization(code: str, organization_id: int):
    organization = get_organization_or_404(current_user, organization_id)
    campaign = _campaign_for(organization, code)
    report = services.find_report(campaign, organization)
    form = ReopenForm()
    if form.validate_on_submit():
        services.reopen(report, current_user, form.reason.data)
        flash(_("The organization's data are open for changes again."), "success")
        return redirect(url_for("directors.reopen_organization", code=code, organization_id=organization_id))
    status = 422 if request.method == "POST" else 200
    return render_template("directors/reopen.html", organization=organization, campaign=campaign, report=report,
                           form=form), status
