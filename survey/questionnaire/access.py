"""What every questionnaire page does first: load the access link, check the campaign and the lock, and find the
response this browser has proved it may edit (by its personal code, or by creating it), while the proof is fresh.
"""

from __future__ import annotations

from flask import abort, current_app, g, make_response, redirect, render_template, session, url_for
from flask_babel import gettext as _

from ..campaigns.questions import questionnaire_for
from ..codebook import ResponseStatus
from ..models import AccessLink, Response
from ..models.base import utcnow
from . import services
from .forms import AccessCodeForm

SESSION_KEY = "questionnaire"


def page(template: str, status: int, **context) -> None:
    abort(make_response(render_template(f"questionnaire/{template}", **context), status))


def load_link(token: str, *, editing: bool = True) -> AccessLink:
    """The access link of the token, or a clear page: unknown link, campaign not open or closed, locked."""
    found = services.link_with_lock(token)
    if found is None:
        page("unknown_code.html", 404, form=AccessCodeForm())
    link, locked = found
    _check_link(link, locked, editing)
    return link


def _check_link(link: AccessLink, locked: bool, editing: bool) -> None:
    campaign = link.campaign
    if not campaign.is_accepting(utcnow()):
        page("closed.html", 403, link=link, campaign=campaign, not_yet=campaign.status == "draft" or (
            campaign.opens_at is not None and utcnow() < campaign.opens_at))
    if editing and locked:
        page("locked.html", 403, link=link)


def link_and_response(token: str, *, for_update: bool = False, editing: bool = True) -> tuple[AccessLink, Response]:
    """What every page of a questionnaire under way needs: the access link (as ``load_link``) and the response
    this browser may edit there (as ``_current_response``), in one query when all is well."""
    rid = proved_response_id()
    found = services.load_link_and_response(token, rid, for_update=for_update) if rid is not None else None
    if found is None:  # the two look-ups one after the other show the page that says what is wrong
        link = load_link(token, editing=editing)
        return link, _current_response(link, for_update=for_update)
    link, locked, response = found
    _check_link(link, locked, editing)
    authorize(response.id)
    return link, response


def authorize(response_id: int) -> None:
    """Remember that this browser may edit the response, from now. The cookie is rewritten (signed and sent) only
    when that changes or the mark is over a minute old: the idle limit counts in minutes, not requests."""
    now = utcnow().timestamp()
    state = session.get(SESSION_KEY) or {}
    if state.get("rid") != response_id or now - float(state.get("at", 0)) > 60:
        session[SESSION_KEY] = {"rid": response_id, "at": now}


def proved_response_id() -> int | None:
    """The response this browser proved it may edit (personal code or creation), while the proof is fresh."""
    state = session.get(SESSION_KEY) or {}
    # after this long without a save, the personal code is asked again (shared computers)
    idle_seconds = current_app.config["QUESTIONNAIRE_IDLE_MINUTES"] * 60
    if not state or utcnow().timestamp() - float(state.get("at", 0)) > idle_seconds:
        return None
    return int(state.get("rid", 0))


def _current_response(link: AccessLink, *, for_update: bool = False) -> Response:
    """The response this browser may edit here; the 'expired' page when that proof is gone or too old."""
    if not session.get(SESSION_KEY):
        abort(redirect(url_for("questionnaire.resume_response", token=link.token)))
    rid = proved_response_id()
    response = services.load_response(rid, for_update=for_update) if rid is not None else None
    if response is None or (response.campaign_id, response.organization_id) != (link.campaign_id,
                                                                                  link.organization_id):
        session.pop(SESSION_KEY, None)
        page("expired.html", 401, link=link)
    authorize(response.id)
    return response


def nav(response: Response) -> list[dict]:
    """The progress indicator: every step, whether it can be opened yet, and which is current."""
    questionnaire = questionnaire_for(response.campaign)
    review, furthest = questionnaire.review_step, reachable(response)
    items = [{"number": s.number, "title": s.title, "reachable": s.number <= furthest} for s in questionnaire.steps]
    items.append({"number": review, "title": _("Check and submit"), "reachable": furthest >= review})
    return items


def reachable(response: Response) -> int:
    """The furthest step the response may open: the review once submitted, else the step it has come to."""
    if response.status == ResponseStatus.SUBMITTED:
        return questionnaire_for(response.campaign).review_step
    return response.current_step


def step_url(link: AccessLink, number: int) -> str:
    """The address of a step of the link's campaign's questionnaire; the review from its number on."""
    if number >= questionnaire_for(link.campaign).review_step:
        return url_for("questionnaire.show_review", token=link.token)
    return url_for("questionnaire.edit_step", token=link.token, number=max(number, 1))


def render_at(url: str, template: str, **context):
    """A page sent in answer to a POST that belongs at another address: one round trip instead of a redirect and
    a GET, which counts on a phone. ``url`` is the page's own address: questionnaire.js puts it in the address
    bar, so that reload and back fetch it with a GET, and the language switch returns to it. Never cached: it may
    hold the personal code or answers."""
    g.page_url = url
    answer = make_response(render_template(template, **context))
    answer.headers["Cache-Control"] = "no-store"
    return answer
