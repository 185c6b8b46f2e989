"""A campaign's own questions (issue 17): the versions of a campaign's question set, each kept with the XLSForm
as uploaded (``upload_questions``: a draft's set is replaced whole, an open campaign takes only optional questions and
new choices), and the questionnaire a campaign asks (core + its own questions, ``questionnaire_for``). Reading and
refusing the XLSForm itself is ``survey.campaigns.xlsform``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import audit
from ..codebook import CampaignStatus
from ..extensions import db
from ..models import Campaign, CampaignQuestionSet, User
from ..questions import Questionnaire, current
from .xlsform import Definition, Problem, XLSFormRefused, question_json, read_xlsform




# ---- versions ------------------------------------------------------------------------------------------------

def upload_questions(campaign: Campaign, data: bytes, filename: str, by: audit.Actor = None) -> CampaignQuestionSet:
    """Read the XLSForm and make it the campaign's next version of its own questions (the caller commits).

    A draft campaign's set is replaced whole; once the campaign is open, the new form must keep every question
    as it was (its choices may grow) and may only add optional questions, so answers already given keep their
    meaning. Every version is kept. Raises ``XLSFormRefused``; nothing is saved then."""
    if campaign.status == CampaignStatus.CLOSED:
        raise XLSFormRefused([Problem(None, None, None, _l("The campaign %(code)s is closed: its questions can no "
                                                           "longer change.", code=campaign.code))])
    definition = read_xlsform(data, filename)
    previous = _set(campaign.id, campaign.questions_version) if campaign.questions_version else None
    if campaign.status == CampaignStatus.OPEN:
        before = Definition.from_json(previous.definition) if previous is not None else Definition((), ())
        problems = changes_refused(before, definition)
        if problems:
            raise XLSFormRefused(problems)
    version = (db.session.scalar(sa.select(sa.func.max(CampaignQuestionSet.version))
                                 .where(CampaignQuestionSet.campaign_id == campaign.id)) or 0) + 1
    question_set = CampaignQuestionSet(campaign_id=campaign.id, version=version, user_id=by.id if isinstance(by, User) else None,
                                       filename=(filename or "form.xlsx")[:255], form=data,
                                       definition=definition.as_json())
    db.session.add(question_set)
    campaign.questions_version = version
    audit.record("campaign.questions", by=by, target=campaign,
                 details={"code": campaign.code, "version": version, "filename": question_set.filename,
                          "questions": len(definition.questions), "source": "cli" if by == "cli" else "web"})
    db.session.flush()
    return question_set


def changes_refused(before: Definition, after: Definition) -> list[Problem]:
    """What an open campaign's new form may not do: drop or change a question, make a new one required."""
    problems = []
    new = {q.code: q for q in after.questions}
    for old in before.questions:
        q = new.get(old.code)
        if q is None:
            problems.append(Problem("survey", None, "name", _l("The question “%(name)s” is missing: once the "
                                                               "campaign is open, questions can only be added.",
                                                               name=old.code)))
            continue
        old_json, new_json = question_json(old), question_json(q)
        old_options, new_options = old_json.pop("options"), new_json.pop("options")
        kept = [option for option in new_options if option["name"] in {o["name"] for o in old_options}]
        if old_json != new_json or kept != old_options:
            problems.append(Problem("survey", None, "name", _l("The question “%(name)s” has changed: once the "
                                                               "campaign is open, a question stays as it is (new "
                                                               "choices may be added).", name=old.code)))
    known = {q.code for q in before.questions}
    for q in after.questions:
        if q.code not in known and q.mandatory:
            problems.append(Problem("survey", None, "required", _l("The new question “%(name)s” is required: once "
                                                                   "the campaign is open, only optional questions "
                                                                   "may be added.", name=q.code)))
    return problems


def _set(campaign_id: int, version: int) -> CampaignQuestionSet | None:
    """One version, without its uploaded file."""
    return db.session.scalar(sa.select(CampaignQuestionSet).where(CampaignQuestionSet.campaign_id == campaign_id,
                                                                  CampaignQuestionSet.version == version)
                             .options(sa.orm.defer(CampaignQuestionSet.form)))


_CACHE: dict[tuple, Any] = {}
_CACHE_SIZE = 64


def questions_of_version(campaign_id: int, version: int) -> Definition:
    """The pages and questions of one version of a campaign's own questions (an old one too)."""
    question_set = _set(campaign_id, version)
    if question_set is None:
        raise LookupError(f"campaign {campaign_id} has no question set {version}")
    key = ("set", campaign_id, version, question_set.created_at)
    found = _CACHE.get(key)
    if found is None:
        found = _remember(key, Definition.from_json(question_set.definition, version))
    return found


def questionnaire_for(campaign: Campaign) -> Questionnaire:
    """The questionnaire the campaign asks: the core one, then the pages of its own questions in force."""
    base = current()
    if not campaign.questions_version:
        return base
    key = ("campaign", campaign.id, campaign.created_at, campaign.questions_version, id(base))
    found = _CACHE.get(key)
    if found is None:
        definition = questions_of_version(campaign.id, campaign.questions_version)
        found = _remember(key, base.with_pages(definition.pages, definition.questions))
    return found


def _remember(key: tuple, value: Any) -> Any:
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = value
    return value
