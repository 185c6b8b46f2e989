"""AI readiness and the training waves against figures worked out by hand (census 2026-11-01)."""

from __future__ import annotations

import datetime as dt
import random

import pytest
import sqlalchemy as sa

from plans_data import CENSUS, person, report
from survey.config import priority_answers
from survey.extensions import db
from survey.models import Response
from survey.staffing.ai_plan import PlanSettings, ai_plan, split

D = dt.date
SETTINGS = PlanSettings(capacity=2, priority_subjects=("informatics",), priority_under_age=35, untrained=True)


@pytest.fixture
def world(make_org, make_campaign):
    """District Д1: organizations A and B; district Д2: C. One person works at B on the side and at C mainly."""
    campaign = make_campaign("AI", census_date=CENSUS)
    a = make_org("school", district="Д1", name_ru="A")
    b = make_org("school", district="Д1", name_ru="B")
    c = make_org("college", district="Д2", name_ru="C")
    wants = dict(ai_training_wanted=True, ai_training="none")
    person(campaign, a, D(1976, 1, 1), subjects=[("informatics", 16)], ai_use=True, **wants)  # 1: informatics
    person(campaign, a, D(1996, 1, 1), subjects=[("mathematics", 16)], ai_use=True, **wants)  # 1: under 35
    person(campaign, a, D(1976, 1, 1), subjects=[("mathematics", 16)], ai_use=False, **wants)  # 2
    person(campaign, a, D(1976, 1, 1), subjects=[("english", 16)], ai_training="none", ai_training_wanted=False)  # 3
    person(campaign, a, D(1976, 1, 1), subjects=[("english", 16)], ai_training="long", ai_training_wanted=False)
    person(campaign, a, D(1976, 1, 1), subjects=[("english", 16)])  # 3: no answer about training
    person(campaign, b, D(1981, 1, 1), subjects=[("informatics", 16)], **wants)  # 1
    person(campaign, b, D(1986, 1, 1), subjects=[("mathematics", 16)], ai_training="short",
           ai_training_wanted=True)  # 2
    person(campaign, b, D(1986, 5, 5), subjects=[("mathematics", 8)], basis="external_secondary", key="twice",
           **wants)  # counted at C, the main job
    person(campaign, c, D(1986, 5, 5), subjects=[("mathematics", 18)], key="twice", **wants)  # 2
    person(campaign, c, D(1970, 1, 1), subjects=[("vocational_theory", 18)], ai_training="short",
           ai_training_wanted=False)
    person(campaign, a, D(1990, 1, 1), subjects=[("english", 16)], status="draft", **wants)  # a draft: not counted
    report(campaign, a, digital_lead_name="Сейітова Әйгерім", digital_lead_post="Заместитель директора по ИКТ",
           digital_lead_contact="+7 701 123 45 67")
    report(campaign, b)
    db.session.flush()
    return campaign, a, b, c


def test_readiness_and_waves_by_hand(world):
    campaign, a, b, c = world
    plan = ai_plan(campaign, None, SETTINGS)
    first, second, third = (plan.organizations[o.id] for o in (a, b, c))
    assert (first.staff, first.ai_answered, first.ai_use, first.wants) == (6, 3, 2, 3)
    assert (first.training_answered, first.untrained, first.trained_long, first.trained_short) == (5, 4, 1, 0)
    assert first.priorities == {1: 2, 2: 1, 3: 2}
    # Д1's queue: A's priority 1 (two), B's priority 1, A's 2, B's 2, A's 3 (two) → waves of two
    assert first.waves == {1: 2, 2: 1, 3: 1, 4: 1}
    assert second.waves == {2: 1, 3: 1} and second.staff == 2  # the person of B and C counts at C
    assert third.waves == {1: 1} and third.staff == 2
    assert plan.subject_waves([a.district_id]) == {
        "informatics": {1: 1, 2: 1}, "mathematics": {1: 1, 2: 1, 3: 1}, "english": {3: 1, 4: 1}}
    assert plan.subject_waves([c.district_id]) == {"mathematics": {1: 1}}
    assert (first.lead.name, first.lead.contact) == ("Сейітова Әйгерім", "+7 701 123 45 67")
    assert [item.organization_id for item in plan.without_lead()] == [b.id, c.id]
    national = plan.total()
    assert (national.staff, national.wants, national.planned, national.without_lead) == (10, 6, 8, 2)


def test_national_plan_is_the_sum_of_its_districts(world):
    campaign, a, b, c = world
    national = ai_plan(campaign, None, SETTINGS)
    districts = [ai_plan(campaign, [a.id, b.id], SETTINGS), ai_plan(campaign, [c.id], SETTINGS)]
    by_district = national.rollup("district")
    for part, district_id in zip(districts, (a.district_id, c.district_id)):
        assert part.total().waves == by_district[district_id].waves
        assert part.subject_waves() == national.subject_waves([district_id])
    summed = districts[0].total().add(districts[1].total())
    assert summed == national.total()


def test_capacity_and_the_rule_are_settings(world):
    campaign, a, b, c = world
    wide = ai_plan(campaign, None, PlanSettings(capacity=100, priority_subjects=(), priority_under_age=0,
                                                untrained=False))
    assert wide.organizations[a.id].priorities == {2: 3} and wide.organizations[a.id].waves == {1: 3}
    assert wide.total().planned == wide.total().wants == 6


def test_waves_never_exceed_the_capacity_and_everyone_who_wants_training_has_one(make_org, make_campaign):
    rng = random.Random(18)
    campaign = make_campaign("AI", census_date=CENSUS)
    orgs = [make_org("school", district=f"Район {n % 3}") for n in range(7)]
    for org in orgs:
        for _ in range(rng.randint(0, 25)):
            person(campaign, org, D(rng.randint(1960, 2002), 1, 1),
                   subjects=[(rng.choice(["informatics", "mathematics", "english"]), 16)],
                   ai_training=rng.choice([None, "none", "short", "long"]),
                   ai_training_wanted=rng.choice([None, True, False]))
    db.session.flush()
    settings = PlanSettings(capacity=7, priority_subjects=("informatics",), priority_under_age=35, untrained=True)
    plan = ai_plan(campaign, None, settings)
    for district in plan.rollup("district").values():
        assert all(size <= 7 for size in district.waves.values())
        assert district.waves == {} or sorted(district.waves) == list(range(1, max(district.waves) + 1))
        assert sum(district.priorities.get(p, 0) for p in (1, 2)) == district.wants
        assert district.planned == sum(district.priorities.values())
        assert all(size == 7 for wave, size in district.waves.items() if wave < max(district.waves))


def test_split_cuts_a_run_of_places_into_waves():
    assert split(0, 2, 2) == [(1, 2)]  # places 1-2
    assert split(3, 6, 2) == [(2, 1), (3, 2), (4, 2), (5, 1)]  # places 4-9
    assert split(199, 1, 200) == [(1, 1)] and split(200, 1, 200) == [(2, 1)]
    assert split(5, 3, 1) == [(6, 1), (7, 1), (8, 1)]


def test_a_group_cut_by_two_wave_boundaries_splits_its_subjects_in_response_order(make_org, make_campaign):
    """One organization, five people of the same priority: capacity 2 cuts them after the 2nd and the 4th response,
    so their subjects fall into waves in the order the responses came."""
    campaign = make_campaign("AI", census_date=CENSUS)
    org = make_org("school", district="Д9")
    for code in ("physics", "chemistry", "biology", "geography", "history_kazakhstan"):
        person(campaign, org, D(1976, 1, 1), subjects=[(code, 16)], ai_training="none", ai_training_wanted=True)
    db.session.flush()
    plan = ai_plan(campaign, None, PlanSettings(capacity=2, priority_subjects=(), priority_under_age=0,
                                                untrained=False))
    assert plan.organizations[org.id].waves == {1: 2, 2: 2, 3: 1}
    assert plan.subject_waves() == {"physics": {1: 1}, "chemistry": {1: 1}, "biology": {2: 1}, "geography": {2: 1},
                                    "history_kazakhstan": {3: 1}}


QUESTIONS = [
    ["type", "name", "label::Kazakh (kk)", "label::Russian (ru)"],
    ["select_one yes_no_maybe", "mentor", "Тәлімгер боласыз ба?", "Станете наставником?"],
    ["select_multiple ai_tools", "ai_tools", "ЖИ құралдары", "Инструменты ИИ"],
    ["integer", "ai_hours", "ЖИ сағаттары", "Часы ИИ"],
]
CHOICES = [
    ["list_name", "name", "label::Kazakh (kk)", "label::Russian (ru)"],
    ["yes_no_maybe", "yes", "Иә", "Да"], ["yes_no_maybe", "maybe", "Мүмкін", "Возможно"],
    ["yes_no_maybe", "no", "Жоқ", "Нет"],
    ["ai_tools", "chatgpt", "ChatGPT", "ChatGPT"], ["ai_tools", "gemini", "Gemini", "Gemini"],
]


@pytest.fixture
def asked(world, make_campaign_questions):
    """The world's campaign asks ``mentor`` and ``ai_tools``. A's mathematics teacher born 1976 (priority 2, wants
    training) would mentor and uses ChatGPT; A's English teacher without training (does not want it) would mentor
    too; B's mathematics teacher (priority 2, wants training) uses ChatGPT and Gemini; C's teacher would not mentor."""
    campaign = world[0]
    make_campaign_questions(campaign, QUESTIONS, CHOICES)
    people = db.session.scalars(sa.select(Response).where(Response.campaign_id == campaign.id)
                                .order_by(Response.id)).all()
    for index, answers in ((2, {"mentor": "yes", "ai_tools": ["chatgpt"], "ai_hours": 3}), (3, {"mentor": "yes"}),
                           (7, {"mentor": "maybe", "ai_tools": ["chatgpt", "gemini"]}), (9, {"mentor": "no"})):
        people[index].answers = answers
        people[index].answer_versions = {name: campaign.questions_version for name in answers}
    db.session.flush()
    return world


def with_answers(pairs: str, capacity: int = 3) -> PlanSettings:
    return PlanSettings(capacity=capacity, priority_subjects=("informatics",), priority_under_age=35, untrained=True,
                        priority_answers=priority_answers(pairs))


def test_future_mentors_who_want_training_move_to_the_first_wave(asked):
    campaign, a, b, c = asked
    before = ai_plan(campaign, None, with_answers(""))
    # Д1 in waves of three: A's priority 1 (two) and B's → wave 1; A's 2 and B's 2 → wave 2; A's 3 (two) → 2, 3
    assert before.organizations[a.id].priorities == {1: 2, 2: 1, 3: 2}
    assert before.organizations[a.id].waves == {1: 2, 2: 2, 3: 1} and before.organizations[b.id].waves == {1: 1, 2: 1}
    plan = ai_plan(campaign, None, with_answers("mentor=yes"))
    # A's mentor who wants training joins priority 1 (the English mentor does not want training: still 3); A's
    # priority 1 (three) fills wave 1, B's informatics teacher and B's 2 → wave 2, A's 3 → waves 2 and 3
    assert plan.organizations[a.id].priorities == {1: 3, 3: 2}
    assert plan.organizations[a.id].waves == {1: 3, 2: 1, 3: 1} and plan.organizations[b.id].waves == {2: 2}
    assert plan.subject_waves([a.district_id])["mathematics"] == {1: 2, 2: 1}
    assert plan.organizations[c.id].priorities == {2: 1}  # C's "no" changes nothing
    assert plan.answers_applied == (("mentor", "yes"),) and plan.answers_ignored == ()
    assert plan.total().planned == before.total().planned == 8


def test_a_select_multiple_answer_that_includes_the_choice(asked):
    campaign, a, b, c = asked
    plan = ai_plan(campaign, None, with_answers("ai_tools=gemini"))
    # B's mathematics teacher (ChatGPT and Gemini) joins priority 1; A's (ChatGPT only) stays in 2. Д1: A's 1
    # (places 1-2), B's 1 (3-4: informatics, then mathematics by response), A's 2 (5), A's 3 (6-7)
    assert plan.organizations[b.id].priorities == {1: 2} and plan.organizations[b.id].waves == {1: 1, 2: 1}
    assert plan.organizations[a.id].priorities == {1: 2, 2: 1, 3: 2}
    assert plan.organizations[a.id].waves == {1: 2, 2: 2, 3: 1}
    both = ai_plan(campaign, None, with_answers("mentor=yes; ai_tools=gemini"))
    assert both.organizations[a.id].priorities[1] == 3 and both.organizations[b.id].priorities == {1: 2}


def test_a_pair_naming_a_question_the_campaign_does_not_ask_changes_nothing(asked):
    campaign, a, b, c = asked
    before = ai_plan(campaign, None, with_answers(""))
    for pairs in ("nosuch=yes", "ai_hours=3", "ai_use=true", "mentor=yse"):  # unknown; a number; core; no such choice
        plan = ai_plan(campaign, None, with_answers(pairs))
        assert plan.organizations == before.organizations and plan.subjects == before.subjects
        assert plan.answers_applied == () and plan.answers_ignored == priority_answers(pairs)
    mixed = ai_plan(campaign, None, with_answers("nosuch=yes;mentor=yes"))
    assert mixed.answers_applied == (("mentor", "yes"),) and mixed.answers_ignored == (("nosuch", "yes"),)
    assert mixed.organizations[a.id].priorities == {1: 3, 3: 2}


def test_with_priority_answers_the_national_plan_is_still_the_sum_of_its_districts(asked):
    campaign, a, b, c = asked
    settings = with_answers("mentor=yes;ai_tools=gemini", capacity=2)
    national = ai_plan(campaign, None, settings)
    districts = [ai_plan(campaign, [a.id, b.id], settings), ai_plan(campaign, [c.id], settings)]
    by_district = national.rollup("district")
    for part, district_id in zip(districts, (a.district_id, c.district_id)):
        assert part.total().waves == by_district[district_id].waves
        assert part.subject_waves() == national.subject_waves([district_id])
    assert districts[0].total().add(districts[1].total()) == national.total()
    assert national.total().priorities == {1: 5, 2: 1, 3: 2}


def test_the_page_and_the_sheet_say_which_pairs_apply(asked, app, client, login, make_user, monkeypatch):
    from survey.models import Organization
    from survey.reports.plans import plan_sheets
    from survey.reports.profiles import ExportContext

    campaign, a, b, c = asked
    monkeypatch.setitem(app.config, "AI_PRIORITY_ANSWERS", "mentor=yes;nosuch=yes")
    about = dict(plan_sheets(ExportContext(campaign, lang="en"), sa.select(Organization.id)).about)
    assert about["AI plan: priority 1 also by campaign answers"] == (
        "want training and answered mentor = yes. Not applied (this campaign does not ask them as a choice "
        "question): nosuch = yes.")
    login(make_user("national_admin"))
    body = client.get(f"/admin/plans/?campaign={campaign.id}").get_data(as_text=True)
    assert "whose answer to a campaign question is mentor = yes." in body
    assert "does not ask them as a choice question): nosuch = yes." in body
    body = client.get(f"/admin/plans/?campaign={campaign.id}&priority_answers=ai_tools%3Dgemini").get_data(as_text=True)
    assert "is ai_tools = gemini." in body and "nosuch" not in body  # the page's own value replaces the setting
    answer = client.get(f"/admin/plans/?campaign={campaign.id}&priority_answers=mentor")
    assert answer.status_code == 422 and "Write question=choice pairs separated by ;" in answer.get_data(as_text=True)
    monkeypatch.setitem(app.config, "AI_PRIORITY_ANSWERS", "")
    body = client.get(f"/admin/plans/?campaign={campaign.id}").get_data(as_text=True)
    assert "campaign question" not in body and "Not applied (" not in body
