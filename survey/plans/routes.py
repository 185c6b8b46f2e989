"""The forecast and AI-plan pages: load (404 outside the scope) → check the role → validate → one service → commit."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..admin.queries import campaign_choice
from ..admin.routes import _int_arg
from ..auth.scope import ADMIN_ROLES, roles_required, visible_district_ids
from ..extensions import db
from ..formatting import page_language
from ..models import District, Region
from ..registry.services import ImportRejected
from ..staffing.ai_plan import PlanSettings
from ..staffing.forecast import ForecastSettings
from . import bp, queries, services
from .forms import GrowthForm, GrowthUploadForm, WhatIfForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _district_or_404(district_id: int) -> District:
    district = db.session.scalar(sa.select(District).where(District.id == district_id,
                                                           District.id.in_(visible_district_ids(current_user))))
    if district is None:
        abort(404)
    return district


def _region_or_404(region_id: int) -> Region:
    """A region with a district in the user's scope (a district administrator's page of it shows that district)."""
    region = db.session.scalar(sa.select(Region).where(Region.id == region_id, Region.id.in_(
        sa.select(District.region_id).where(District.id.in_(visible_district_ids(current_user))))))
    if region is None:
        abort(404)
    return region


def _page(place: queries.Place, *, growth_form: GrowthForm | None = None, upload_form: GrowthUploadForm | None = None,
          rejected: ImportRejected | None = None, status: int = 200):
    campaigns, campaign = campaign_choice(_int_arg("campaign"))
    if _int_arg("campaign") and campaign is None:
        abort(404)
    what_if = WhatIfForm(formdata=request.args)
    what_if.validate()
    config = current_app.config
    forecast_settings = ForecastSettings.from_config(config, **what_if.forecast_overrides())
    plan_settings = PlanSettings.from_config(config, **what_if.plan_overrides())
    growth_form = growth_form or GrowthForm(formdata=None)
    growth_form.set_choices(page_language())
    data = None
    if campaign is not None:
        data = queries.plans_data(place, campaign, forecast_settings, plan_settings, page_language())
    if what_if.errors and status == 200:
        status = 422
    return render_template(
        "plans/page.html", place=place, campaign=campaign, campaigns=campaigns, data=data, what_if=what_if,
        forecast_settings=forecast_settings, plan_settings=plan_settings,
        defaults=(ForecastSettings.from_config(config), PlanSettings.from_config(config)),
        growth_form=growth_form, upload_form=upload_form or GrowthUploadForm(formdata=None), rejected=rejected,
        keep=_keep()), status


bp.add_app_template_filter(queries.rates, "rates")


def _keep() -> dict[str, str]:
    """The campaign and the "what if" values, for links that stay on the same figures."""
    return {name: request.args[name] for name in ("campaign", *WhatIfForm.FIELDS) if request.args.get(name)}


@bp.get("/")
@roles_required(*ADMIN_ROLES)
def show_plans():
    return _page(queries.Place(current_user))


@bp.get("/regions/<int:region_id>")
@roles_required(*ADMIN_ROLES)
def show_region(region_id: int):
    return _page(queries.Place(current_user, region=_region_or_404(region_id)))


@bp.get("/districts/<int:district_id>")
@roles_required(*ADMIN_ROLES)
def show_district(district_id: int):
    district = _district_or_404(district_id)
    return _page(queries.Place(current_user, region=district.region, district=district))


def _back(place: queries.Place):
    keep = _keep()
    if place.district is not None:
        return redirect(url_for("plans.show_district", district_id=place.district.id, **keep))
    return redirect(url_for("plans.show_plans", **keep))


@bp.post("/districts/<int:district_id>/growth")
@roles_required(*ADMIN_ROLES)
def set_growth(district_id: int):
    district = _district_or_404(district_id)
    place = queries.Place(current_user, region=district.region, district=district)
    form = GrowthForm()
    form.set_choices(page_language())
    if not form.validate_on_submit():
        return _page(place, growth_form=form, status=422)
    services.set_growth(current_user, district, services.Growth(form.level.data or None, form.percent(),
                                                                 form.pupils()))
    flash(_("The growth of %(district)s was saved; the forecast below uses it.", district=district.name), "success")
    return _back(place)


@bp.post("/growth/upload")
@roles_required(*ADMIN_ROLES)
def upload_growth():
    place = queries.Place(current_user)
    form = GrowthUploadForm()
    if not form.validate_on_submit():
        return _page(place, upload_form=form, status=422)
    upload = form.file.data
    try:
        count = services.import_growth(current_user, upload.read(), upload.filename or "")
    except ImportRejected as rejected:
        db.session.rollback()
        return _page(place, upload_form=form, rejected=rejected, status=422)
    flash(_("%(count)s rows of the growth table were applied.", count=count), "success")
    return _back(place)


@bp.get("/growth.xlsx")
@roles_required(*ADMIN_ROLES)
def download_growth_template():
    return Response(services.growth_template(current_user, page_language()), mimetype=XLSX,
                    headers={"Content-Disposition": "attachment; filename=growth.xlsx"})
