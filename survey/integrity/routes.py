"""Review queue (administrators), a flag's page (administrators and the organization's director), runs."""

from __future__ import annotations

from dataclasses import replace

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.scope import ADMIN_ROLES, get_organization_or_404, roles_required, visible_organization_ids
from ..campaigns.services import current_campaign_id
from ..codebook import FlagStatus, Role
from ..extensions import db
from ..formatting import page_language
from ..models import Campaign
from . import bp
from .forms import STATUS_FILTERS, ExplainForm, ReviewForm, RunForm, parse_filters
from .queries import campaigns_with_flags, flag_detail, get_flag, list_flags, scope_places
from .catalogue import RULES, SEVERITY_LABELS, STATUS_LABELS
from .services import ReviewError, review_flag, run_campaign_checks

ALL_ROLES = (*ADMIN_ROLES, Role.DIRECTOR)


@bp.get("/")
@roles_required(*ADMIN_ROLES)
def list_flags_queue():
    campaign_id = current_campaign_id()
    if campaign_id is None:
        return render_template("integrity/queue.html", page=None, campaigns=[])
    filters = parse_filters(request.args, campaign_id)
    regions, districts = scope_places(current_user)
    return render_template(
        "integrity/queue.html", page=list_flags(current_user, filters, page_language()), filters=filters,
        campaigns=campaigns_with_flags(), rules=RULES, regions=regions, districts=districts,
        severity_labels=SEVERITY_LABELS, status_labels=STATUS_LABELS, status_filters=STATUS_FILTERS,
        run_form=RunForm(campaign_id=filters.campaign_id))


@bp.get("/organizations/<int:organization_id>")
@roles_required(*ALL_ROLES)
def list_organization_flags(organization_id: int):
    organization = get_organization_or_404(current_user, organization_id)
    campaign_id = current_campaign_id()
    page = None
    filters = None
    if campaign_id is not None:
        filters = replace(parse_filters(request.args, campaign_id), organization_id=organization.id, region_id=None,
                          district_id=None)
        page = list_flags(current_user, filters, page_language())
    return render_template("integrity/organization.html", organization=organization, page=page, filters=filters,
                           campaigns=campaigns_with_flags(), status_labels=STATUS_LABELS,
                           severity_labels=SEVERITY_LABELS, status_filters=STATUS_FILTERS)


@bp.get("/mine")
@roles_required(Role.DIRECTOR)
def show_my_flags():
    return redirect(url_for("integrity.list_organization_flags", organization_id=current_user.organization_id))


def _flag_or_404(flag_id: int):
    flag = get_flag(current_user, flag_id)
    if flag is None:
        abort(404)
    return flag


def _render_flag(flag, form, status: int = 200):
    return render_template("integrity/flag.html", detail=flag_detail(current_user, flag, page_language()), flag=flag,
                           form=form, is_director=current_user.role == Role.DIRECTOR,
                           status_labels=STATUS_LABELS, severity_labels=SEVERITY_LABELS), status


def _review_form():
    if current_user.role == Role.DIRECTOR:
        return ExplainForm()
    return ReviewForm()


@bp.get("/flags/<int:flag_id>")
@roles_required(*ALL_ROLES)
def show_flag(flag_id: int):
    flag = _flag_or_404(flag_id)
    form = _review_form()
    form.note.data = flag.note
    if isinstance(form, ReviewForm):
        form.status.data = flag.status.value
    return _render_flag(flag, form)


@bp.post("/flags/<int:flag_id>")
@roles_required(*ALL_ROLES)
def update_flag(flag_id: int):
    flag = _flag_or_404(flag_id)
    form = _review_form()
    is_director = current_user.role == Role.DIRECTOR
    if is_director and flag.status in (FlagStatus.CONFIRMED, FlagStatus.DISMISSED):
        flash(_("This flag has already been decided by an administrator."), "error")
        return _render_flag(flag, form, 409)
    if not form.validate_on_submit():
        return _render_flag(flag, form, 400)
    status = FlagStatus.EXPLAINED if is_director else FlagStatus(form.status.data)
    try:
        review_flag(flag, status=status, note=form.note.data, user=current_user)
    except ReviewError:
        abort(403)
    flash(_("Saved."), "success")
    return redirect(url_for("integrity.show_flag", flag_id=flag.id))


@bp.post("/runs")
@roles_required(*ADMIN_ROLES)
def run_integrity_checks():
    form = RunForm()
    campaign = db.session.get(Campaign, int(form.campaign_id.data)) if (
        form.validate_on_submit() and str(form.campaign_id.data).isdigit()) else None
    if campaign is None:
        flash(_("Choose a campaign to check."), "error")
        return redirect(url_for("integrity.list_flags_queue"))
    scope = None if current_user.role == Role.NATIONAL_ADMIN else visible_organization_ids(current_user)
    summary = run_campaign_checks(campaign, by=current_user, organization_ids=scope)
    flash(_("Checks done: %(active)d active flags, %(new)d new, %(closed)d closed.", active=summary.active,
            new=summary.opened, closed=summary.closed), "success")
    return redirect(url_for("integrity.list_flags_queue", campaign=campaign.id))
