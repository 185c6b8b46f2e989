"""Writing responses: start (exactly one per person × organization × campaign), save steps, submit, edit with
history, personal codes. Shared by the web form and the paper import. Services flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload

from .. import audit, questions, rules
from ..campaigns.questions import questionnaire_for
from ..codebook import ResponseStatus
from ..domain import IinIdentity, personal_code
from ..extensions import db
from ..formatting import number_input
from ..models import AccessLink, Campaign, OrgReport, Response, ResponseVersion
from ..models.base import utcnow
from ..models.responses import answer_column, has_own_column, row_model
from ..passwords import verify_password
from ..questions import Kind, Question, Questionnaire, Step
from . import relevance


# ---- access and state -----------------------------------------------------------------------------------------

def find_link_by_token(token: str) -> AccessLink | None:
    found = link_with_lock(token)
    return found[0] if found is not None else None


def link_with_lock(token: str) -> tuple[AccessLink, bool] | None:
    """The access link with its campaign and organization, and whether the organization is locked (signed off):
    one query, since every questionnaire page needs all of it."""
    row = db.session.execute(_link_query(), {"token": token}).first()
    return None if row is None else (row[0], row[1] is not None)


@cache
def _link_query() -> sa.Select:
    """Built once: the hot statements of the questionnaire are bound to parameters and reused, which spares
    building them and computing their cache key on every page."""
    return (
        sa.select(AccessLink, OrgReport.attested_at)
        .join(AccessLink.campaign)
        .join(AccessLink.organization)
        .outerjoin(OrgReport, sa.and_(OrgReport.campaign_id == AccessLink.campaign_id,
                                      OrgReport.organization_id == AccessLink.organization_id))
        .options(contains_eager(AccessLink.campaign), contains_eager(AccessLink.organization))
        .where(AccessLink.token == sa.bindparam("token"))
    )


def load_link_and_response(token: str, response_id: int, *,
                           for_update: bool = False) -> tuple[AccessLink, bool, Response] | None:
    """``link_with_lock`` and ``load_response`` in one query, for the pages of a questionnaire under way: None unless
    the response belongs to the link's campaign and organization (then the two, one after the other, tell what is
    wrong). ``for_update`` locks the response's row, not the link's."""
    row = db.session.execute(_link_response_query(for_update), {"token": token, "id": response_id}).unique().first()
    return None if row is None else (row[0], row[1] is not None, row[2])


@cache
def _link_response_query(for_update: bool) -> sa.Select:
    query = (
        _link_query().add_columns(Response)
        .join(Response, sa.and_(Response.campaign_id == AccessLink.campaign_id,
                                Response.organization_id == AccessLink.organization_id))
        .options(joinedload(Response.subjects), joinedload(Response.other_jobs))
        .where(Response.id == sa.bindparam("id"))
    )
    return query.with_for_update(of=Response) if for_update else query


def normalize_access_code(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def find_link_by_code(text: str) -> AccessLink | None:
    code = normalize_access_code(text)
    if not code or len(code) > 16:
        return None
    return db.session.scalar(sa.select(AccessLink).where(AccessLink.code == code))


def rule_context(campaign: Campaign, response_or_person: Any) -> rules.RuleContext:
    return rules.RuleContext(census_date=campaign.census_date, birth_date=response_or_person.birth_date,
                             questionnaire=questionnaire_for(campaign))


def is_response_of(response_id: int, campaign_id: int, person_key: str) -> bool:
    """Whether the response is this person's in this campaign (a look at two columns, not a load of the row)."""
    return db.session.scalar(sa.select(Response.id).where(
        Response.id == response_id, Response.campaign_id == campaign_id, Response.person_key == person_key)) is not None


def find_response(campaign_id: int, organization_id: int, person_key: str) -> Response | None:
    return db.session.scalar(
        sa.select(Response).where(
            Response.campaign_id == campaign_id,
            Response.organization_id == organization_id,
            Response.person_key == person_key,
        )
    )


# ---- personal codes -------------------------------------------------------------------------------------------
#
# A response keeps ``KEYED`` + a random salt; its code is ``domain.personal_code(IIN_HASH_KEY, salt)`` (why that is
# safer than a slow hash of the code: see there). It costs microseconds where argon2id cost 10 ms of a core for
# every new questionnaire on the deadline day. Responses given a code before 27 November 2026 keep their argon2id
# hash, which is still checked.

KEYED = "keyed$"


def normalize_personal_code(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def set_personal_code(response: Response) -> str:
    """Give the response a new personal code (any earlier one stops working); returns it, to be shown once."""
    salt = secrets.token_urlsafe(16)
    response.personal_code_hash = KEYED + salt
    return personal_code(current_app.config["IIN_HASH_KEY"], salt)


def check_personal_code(response: Response | None, code: str) -> bool:
    given = normalize_personal_code(code)
    stored = (response.personal_code_hash if response is not None else None) or ""
    if stored.startswith("$argon2"):
        return verify_password(stored, given)
    keyed = stored.startswith(KEYED)
    # no response, or none with a code: the same work against a salt no code belongs to, and never a match
    salt = stored.removeprefix(KEYED) if keyed else secrets.token_urlsafe(16)
    expected = personal_code(current_app.config["IIN_HASH_KEY"], salt).replace("-", "")
    return hmac.compare_digest(expected.encode(), given.encode()) and keyed


def resume(link: AccessLink, person_key: str, code: str) -> Response | None:
    """The person's response at the link's organization when ``code`` is its personal code; else None, audited."""
    response = find_response(link.campaign_id, link.organization_id, person_key)
    if check_personal_code(response, code):
        return response
    audit.record("response.code_failed", by="teacher", target=response, details={
        "organization_id": link.organization_id, "reason": "wrong_code" if response is not None else "no_response"})
    return None


# ---- typed values <-> stored rows ------------------------------------------------------------------------------

# Where each answer is kept: its own column of ``responses`` (a list of codes ';'-separated), a table of rows, or,
# for a question without a column of its own, its key in the ``answers`` document (typed values in JSON form).
COLUMN, CODES, ROWS, DOCUMENT = "column", "codes", "rows", "document"


@cache
def _storage(questionnaire: Questionnaire) -> dict[str, tuple[str, Question]]:
    """Each stored answer's code → (where it is kept, its question), in the codebook's order."""
    def where(q: Question) -> str:
        if q.kind is Kind.ROWS:
            return ROWS
        if not has_own_column(q.code):
            return DOCUMENT
        return CODES if q.kind is Kind.MANY else COLUMN

    return {q.code: (where(q), q) for q in questionnaire.columns}


def stored_values(response: Response, questionnaire: Questionnaire | None = None) -> dict[str, Any]:
    """The response's answers as typed values, the shape ``rules.check`` returns (the questions of its campaign)."""
    values: dict[str, Any] = {}
    document = response.answers or {}
    for code, (where, q) in _storage(questionnaire or questionnaire_for(response.campaign)).items():
        if where == COLUMN:
            values[code] = getattr(response, code)
        elif where == CODES:
            values[code] = [c for c in (getattr(response, code) or "").split(";") if c]
        elif where == ROWS:
            parts = [part.code for part in q.parts]
            values[code] = [{part: getattr(row, part) for part in parts} for row in getattr(response, code)]
        else:
            values[code] = q.typed(document.get(code))
    return values


def _plain(value: Any) -> Any:
    """A typed value as JSON: dates ISO, decimals as text, lists and rows as they are."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def raw_from_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Typed values as the text a form shows (booleans as 'true'/'false', None as '')."""
    raw: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, bool):
            raw[name] = "true" if value else "false"
        elif value is None:
            raw[name] = ""
        elif isinstance(value, Decimal):
            raw[name] = number_input(value)  # "1,25" in Kazakh and Russian, as the teacher typed it
        elif isinstance(value, list):
            raw[name] = [{k: "" if v is None else str(_plain(v)) for k, v in item.items()} if isinstance(item, dict)
                         else item for item in value]
        else:
            raw[name] = str(_plain(value))
    return raw


def apply_values(response: Response, values: Mapping[str, Any], *, source: str, user_id: int | None = None
                 ) -> dict[str, list[Any]]:
    """Write typed values to the response; on a submitted response keep the previous state as a version.

    An answer kept in the ``answers`` document is removed when blank; an answer to one of the campaign's own
    questions records the version of its questions it was given under (``answer_versions``).
    Returns what changed, as {field: [old, new]} in JSON form.
    """
    questionnaire = questionnaire_for(response.campaign)
    before = stored_values(response, questionnaire)
    changes = {
        name: [_plain(before.get(name)), _plain(value)]
        for name, value in values.items()
        if _plain(before.get(name)) != _plain(value)
    }
    if not changes:
        return {}
    if response.status == ResponseStatus.SUBMITTED:
        db.session.add(ResponseVersion(response=response, version=response.version, source=source, user_id=user_id,
                                       snapshot=_plain(before), changes=changes))
        response.version += 1
    storage = _storage(questionnaire)
    document, versions = dict(response.answers or {}), dict(response.answer_versions or {})
    for name, value in values.items():
        where, question = storage[name]
        if where == CODES:
            setattr(response, name, ";".join(value) or None)
        elif where == ROWS:
            model = row_model(name)
            setattr(response, name, [model(**row) for row in value])
        elif where == DOCUMENT:
            _keep(document, versions, question, _plain(value), name in changes)
        else:
            setattr(response, name, value)
    if document != (response.answers or {}):
        response.answers = document
    if versions != (response.answer_versions or {}):
        response.answer_versions = versions or None
    response.source = source
    return changes


def _keep(document: dict[str, Any], versions: dict[str, int], question: Question, value: Any, changed: bool) -> None:
    """One answer of the ``answers`` document: removed when blank; a campaign question's answer given anew records
    the version it was given under."""
    if value is None or value == []:
        document.pop(question.code, None)
        versions.pop(question.code, None)
        return
    document[question.code] = value
    if question.is_extra and (changed or question.code not in versions):
        versions[question.code] = question.version


# ---- starting a response --------------------------------------------------------------------------------------

@dataclass
class Started:
    response: Response
    created: bool
    code: str | None  # the personal code, when this request may show it


def prefill_from_other_organization(campaign_id: int, organization_id: int, person_key: str) -> dict[str, Any]:
    """The answers that are the same at every organization (education, category, experience) from the person's
    latest answer elsewhere that gives them."""
    shared = questions.current().per_person
    if not shared:
        return {}
    other = db.session.scalar(
        sa.select(Response)
        .where(Response.campaign_id == campaign_id, Response.person_key == person_key,
               Response.organization_id != organization_id, answer_column(shared[0]).is_not(None))
        .order_by(Response.updated_at.desc())
        .limit(1)
    )
    if other is None:
        return {}
    values = stored_values(other)
    return raw_from_values({name: values[name] for name in shared})


def start_response(link: AccessLink, person: IinIdentity, names: Mapping[str, Any], nonce: str, *,
                   may_prefill: bool = False) -> Started:
    """The person's response at the link's organization: created once, found ever after.

    The database's unique key decides between simultaneous requests; the loser loads the winner's row. A repeat
    of the same form submission (same ``nonce``: a double click, a retried POST) gets a fresh personal code to
    show, since the browser shows only the last answer; any other visit must prove the personal code.
    ``may_prefill``: the visitor has proved (with a personal code) that they are this person, so their answers
    at another organization may be shown to them.
    """
    existing = find_response(link.campaign_id, link.organization_id, person.person_key)
    if existing is None:
        prefill = {}
        if may_prefill:
            prefill = prefill_from_other_organization(link.campaign_id, link.organization_id, person.person_key)
        response = Response(
            campaign_id=link.campaign_id, organization_id=link.organization_id, person_key=person.person_key,
            birth_date=person.birth_date, sex=person.sex, status=ResponseStatus.DRAFT, current_step=1,
            draft_data={"nonce": nonce, "steps": {"education": prefill} if prefill else {},
                        "prefilled": bool(prefill)},
            source="web", last_name=names["last_name"], first_name=names["first_name"],
            middle_name=names.get("middle_name"), consent=True,
        )
        code = set_personal_code(response)
        try:
            with db.session.begin_nested():
                db.session.add(response)
                db.session.flush()
            audit.record("response.start", by="teacher", target=response,
                         details={"organization_id": link.organization_id})
            return Started(response, True, code)
        except IntegrityError:
            existing = find_response(link.campaign_id, link.organization_id, person.person_key)
            if existing is None:  # pragma: no cover - the row that won the race is gone again
                raise
    # an empty nonce never matches: a form posted without one (not by this app's page) proves no repeat
    if nonce and (existing.draft_data or {}).get("nonce") == nonce and existing.status == ResponseStatus.DRAFT:
        return Started(existing, False, set_personal_code(existing))
    return Started(existing, False, None)


# ---- steps and submission -------------------------------------------------------------------------------------

def step_raw(response: Response, step: Step, stored: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What the step's form shows: the draft as typed, else the stored answers (``stored``: ``stored_values``, when
    the caller has them); on a step never saved, the default answers of the campaign's own questions (an XLSForm's
    ``default``)."""
    draft = (response.draft_data or {}).get("steps", {}).get(step.key)
    stored = stored_values(response) if stored is None else stored
    values = {name: value for name, value in stored.items() if name in step.fields}
    if response.current_step <= step.number:
        values.update({q.code: q.typed(q.default) for q in step.questions
                       if q.default is not None and values.get(q.code) in (None, [])})
    shown = raw_from_values(values)
    if draft:
        shown.update(draft)
    return shown


def page_state(response: Response, step: Step, stored: Mapping[str, Any] | None = None
               ) -> relevance.PageState | None:
    """What the step's page shows of the campaign's own questions (``relevance``); ``stored`` as for ``step_raw``."""
    return relevance.page_state(step, lambda: stored_values(response) if stored is None else stored)


def not_asked(questionnaire: Questionnaire, values: Mapping[str, Any]) -> frozenset[str]:
    return relevance.not_asked(questionnaire, values)


def save_step(response: Response, step: Step, raw: Mapping[str, Any], *, final: bool = True) -> rules.Checked:
    """Keep what was typed as the draft; when the step passes every rule, store its answers.

    ``final`` False (adding a row, saving to finish later) keeps the draft without checking it.
    """
    draft = dict(response.draft_data or {})
    steps = dict(draft.get("steps") or {})
    steps[step.key] = dict(raw)
    draft["steps"] = steps
    result = rules.Checked()
    if final:
        result = rules.check(raw, rule_context(response.campaign, response), step.fields, stored_values(response))
    if final and result.ok:
        apply_values(response, result.values, source="web")
        steps.pop(step.key)
        response.current_step = max(response.current_step, step.number + 1)
    response.draft_data = draft
    response.updated_at = utcnow()
    db.session.flush()  # a version saved at the same moment by another tab fails here (IntegrityError)
    return result


def submit_response(response: Response, network_key: str | None = None) -> list[rules.FieldError]:
    """Mark the response submitted if it is complete (audited, with the network it came from the first time);
    otherwise list what is missing or wrong."""
    errors = rules.check_complete(stored_values(response), rule_context(response.campaign, response))
    if errors:
        return errors
    if response.status != ResponseStatus.SUBMITTED:
        response.network_key = network_key
        audit.record("response.submit", by="teacher", target=response,
                     details={"organization_id": response.organization_id})
        response.status = ResponseStatus.SUBMITTED
        response.submitted_at = utcnow()
        response.current_step = questionnaire_for(response.campaign).review_step
        draft = dict(response.draft_data or {})
        draft.pop("nonce", None)
        response.draft_data = draft
    return []


def load_response(response_id: int, *, for_update: bool = False) -> Response | None:
    """A response with its subject and other-job rows (one query); ``for_update`` row-locks it on PostgreSQL so
    that two tabs save one after the other."""
    return db.session.scalars(_response_query(for_update), {"id": response_id}).unique().one_or_none()


@cache
def _response_query(for_update: bool) -> sa.Select:
    query = (sa.select(Response).where(Response.id == sa.bindparam("id"))
             .options(joinedload(Response.subjects), joinedload(Response.other_jobs)))
    return query.with_for_update(of=Response) if for_update else query
