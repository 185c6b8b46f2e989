"""Questionnaire pages of a response under way: the steps (each saved as a draft, stored once it passes the
rules), the names, the review, the submission and the page after it. The request commits once after each
(survey/transactions.py); the pages are rendered before that commit, from the rows as this request left them.
"""

from __future__ import annotations

from functools import partial

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from .. import questions, rules
from ..campaigns.questions import questionnaire_for
from ..codebook import ResponseStatus
from ..extensions import db
from ..formatting import page_language
from ..integrity.background import checks_after_submission
from ..integrity.services import network_key
from ..models import AccessLink, Response
from ..transactions import after_commit
from . import bp, services
from .access import link_and_response, nav, reachable, render_at, step_url
from .display import field_labels, shown_values
from .forms import SubmitForm, attach_errors, build_step_form, form_raw, name_codes, names_form

ADD_ROW = ("add_row", "add_subject", "add_job")  # the last two from pages served before 30 November 2026


@bp.route("/<token>/step/<int:number>", methods=["GET", "POST"])
def edit_step(token: str, number: int):
    link, response = link_and_response(token, for_update=request.method == "POST")
    questionnaire = questionnaire_for(link.campaign)
    step = questionnaire.step_by_number.get(number) or abort(404)
    furthest = reachable(response)
    if number > furthest:
        return redirect(step_url(link, furthest))
    if request.method == "GET":
        return render_template("questionnaire/step.html", **_step_page(link, response, step))

    def this_page(form):  # the step again, with its errors or a row added
        return render_template("questionnaire/step.html", form=form, link=link, response=response, step=step,
                               nav=nav(response), state=services.page_state(response, step))

    action = request.form.get("action", "next")
    if action in ADD_ROW:
        action = "add_row"
    if action not in ("next", "save", "later", "add_row"):
        action = "next"
    extra = 1 if action == "add_row" else 0
    form = build_step_form(step, questionnaire, extra_rows=extra)
    if not form.validate():
        flash(_("The page had expired. Your answers are below: please send them again."), "error")
        return this_page(form), 400
    try:
        result = services.save_step(response, step, form_raw(form), final=action in ("next", "save"))
    except IntegrityError:  # another tab saved a new version at the same moment
        db.session.rollback()
        flash(_("Your answers were changed in another window at the same moment. Check them and save again."),
              "error")
        return redirect(url_for("questionnaire.edit_step", token=token, number=number))
    if action == "add_row":
        return this_page(form)
    if action == "later":
        return render_template("questionnaire/saved.html", link=link, response=response)
    if not result.ok:
        attach_errors(form, result.errors)
        return this_page(form), 422
    if response.status == ResponseStatus.SUBMITTED:
        flash(_("Your changes are saved."), "info")
        after_commit(partial(checks_after_submission, link.campaign_id, link.organization_id))
    return _following_page(link, response, number + 1)


def _step_page(link: AccessLink, response: Response, step) -> dict:
    """What step.html shows of a step: the form filled from the stored answers."""
    questionnaire = questionnaire_for(link.campaign)
    values = services.stored_values(response, questionnaire)  # read once for the form and the page's state
    form = build_step_form(step, questionnaire, services.step_raw(response, step, values))
    return {"form": form, "link": link, "response": response, "step": step, "nav": nav(response),
            "state": services.page_state(response, step, values)}


def _following_page(link: AccessLink, response: Response, number: int):
    """The page after a saved step (the next step, or the review after the last), sent as the answer."""
    url, questionnaire = step_url(link, number), questionnaire_for(link.campaign)
    if number >= questionnaire.review_step:
        return render_at(url, "questionnaire/review.html", **_review_page(link, response, []))
    return render_at(url, "questionnaire/step.html",
                     **_step_page(link, response, questionnaire.step_by_number[number]))


@bp.route("/<token>/about", methods=["GET", "POST"])
def edit_names(token: str):
    link, response = link_and_response(token, for_update=request.method == "POST")
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
    flash(_("Your changes are saved."), "info")
    return redirect(step_url(link, reachable(response)))


@bp.get("/<token>/review")
def show_review(token: str):
    link, response = link_and_response(token)
    if reachable(response) < questionnaire_for(link.campaign).review_step:
        return redirect(step_url(link, response.current_step))
    return _render_review(link, response, [])


def _render_review(link: AccessLink, response: Response, errors: list, status: int = 200):
    return render_template("questionnaire/review.html", **_review_page(link, response, errors)), status


def _review_page(link: AccessLink, response: Response, errors: list) -> dict:
    """What review.html shows: every answer in words, and the rules' errors grouped by step."""
    questionnaire = questionnaire_for(link.campaign)
    grouped = {}
    for error in errors:
        grouped.setdefault(questionnaire.step_of(error.field), []).append(error)
    values = services.stored_values(response, questionnaire)
    shown = shown_values(values, page_language(), questionnaire)
    return {"link": link, "response": response, "form": SubmitForm(), "shown": shown,
            "field_labels": field_labels(questionnaire), "steps": questionnaire.steps, "nav": nav(response),
            "errors": grouped, "not_asked": services.not_asked(questionnaire, values)}


@bp.post("/<token>/review")
def submit_response(token: str):
    link, response = link_and_response(token, for_update=True)
    if not SubmitForm().validate():
        flash(_("The page had expired. Please submit again."), "error")
        return _render_review(link, response, [], 400)
    errors = services.submit_response(response, network_key(request.remote_addr))
    if errors:
        return _render_review(link, response, errors, 422)
    after_commit(partial(checks_after_submission, link.campaign_id, link.organization_id))
    return redirect(url_for("questionnaire.show_done", token=token))


@bp.get("/<token>/done")
def show_done(token: str):
    link, response = link_and_response(token, editing=False)
    return render_template("questionnaire/done.html", link=link, response=response)
