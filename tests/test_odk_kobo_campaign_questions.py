"""ODK and Kobo exports of a campaign that asks its own questions (tests/xlsforms.py's EXAMPLE) as well as the
core ones: the extra answers come back the same from either tool, an answer to a question not asked is cleared and
a broken constraint is named (the core import: test_odk_kobo.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import Response
from survey.questionnaire.paper import import_responses
from survey.questionnaire.services import stored_values
from survey.registry.services import ImportRejected
from tests.test_odk_kobo import answers, campaign, edited_csv, fixture, odk_zip  # noqa: F401  (campaign: a fixture)


@pytest.fixture
def with_example(campaign, make_campaign_questions):
    """The campaign asks tests/xlsforms.py's EXAMPLE questions too (uploaded while a draft, then opened)."""
    from tests.xlsforms import EXAMPLE

    campaign.status = "draft"
    make_campaign_questions(campaign, EXAMPLE)
    campaign.status = "open"
    db.session.commit()
    return campaign


EXAMPLE_ANSWERS = {
    "Ахметова": {"digital_skills": "confident", "ai_tools": ["chatgpt", "other"], "mentor_hours": 4,
                 "other_tool": "Qwen"},
    "Омаров": {"digital_skills": "none", "ai_tools": [], "mentor_hours": 0, "other_tool": None},
    "Ким": {"digital_skills": "advanced", "ai_tools": ["chatgpt", "gemini"], "mentor_hours": None,
            "other_tool": None},
}


def extra_answers(campaign) -> dict[str, dict]:
    from survey.campaigns.questions import questionnaire_for

    questionnaire = questionnaire_for(campaign)
    found = db.session.scalars(sa.select(Response).where(Response.campaign_id == campaign.id))
    return {r.last_name: {code: stored_values(r, questionnaire)[code] for code in EXAMPLE_ANSWERS["Ким"]}
            for r in found}


def test_odk_and_kobo_exports_carry_the_campaigns_own_questions(app, with_example, make_campaign,
                                                                make_campaign_questions):
    from tests.xlsforms import EXAMPLE

    summary = import_responses(with_example, odk_zip(), "STAFF26.csv.zip", source="odk")
    db.session.commit()
    assert summary.created == 3
    assert extra_answers(with_example) == EXAMPLE_ANSWERS
    first = db.session.scalar(sa.select(Response).where(Response.last_name == "Ахметова"))
    assert first.answer_versions == {"digital_skills": 1, "ai_tools": 1, "mentor_hours": 1, "other_tool": 1}

    other = make_campaign(code="KOBO26", status="draft")
    make_campaign_questions(other, EXAMPLE)
    other.status = "open"
    db.session.commit()
    import_responses(other, fixture("kobo_staff26.xlsx"), "kobo_staff26.xlsx", source="kobo")
    db.session.commit()
    assert extra_answers(other) == EXAMPLE_ANSWERS
    assert answers(other) == answers(with_example)


def test_an_answer_to_a_question_not_asked_is_cleared_and_a_broken_constraint_named(app, with_example):
    root = edited_csv("odk_staff26.csv", {2: {"x_digital_page-ai_tools": "chatgpt"}})  # ai_use is false there
    import_responses(with_example, odk_zip(root=root), "STAFF26.csv.zip", source="odk")
    db.session.commit()
    assert extra_answers(with_example)["Омаров"]["ai_tools"] == []

    root = edited_csv("odk_staff26.csv", {1: {"x_digital_page-mentor_hours": "25"},
                                          3: {"x_digital_page-digital_skills": "expert"}})
    with pytest.raises(ImportRejected) as rejected:
        import_responses(with_example, odk_zip(root=root), "STAFF26.csv.zip", source="odk")
    named = {(e.row, e.column) for e in rejected.value.errors}
    assert named == {(2, "mentor_hours"), (4, "digital_skills")}
