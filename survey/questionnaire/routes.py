"""Questionnaire pages: entry (the access code, the landing page, the printed sheet), identity and the personal
code, and resuming with it. The steps, the review and the submission are in ``steps.py``; what every page checks
first is in ``access.py``. Each route: load the access link → check the campaign and lock → validate → one
service call → redirect or render; the request commits once after it (survey/transactions.py).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import (
    Response as HttpResponse,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from .. import questions, rules
from ..auth import devices
from ..domain import hash_iin, normalize_id, person_from_iin
from ..extensions import db, limiter
from ..models import AccessLink
from ..transactions import after_commit
from . import bp, services
from .access import authorize, link_and_response, load_link, proved_response_id, reachable, render_at, step_url
from .forms import AccessCodeForm, attach_errors, form_raw, identity_form, resume_form
from .qr import qr_svg


# ---- access -----------------------------------------------------------------------------------------------------

def _code_unknown(_response) -> bool:
    return bool(g.get("code_unknown"))


@bp.post("/code")
@limiter.limit(lambda: current_app.config["ACCESS_CODE_LIMIT"], methods=["POST"],
               deduct_when=_code_unknown, scope="questionnaire-code")  # unknown codes per address: no enumeration
def enter_code():
    form = AccessCodeForm()
    if form.validate_on_submit():
        link = services.find_link_by_code(form.code.data or "")
        if link is not None:
            return redirect(url_for("questionnaire.show_landing", token=link.token))
        g.code_unknown = True
        form.code.errors = [_("No organization has this code. Check the code on the notice and try again.")]
    elif form.csrf_token.errors:
        form.code.errors = [_("The page had expired. Please enter the code again.")]
    return render_template("questionnaire/unknown_code.html", form=form), 404


@bp.get("/<token>")
def show_landing(token: str):
    link = load_link(token)
    return render_template("questionnaire/landing.html", link=link)


@bp.get("/<token>/sheet")
def show_access_sheet(token: str):
    link = services.find_link_by_token(token) or abort(404)
    return render_template("questionnaire/sheet.html", link=link,
                           url=url_for("questionnaire.show_landing", token=token, _external=True))


@bp.get("/<token>/qr.svg")
def show_qr(token: str):
    link = services.find_link_by_token(token) or abort(404)
    svg = qr_svg(url_for("questionnaire.show_landing", token=link.token, _external=True))
    return HttpResponse(svg, mimetype="image/svg+xml", headers={"Cache-Control": "private, max-age=86400"})


# ---- identity and the personal code ---------------------------------------------------------------------------

@bp.route("/<token>/start", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["QUESTIONNAIRE_START_LIMIT"], methods=["POST"],
               scope="questionnaire-start")
def start_response(token: str):
    link = load_link(token)
    questionnaire = questions.current()
    form = identity_form(questionnaire)
    if request.method == "GET":
        form.nonce.data = secrets.token_urlsafe(16)
        return render_template("questionnaire/identity.html", link=link, form=form)
    if not form.validate():
        flash(_("The page had expired. Please check your answers and send them again."), "error")
        form.nonce.data = secrets.token_urlsafe(16)
        return render_template("questionnaire/identity.html", link=link, form=form), 400
    iin, iin_error = rules.check_iin(form.iin.data)
    raw = form_raw(form)
    answers = {q.code: raw[q.code] for q in questionnaire.identity() if q.is_stored}  # the names and the consent
    checked = rules.check(answers, services.rule_context(link.campaign, _NoBirth), answers)
    attach_errors(form, checked.errors)
    if iin_error is not None:
        form.iin.errors = [iin_error]
    if form.confirmed.data == "no":
        form.confirmed.data = ""
        return render_template("questionnaire/identity.html", link=link, form=form)
    if iin_error is not None or not checked.ok:
        return render_template("questionnaire/identity.html", link=link, form=form), 422
    person = person_from_iin(iin, current_app.config["IIN_HASH_KEY"])
    if form.confirmed.data != "yes":
        return render_template("questionnaire/confirm.html", link=link, form=form, person=person)

    started = services.start_response(link, person, checked.values, _browser_nonce(form.nonce.data),
                                      may_prefill=_proved_person(link, person.person_key))
    if started.code is None:
        db.session.rollback()
        flash(_("You have already started a questionnaire at this organization. Enter your personal code to "
                "continue."), "info")
        # The resume page itself, with the IIN just typed: it lives only in this answer (never in the session
        # cookie, which is signed, not encrypted, nor in an address).
        return render_at(url_for("questionnaire.resume_response", token=token), "questionnaire/resume.html",
                         link=link, form=resume_form(questionnaire, formdata=None, data={"iin": form.iin.data}))
    response_id, credential = started.response.id, started.response.personal_code_hash
    after_commit(lambda: authorize(response_id))  # this browser owns the response once it is stored
    # The code is shown in this answer and nowhere else (never in the session cookie, which is signed, not
    # encrypted).
    page = render_at(url_for("questionnaire.show_code", token=token), "questionnaire/code.html", link=link,
                     response=started.response, code=started.code)
    return devices.remember(page, "questionnaire", response_id, credential)


def _browser_nonce(nonce: str | None) -> str:
    """The identity page's nonce bound to this browser (the CSRF secret its session holds): a repeat of the
    confirmation shows a new personal code to the browser that sent it, not to another one that copied the IIN
    and the nonce. Empty (never a repeat) without either."""
    secret = session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if not nonce or not isinstance(secret, str):
        return ""
    return hmac.new(secret.encode(), nonce.encode(), hashlib.sha256).hexdigest()[:32]


def _proved_person(link: AccessLink, person_key: str) -> bool:
    """This browser holds a fresh proof for the same person in the same campaign (at another organization)."""
    rid = proved_response_id()
    return rid is not None and services.is_response_of(rid, link.campaign_id, person_key)


class _NoBirth:
    birth_date = None


@bp.get("/<token>/code")
def show_code(token: str):
    """The address of the personal code page. The code itself was shown once, in the answer to the confirmation:
    coming back here (reload, back) leads on to the questionnaire."""
    link, response = link_and_response(token)
    return redirect(step_url(link, response.current_step))  # the review once every step is saved


# ---- resuming with the personal code ----------------------------------------------------------------------------

def _resume_failed(_response) -> bool:
    return bool(g.get("resume_failed"))


def _iin_limit_key() -> str:
    number = normalize_id(request.form.get("iin", ""))
    if len(number) != 12 or not number.isdigit():
        return "iin:invalid"
    return "iin:" + hash_iin(number, current_app.config["IIN_HASH_KEY"])


def _proved_questionnaire() -> bool:
    """This browser gave this IIN's current personal code here before (auth.devices): someone else's wrong codes
    for the IIN do not lock it out."""
    number = normalize_id(request.form.get("iin", ""))
    if not devices.has_marks() or len(number) != 12 or not number.isdigit():
        return False
    link = services.find_link_by_token(request.view_args.get("token", ""))
    response = link and services.find_response(link.campaign_id, link.organization_id,
                                               hash_iin(number, current_app.config["IIN_HASH_KEY"]))
    return response is not None and devices.has_proved("questionnaire", response.id, response.personal_code_hash)


@bp.route("/<token>/resume", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESUME_LIMIT_PER_IIN"], key_func=_iin_limit_key,
               methods=["POST"], deduct_when=_resume_failed, exempt_when=_proved_questionnaire,
               scope="questionnaire-resume-iin")
@limiter.limit(lambda: current_app.config["RESUME_LIMIT_PER_ADDRESS"], methods=["POST"],
               deduct_when=_resume_failed, scope="questionnaire-resume-address")
def resume_response(token: str):
    link = load_link(token)
    form = resume_form(questions.current())
    if request.method == "GET" or not form.validate():
        return render_template("questionnaire/resume.html", link=link, form=form)
    iin, iin_error = rules.check_iin(form.iin.data)
    if iin_error is not None:
        form.iin.errors = [iin_error]
        return render_template("questionnaire/resume.html", link=link, form=form), 422
    person_key = hash_iin(iin, current_app.config["IIN_HASH_KEY"])
    response = services.resume(link, person_key, form.code.data or "")
    if response is None:
        g.resume_failed = True
        form.code.errors = [_("The IIN and personal code do not match a questionnaire at this organization. "
                              "Check both and try again, or ask your director to reset the code.")]
        return render_template("questionnaire/resume.html", link=link, form=form), 422
    authorize(response.id)
    return devices.remember(redirect(step_url(link, reachable(response))), "questionnaire", response.id,
                            response.personal_code_hash)
