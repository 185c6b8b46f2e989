"""Console pages. Each route: load (404 outside the scope) → check the role → validate → one service; the request
commits once after it (survey/transactions.py)."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import (Response, abort, current_app, flash, redirect, render_template, request, stream_with_context,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.scope import (ADMIN_ROLES, GRANTABLE_ROLES, get_managed_user_or_404, get_organization_or_404,
                          roles_required, visible_district_ids)
from ..auth.services import AccountError
from ..campaigns import services as campaign_services
from ..campaigns.questions import XLSFormRefused, questionnaire_for, upload_questions
from ..campaigns.services import CampaignError
from ..codebook import CampaignStatus, Level, Ownership, Role
from ..extensions import db
from ..formatting import page_language
from ..models import Campaign, District, Region
from ..questionnaire.xlsform import XLSFormError, write_xlsform
from ..registry.services import ImportRejected, import_organizations
from ..registry.template import build_registry_template
from ..staffing.progress import SORTS, progress_board
from . import bp, exports, queries, services
from .forms import CampaignForm, InviteForm, UploadQuestionsForm, UploadRegistryForm, UserScopeForm

NATIONAL = (Role.NATIONAL_ADMIN,)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else None  # "²".isdigit()


def _form_status() -> int:
    """A form page shown again after a POST was refused: 422, as the director's pages answer."""
    return 422 if request.method == "POST" else 200


def _code_arg(name: str, allowed) -> str | None:
    value = request.args.get(name) or None
    return value if value in {item.value for item in allowed} else None


@bp.get("/")
@roles_required(*ADMIN_ROLES)
def show_console():
    return redirect(url_for("admin.show_progress"))


# --- progress board -------------------------------------------------------------------------------------------

@bp.get("/progress")
@roles_required(*ADMIN_ROLES)
def show_progress():
    campaigns, campaign = queries.campaign_choice(_int_arg("campaign"))
    if _int_arg("campaign") and campaign is None:
        abort(404)
    region_id, district_id = _int_arg("region"), _int_arg("district")
    user = current_user
    if district_id is None and user.role == Role.DISTRICT_ADMIN:
        district_id = user.district_id
    if region_id is None and user.role == Role.REGION_ADMIN:
        region_id = user.region_id
    district = db.session.get(District, district_id) if district_id else None
    region = db.session.get(Region, region_id) if region_id else None
    if district_id and (district is None or db.session.scalar(
            sa.select(District.id).where(District.id == district_id, District.id.in_(visible_district_ids(user))))
            is None):
        abort(404)
    if region_id and (region is None or not _region_in_scope(user, region)):
        abort(404)
    if district is not None:
        region = district.region
    sort = request.args.get("sort") if request.args.get("sort") in SORTS else "name"
    descending = request.args.get("order") == "desc"
    board = None
    if campaign is not None:
        board = progress_board(user, campaign, level=_code_arg("level", Level),
                               ownership=_code_arg("ownership", Ownership),
                               region_id=region.id if region else None, district_id=district_id,
                               sort=sort, descending=descending, lang=page_language())
    return render_template("admin/progress.html", board=board, campaign=campaign, campaigns=campaigns,
                           region=region, district=district, sort=sort, descending=descending,
                           levels=list(Level), ownerships=list(Ownership), args=request.args)


def _region_in_scope(user, region: Region) -> bool:
    if user.role == Role.NATIONAL_ADMIN:
        return True
    if user.role == Role.REGION_ADMIN:
        return user.region_id == region.id
    return user.district is not None and user.district.region_id == region.id


# --- registry -------------------------------------------------------------------------------------------------

@bp.get("/organizations")
@roles_required(*ADMIN_ROLES)
def list_organizations():
    page = queries.search_organizations(
        current_user, text=request.args.get("q", "").strip() or None, region_id=_int_arg("region"),
        district_id=_int_arg("district"), level=_code_arg("level", Level), ownership=_code_arg("ownership", Ownership),
        page=_int_arg("page") or 1, lang=page_language())
    return render_template("admin/organizations.html", page=page, args=request.args,
                           regions=queries.region_choices(current_user),
                           districts=queries.district_choices(current_user),
                           levels=list(Level), ownerships=list(Ownership))


@bp.get("/organizations/<int:organization_id>")
@roles_required(*ADMIN_ROLES)
def show_organization(organization_id: int):
    organization = get_organization_or_404(current_user, organization_id)
    return render_template("admin/organization.html", organization=organization,
                           codes=queries.access_codes(organization.id))


@bp.route("/registry/upload", methods=["GET", "POST"])
@roles_required(*NATIONAL)
def upload_registry():
    form = UploadRegistryForm()
    rejected = summary = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            summary = import_organizations(upload.read(), upload.filename or "", by=current_user)
        except ImportRejected as exc:
            db.session.rollback()
            rejected = exc
    refused = request.method == "POST" and summary is None
    return render_template("admin/registry_upload.html", form=form, rejected=rejected, summary=summary), (
        422 if refused else 200)


@bp.get("/registry/template.xlsx")
@roles_required(*ADMIN_ROLES)
def download_registry_template():
    return Response(build_registry_template(page_language()), mimetype=XLSX,
                    headers={"Content-Disposition": "attachment; filename=registry-template.xlsx"})


# --- campaigns ------------------------------------------------------------------------------------------------

@bp.get("/campaigns")
@roles_required(*NATIONAL)
def list_campaigns():
    campaigns = db.session.scalars(sa.select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc())).all()
    return render_template("admin/campaigns.html", campaigns=campaigns)


@bp.get("/campaigns/<int:campaign_id>/questionnaire.xlsx")
@roles_required(*NATIONAL)
def download_questionnaire(campaign_id: int):
    """The campaign's questionnaire as an XLSForm (ODK, KoboToolbox)."""
    campaign = db.get_or_404(Campaign, campaign_id)
    workbook = io.BytesIO()
    try:
        write_xlsform(questionnaire_for(campaign), campaign, workbook)
    except XLSFormError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("admin.list_campaigns"))
    return Response(workbook.getvalue(), mimetype=XLSX,
                    headers={"Content-Disposition": f"attachment; filename={campaign.code}-questionnaire.xlsx"})


@bp.route("/campaigns/<int:campaign_id>/questions", methods=["GET", "POST"])
@roles_required(*NATIONAL)
def upload_campaign_questions(campaign_id: int):
    """The campaign's own questions: its versions, and the upload of a new XLSForm (issue 17)."""
    campaign = db.get_or_404(Campaign, campaign_id)
    form = UploadQuestionsForm()
    refused = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            question_set = upload_questions(campaign, upload.read(), upload.filename or "", by=current_user)
        except XLSFormRefused as exc:
            db.session.rollback()
            refused = exc.problems
        else:
            flash(_("Version %(version)s of the campaign's own questions is in force: %(n)s questions.",
                    version=question_set.version, n=len(question_set.definition["questions"])), "info")
            return redirect(url_for("admin.upload_campaign_questions", campaign_id=campaign.id))
    return render_template("admin/campaign_questions.html", campaign=campaign, form=form, refused=refused,
                           versions=queries.question_sets(campaign.id)), _form_status()


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).astimezone(dt.timezone.utc)


@bp.route("/campaigns/new", methods=["GET", "POST"])
@roles_required(*NATIONAL)
def create_campaign_page():
    form = CampaignForm(lang=page_language(), regions=queries.region_choices(current_user))
    if form.validate_on_submit():
        try:
            campaign = campaign_services.create_campaign(
                current_user, code=form.code.data.strip(), title_kk=form.title_kk.data, title_ru=form.title_ru.data,
                census_date=form.census_date.data, opens_at=_utc(form.opens_at.data),
                closes_at=_utc(form.closes_at.data), levels=form.levels.data,
                regions=list(db.session.scalars(sa.select(Region).where(Region.id.in_(form.regions.data or [])))))
        except CampaignError as exc:
            db.session.rollback()
            form.code.errors.append(exc.message)
        else:
            flash(_("The campaign %(code)s was created as a draft. Open it when the registry is ready.",
                    code=campaign.code), "info")
            return redirect(url_for("admin.list_campaigns"))
    return render_template("admin/campaign_form.html", form=form), _form_status()


@bp.post("/campaigns/<int:campaign_id>/<any(open, close):action>")
@roles_required(*NATIONAL)
def change_campaign_status(campaign_id: int, action: str):
    campaign = db.get_or_404(Campaign, campaign_id)
    try:
        links = campaign_services.change_campaign_status(current_user, campaign, action)
    except CampaignError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("admin.list_campaigns"))
    if campaign.status == CampaignStatus.OPEN:
        flash(_("The campaign %(code)s is open: %(n)s organizations received access codes.", code=campaign.code,
                n=links or 0), "info")
    else:
        flash(_("The campaign %(code)s is closed.", code=campaign.code), "info")
    return redirect(url_for("admin.list_campaigns"))


# --- users ----------------------------------------------------------------------------------------------------

def _scope_form(form_class, **kwargs):
    return form_class(roles=GRANTABLE_ROLES[current_user.role], regions=queries.region_choices(current_user),
                      districts=queries.district_choices(current_user), lang=page_language(), **kwargs)


@bp.get("/users")
@roles_required(*ADMIN_ROLES)
def list_users():
    return render_template("admin/users.html", users=queries.list_users(current_user, page_language()))


@bp.route("/users/invite", methods=["GET", "POST"])
@roles_required(*ADMIN_ROLES)
def invite_user():
    form = _scope_form(InviteForm)
    if form.validate_on_submit():
        try:
            scope = services.scope_from_choice(current_user, form.role.data, form.region_id.data,
                                               form.district_id.data, form.org_bin.data)
            user, link, mailed = services.invite_user(current_user, form.email.data, form.full_name.data, scope)
        except AccountError as exc:
            db.session.rollback()
            form.role.errors.append(exc.message)
        else:
            return render_template("admin/link.html", user=user, link=link, mailed=mailed, purpose="invite")
    return render_template("admin/user_form.html", form=form, user=None), _form_status()


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(*ADMIN_ROLES)
def edit_user(user_id: int):
    user = get_managed_user_or_404(current_user, user_id)
    form = _scope_form(UserScopeForm, data=None if request.method == "POST" else {
        "role": str(user.role), "region_id": user.region_id or 0, "district_id": user.district_id or 0,
        "org_bin": user.organization.bin if user.organization else ""})
    if form.validate_on_submit():
        try:
            scope = services.scope_from_choice(current_user, form.role.data, form.region_id.data,
                                               form.district_id.data, form.org_bin.data)
            services.set_scope(current_user, user, scope)
        except AccountError as exc:
            db.session.rollback()
            form.role.errors.append(exc.message)
        else:
            flash(_("The role and place of %(email)s were changed.", email=user.email), "info")
            return redirect(url_for("admin.list_users"))
    return render_template("admin/user_form.html", form=form, user=user), _form_status()


@bp.post("/users/<int:user_id>/<any(deactivate, activate):action>")
@roles_required(*ADMIN_ROLES)
def change_user_status(user_id: int, action: str):
    user = get_managed_user_or_404(current_user, user_id)
    try:
        services.set_active(current_user, user, action == "activate")
    except AccountError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        flash(_("The account %(email)s was deactivated.", email=user.email) if action == "deactivate"
              else _("The account %(email)s was activated.", email=user.email), "info")
    return redirect(url_for("admin.list_users"))


@bp.post("/users/<int:user_id>/reset-link")
@roles_required(*ADMIN_ROLES)
def make_reset_link(user_id: int):
    user = get_managed_user_or_404(current_user, user_id)
    if not user.is_active:
        flash(_("Activate the account first."), "error")
        return redirect(url_for("admin.list_users"))
    link, mailed = services.reset_link(current_user, user)
    return render_template("admin/link.html", user=user, link=link, mailed=mailed, purpose="reset")


# --- audit log ------------------------------------------------------------------------------------------------

def _audit_filters() -> queries.AuditFilters:
    def date(name: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(request.args.get(name, ""))
        except ValueError:
            return None

    return queries.AuditFilters(action=request.args.get("action", "").strip() or None,
                                actor=request.args.get("actor", "").strip() or None,
                                since=date("since"), until=date("until"))


@bp.get("/audit")
@roles_required(*NATIONAL)
def list_audit_events():
    filters = _audit_filters()
    page = queries.audit_events(filters, page=_int_arg("page") or 1)
    return render_template("admin/audit.html", page=page, filters=filters, actions=queries.audit_actions(),
                           args=request.args)


@bp.get("/audit.csv")
@roles_required(*NATIONAL)
def export_audit_events():
    rows = services.export_audit_log(current_user, _audit_filters())
    return Response(stream_with_context(exports.audit_csv(rows)), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=audit-log.csv"})
