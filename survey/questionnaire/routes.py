"""Questionnaire pages. Each route: load the access link → check the campaign and lock → validate → one service
call → one commit → redirect or render.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from flask import (
    Response as HttpResponse,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from .. import audit, questions, rules
from ..auth import devices
from ..codebook import ResponseStatus
from ..domain import hash_iin, normalize_id, person_from_iin
from ..extensions import db, limiter
from ..integrity.background import request_checks
from ..integrity.services import network_key
from ..models import AccessLink, Response
from ..models.base import utcnow
from . import bp, services
from .forms import (
    AccessCodeForm,
    SubmitForm,
    attach_errors,
    build_step_form,
    form_raw,
    identity_form,
    name_codes,
    names_form,
    resume_form,
)
from .display import field_labels, shown_values
from .qr import qr_svg

SESSION_KEY = "questionnaire"
IDLE_MINUTES = 180  # after this long without a save, the personal code is asked again (shared computers)
ADD_ROW = ("add_row", "add_subject", "add_job")  # the last two from pages served before 30 November 2026


# ---- loading and access checks --------------------------------------------------------------------------------

def _page(template: str, status: int, **context) -> None:
    abort(make_response(render_template(f"questionnaire/{template}", **context), status))


def _load_link(token: str, *, editing: bool = True) -> AccessLink:
    """The access link of the token, or a clear page: unknown link, campaign not open or closed, locked."""
    found = services.load_link(token)
    if found is None:
        _page("unknown_code.html", 404, form=AccessCodeForm())
    link, locked = found
    _check_link(link, locked, editing)
    return link


def _check_link(link: AccessLink, locked: bool, editing: bool) -> None:
    campaign = link.campaign
    if not campaign.is_accepting(utcnow()):
        _page("closed.html", 403, link=link, campaign=campaign, not_yet=campaign.status == "draft" or (
            campaign.opens_at is not None and utcnow() < campaign.opens_at))
    if editing and locked:
        _page("locked.html", 403, link=link)


def _link_and_response(token: str, *, for_update: bool = False, editing: bool = True) -> tuple[AccessLink, Response]:
    """What every page of a questionnaire under way needs: the access link (as ``_load_link``) and the response
    this browser may edit there (as ``_current_response``), in one query when all is well."""
    rid = _proved_response_id()
    found = services.load_link_and_response(token, rid, for_update=for_update) if rid is not None else None
    if found is None:  # the two look-ups one after the other show the page that says what is wrong
        link = _load_link(token, editing=editing)
        return link, _current_response(link, for_update=for_update)
    link, locked, response = found
    _check_link(link, locked, editing)
    _authorize(response.id)
    return link, response


def _authorize(response_id: int) -> None:
    """Remember that this browser may edit the response, from now. The cookie is rewritten (signed and sent) only
    when that changes or the mark is over a minute old: the idle limit counts in minutes, not requests."""
    now = utcnow().timestamp()
    state = session.get(SESSION_KEY) or {}
    if state.get("rid") != response_id or now - float(state.get("at", 0)) > 60:
        session[SESSION_KEY] = {"rid": response_id, "at": now}


def _proved_response_id() -> int | None:
    """The response this browser proved it may edit (personal code or creation), while the proof is fresh."""
    state = session.get(SESSION_KEY) or {}
    idle = dt.timedelta(minutes=current_app.config.get("QUESTIONNAIRE_IDLE_MINUTES", IDLE_MINUTES))
    if not state or utcnow().timestamp() - float(state.get("at", 0)) > idle.total_seconds():
        return None
    return int(state.get("rid", 0))


def _current_response(link: AccessLink, *, for_update: bool = False) -> Response:
    """The response this browser may edit here; the 'expired' page when that proof is gone or too old."""
    if not session.get(SESSION_KEY):
        abort(redirect(url_for("questionnaire.resume_response", token=link.token)))
    rid = _proved_response_id()
    response = services.load_response(rid, for_update=for_update) if rid is not None else None
    if response is None or (response.campaign_id, response.organization_id) != (link.campaign_id,
                                                                                  link.organization_id):
        session.pop(SESSION_KEY, None)
        _page("expired.html", 401, link=link)
    _authorize(response.id)
    return response


def _nav(response: Response) -> list[dict]:
    """The progress indicator: every step, whether it can be opened yet, and which is current."""
    questionnaire = questions.current()
    review, reachable = questionnaire.review_step, _reachable(response)
    items = [{"number": s.number, "title": s.title, "reachable": s.number <= reachable} for s in questionnaire.steps]
    items.append({"number": review, "title": _("Check and submit"), "reachable": reachable >= review})
    return items


def _reachable(response: Response) -> int:
    """The furthest step the response may open: the review once submitted, else the step it has come to."""
    if response.status == ResponseStatus.SUBMITTED:
        return questions.current().review_step
    return response.current_step


# ---- access -----------------------------------------------------------------------------------------------------

def _code_unknown(_response) -> bool:
    return bool(g.get("code_unknown"))


@bp.post("/code")
@limiter.limit(lambda: current_app.config.get("ACCESS_CODE_LIMIT", "30 per hour"), methods=["POST"],
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
    link = _load_link(token)
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
@limiter.limit(lambda: current_app.config.get("QUESTIONNAIRE_START_LIMIT", "600 per hour"), methods=["POST"],
               scope="questionnaire-start")
def start_response(token: str):
    link = _load_link(token)
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
        return _render_at(url_for("questionnaire.resume_response", token=token), "questionnaire/resume.html",
                          link=link, form=resume_form(questionnaire, formdata=None, data={"iin": form.iin.data}))
    if started.created:
        audit.record("response.start", actor="teacher", target=started.response,
                     details={"organization_id": link.organization_id})
    response_id, credential = started.response.id, started.response.personal_code_hash
    # The code is shown in this answer and nowhere else (never in the session cookie, which is signed, not
    # encrypted); rendered before the commit, which expires the rows the page reads.
    page = _render_at(url_for("questionnaire.show_code", token=token), "questionnaire/code.html", link=link,
                      response=started.response, code=started.code)
    db.session.commit()
    _authorize(response_id)
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
    rid = _proved_response_id()
    return rid is not None and services.is_response_of(rid, link.campaign_id, person_key)


class _NoBirth:
    birth_date = None


@bp.get("/<token>/code")
def show_code(token: str):
    """The address of the personal code page. The code itself was shown once, in the answer to the confirmation:
    coming back here (reload, back) leads on to the questionnaire."""
    link, response = _link_and_response(token)
    return redirect(_step_url(token, response.current_step))  # the review once every step is saved


def _render_at(url: str, template: str, **context):
    """A page sent in answer to a POST that belongs at another address: one round trip instead of a redirect and
    a GET, which counts on a phone. ``url`` is the page's own address: questionnaire.js puts it in the address
    bar, so that reload and back fetch it with a GET, and the language switch returns to it. Never cached: it may
    hold the personal code or answers."""
    g.page_url = url
    page = make_response(render_template(template, **context))
    page.headers["Cache-Control"] = "no-store"
    return page


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
@limiter.limit(lambda: current_app.config.get("RESUME_LIMIT_PER_IIN", "5 per 15 minutes"), key_func=_iin_limit_key,
               methods=["POST"], deduct_when=_resume_failed, exempt_when=_proved_questionnaire,
               scope="questionnaire-resume-iin")
@limiter.limit(lambda: current_app.config.get("RESUME_LIMIT_PER_ADDRESS", "20 per hour"), methods=["POST"],
               deduct_when=_resume_failed, scope="questionnaire-resume-address")
def resume_response(token: str):
    link = _load_link(token)
    form = resume_form(questions.current())
    if request.method == "GET" or not form.validate():
        return render_template("questionnaire/resume.html", link=link, form=form)
    iin, iin_error = rules.check_iin(form.iin.data)
    if iin_error is not None:
        form.iin.errors = [iin_error]
        return render_template("questionnaire/resume.html", link=link, form=form), 422
    person_key = hash_iin(iin, current_app.config["IIN_HASH_KEY"])
    response = services.find_response(link.campaign_id, link.organization_id, person_key)
    if not services.check_personal_code(response, form.code.data or ""):
        g.resume_failed = True
        audit.record("response.code_failed", actor="teacher", target=response,
                     details={"organization_id": link.organization_id,
                              "reason": "wrong_code" if response is not None else "no_response"})
        db.session.commit()
        form.code.errors = [_("The IIN and personal code do not match a questionnaire at this organization. "
                              "Check both and try again, or ask your director to reset the code.")]
        return render_template("questionnaire/resume.html", link=link, form=form), 422
    _authorize(response.id)
    return devices.remember(redirect(_step_url(token, _reachable(response))), "questionnaire", response.id,
                            response.personal_code_hash)


def _step_url(token: str, number: int) -> str:
    if number >= questions.current().review_step:
        return url_for("questionnaire.show_review", token=token)
    return url_for("questionnaire.edit_step", token=token, number=max(number, 1))


# ---- the steps --------------------------------------------------------------------------------------------------

@bp.route("/<token>/step/<int:number>", methods=["GET", "POST"])
def edit_step(token: str, number: int):
    link, response = _link_and_response(token, for_update=request.method == "POST")
    questionnaire = questions.current()
    step = questionnaire.step_by_number.get(number) or abort(404)
    reachable = _reachable(response)
    if number > reachable:
        return redirect(_step_url(token, reachable))
    if request.method == "GET":
        return render_template("questionnaire/step.html", **_step_page(link, response, step))

    context = {"link": link, "response": response, "step": step, "nav": _nav(response)}  # for this step's errors
    action = request.form.get("action", "next")
    if action in ADD_ROW:
        action = "add_row"
    if action not in ("next", "save", "later", "add_row"):
        action = "next"
    extra = 1 if action == "add_row" else 0
    form = build_step_form(step, questionnaire, extra_rows=extra)
    if not form.validate():
        flash(_("The page had expired. Your answers are below: please send them again."), "error")
        return render_template("questionnaire/step.html", form=form, **context), 400
    result = services.save_step(response, step, form_raw(form), final=action in ("next", "save"))
    submitted = response.status == ResponseStatus.SUBMITTED  # read before the commit expires the rows
    ids = (link.campaign_id, link.organization_id)
    following = None
    if result.ok and action in ("next", "save"):
        if submitted:
            flash(_("Your changes are saved."), "info")
        following = _following_page(link, response, number + 1)  # before the commit expires what it shows
    try:
        db.session.commit()
    except IntegrityError:  # another tab saved a new version at the same moment
        db.session.rollback()
        flash(_("Your answers were changed in another window at the same moment. Check them and save again."),
              "error")
        return redirect(url_for("questionnaire.edit_step", token=token, number=number))
    if action == "add_row":
        return render_template("questionnaire/step.html", form=form, **context)
    if action == "later":
        return render_template("questionnaire/saved.html", link=link, response=response)
    if not result.ok:
        attach_errors(form, result.errors)
        return render_template("questionnaire/step.html", form=form, **context), 422
    if submitted:
        _check_integrity(*ids)
    return following


def _step_page(link: AccessLink, response: Response, step) -> dict:
    """What step.html shows of a step: the form filled from the stored answers."""
    form = build_step_form(step, questions.current(), services.step_raw(response, step))
    return {"form": form, "link": link, "response": response, "step": step, "nav": _nav(response)}


def _following_page(link: AccessLink, response: Response, number: int):
    """The page after a saved step (the next step, or the review after the last), sent as the answer."""
    url, questionnaire = _step_url(link.token, number), questions.current()
    if number >= questionnaire.review_step:
        return _render_at(url, "questionnaire/review.html", **_review_page(link, response, []))
    return _render_at(url, "questionnaire/step.html",
                      **_step_page(link, response, questionnaire.step_by_number[number]))


@bp.route("/<token>/about", methods=["GET", "POST"])
def edit_names(token: str):
    link, response = _link_and_response(token, for_update=request.method == "POST")
    questionnaire = questions.current()
    names = name_codes(questionnaire)
    if request.method == "GET":
        form = names_form(questionnaire, data={name: getattr(response, name) or "" for name in names})
        return render_template("questionnaire/names.html", link=link, form=form)
    form = names_form(questionnaire)
    if not form.validate():
        flash(_("The page had expired. Your answers are below: please send them again."), "error")
        return render_template("questionnaire/names.html", link=link, form=form), 400
    checked = rules.check(form_raw(form), services.rule_context(link.campaign, response), names)
    if not checked.ok:
        attach_errors(form, checked.errors)
        return render_template("questionnaire/names.html", link=link, form=form), 422
    services.apply_values(response, checked.values, source="web")
    db.session.commit()
    flash(_("Your changes are saved."), "info")
    return redirect(_step_url(token, _reachable(response)))


@bp.get("/<token>/review")
def show_review(token: str):
    link, response = _link_and_response(token)
    if _reachable(response) < questions.current().review_step:
        return redirect(_step_url(token, response.current_step))
    return _render_review(link, response, [])


def _render_review(link: AccessLink, response: Response, errors: list, status: int = 200):
    return render_template("questionnaire/review.html", **_review_page(link, response, errors)), status


def _review_page(link: AccessLink, response: Response, errors: list) -> dict:
    """What review.html shows: every answer in words, and the rules' errors grouped by step."""
    questionnaire = questions.current()
    grouped = {}
    for error in errors:
        grouped.setdefault(questionnaire.step_of(error.field), []).append(error)
    shown = shown_values(services.stored_values(response), str(get_locale()), questionnaire)
    return {"link": link, "response": response, "form": SubmitForm(), "shown": shown,
            "field_labels": field_labels(questionnaire), "steps": questionnaire.steps, "nav": _nav(response),
            "errors": grouped}


@bp.post("/<token>/review")
def submit_response(token: str):
    link, response = _link_and_response(token, for_update=True)
    if not SubmitForm().validate():
        flash(_("The page had expired. Please submit again."), "error")
        return _render_review(link, response, [], 400)
    already = response.status == ResponseStatus.SUBMITTED
    errors = services.submit_response(response)
    if errors:
        return _render_review(link, response, errors, 422)
    if not already:
        response.network_key = network_key(request.remote_addr)
        audit.record("response.submit", actor="teacher", target=response,
                     details={"organization_id": link.organization_id})
    ids = (link.campaign_id, link.organization_id)
    db.session.commit()
    _check_integrity(*ids)
    return redirect(url_for("questionnaire.show_done", token=token))


def _check_integrity(campaign_id: int, organization_id: int) -> None:
    """The person-level integrity rules, on every submission and every later change (issue 7): batched in the
    background unless INTEGRITY_ON_SUBMIT is "sync". Their flags are signals for the reviewers, never a reason to
    refuse an answer, so a failure here never reaches the teacher. Takes ids: the committed rows are expired."""
    try:
        request_checks(campaign_id, organization_id)
        db.session.commit()
    except Exception:  # noqa: BLE001 — logged; the answer itself is already saved
        db.session.rollback()
        current_app.logger.exception("integrity checks after a submission failed (organization %s)",
                                     organization_id)


@bp.get("/<token>/done")
def show_done(token: str):
    link, response = _link_and_response(token, editing=False)
    return render_template("questionnaire/done.html", link=link, response=response)
