"""Downloads on the web: one organization's workbook at once; bigger exports as background jobs."""

from __future__ import annotations

from functools import partial

import sqlalchemy as sa
from flask import abort, current_app, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..auth.scope import ADMIN_ROLES, get_organization_or_404, roles_required, visible_organization_ids
from ..campaigns.services import CampaignError, campaigns_for, get_campaign
from ..codebook import JobStatus, Role
from ..extensions import db
from ..formatting import page_language
from ..models import Campaign, ExportJob
from ..transactions import after_commit
from . import bp, jobs, storage
from .forms import KIND_LABELS, LANGUAGES, STATUS_LABELS, ExportForm
from .services import ExportError, organization_workbook, select_organizations
from .profiles import ExportContext

ALL_ROLES = (*ADMIN_ROLES, Role.DIRECTOR)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _campaign_choices() -> list[SelectChoice]:
    """The campaigns one may export: a director, those the organization takes part in (never a draft); an
    administrator, every one."""
    lang = page_language()
    if current_user.role == Role.DIRECTOR:
        campaigns = campaigns_for(current_user.organization)
    else:
        campaigns = db.session.scalars(sa.select(Campaign).order_by(Campaign.census_date.desc(), Campaign.code))
    return [SelectChoice(c.code, f"{c.code} — {c.title(lang)}") for c in campaigns]


def _own_job_or_404(job_id: int) -> ExportJob:
    """The user's own job; a job whose worker died is first marked failed (and so can be retried: the retry stores
    that, a page only shows it)."""
    job = db.session.get(ExportJob, job_id)
    if job is None or job.user_id != current_user.id:
        abort(404)
    if job.status == JobStatus.RUNNING:
        jobs.fail_abandoned()
    return job


@bp.route("/", methods=["GET", "POST"])
@roles_required(*ALL_ROLES)
def request_export():
    form = ExportForm(lang=page_language())
    form.campaign.choices = _campaign_choices()
    if form.validate_on_submit():
        job = jobs.create_job(form.kind.data, form.params(), current_user)
        after_commit(partial(jobs.dispatch, job.id))  # the worker reads the job: once it is stored
        return redirect(url_for("reports.show_export", job_id=job.id))
    recent = db.session.scalars(sa.select(ExportJob).where(ExportJob.user_id == current_user.id)
                                .order_by(ExportJob.id.desc()).limit(20)).all()
    return render_template("reports/index.html", form=form, jobs=recent, kinds=KIND_LABELS, statuses=STATUS_LABELS,
                           languages=LANGUAGES), 400 if form.errors else 200


@bp.get("/jobs/<int:job_id>")
@roles_required(*ALL_ROLES)
def show_export(job_id: int):
    job = _own_job_or_404(job_id)
    return render_template("reports/job.html", job=job, downloadable=jobs.is_downloadable(job),
                           name=jobs.file_name(job.kind, job.params))


@bp.get("/jobs/<int:job_id>.json")
@roles_required(*ALL_ROLES)
def show_export_status(job_id: int):
    job = _own_job_or_404(job_id)
    return {"id": job.id, "status": job.status.value, "progress": job.progress, "error": job.error,
            "download": url_for("reports.download_export", job_id=job.id) if jobs.is_downloadable(job) else None}


@bp.get("/jobs/<int:job_id>/file")
@roles_required(*ALL_ROLES)
def download_export(job_id: int):
    job = _own_job_or_404(job_id)
    if not jobs.is_downloadable(job):
        abort(404)
    stream, size = storage.open_file(job)
    answer = send_file(stream, as_attachment=True, download_name=jobs.file_name(job.kind, job.params),
                       conditional=False, etag=False)
    answer.content_length = size
    return answer


@bp.post("/jobs/<int:job_id>/retry")
@roles_required(*ALL_ROLES)
def retry_export(job_id: int):
    job = _own_job_or_404(job_id)
    if job.status != JobStatus.FAILED:
        abort(409)
    jobs.retry_job(job, current_user)
    after_commit(partial(jobs.dispatch, job.id))
    return redirect(url_for("reports.show_export", job_id=job.id))


@bp.get("/organizations/<int:organization_id>/<campaign_code>.xlsx")
@roles_required(*ALL_ROLES)
def download_profile(organization_id: int, campaign_code: str):
    """One organization's workbook, built in the request (a fraction of a second)."""
    org = get_organization_or_404(current_user, organization_id)
    try:
        campaign = get_campaign(campaign_code)
    except CampaignError:
        abort(404)
    lang = request.args.get("lang") or page_language()
    headers = request.args.get("headers", "labels")
    if lang not in current_app.config["LANGUAGES"] or headers not in ("codes", "labels"):
        abort(400)
    try:
        selection = select_organizations(visible_organization_ids(current_user), org_bin=org.bin)
    except ExportError:
        abort(404)
    ctx = ExportContext(campaign, lang=lang, headers=headers, exported_by=current_user.email)
    buffer = organization_workbook(ctx, selection, org, by=current_user)
    return send_file(buffer, mimetype=XLSX, as_attachment=True, download_name=f"{org.bin}-{campaign.code}-{lang}.xlsx")
