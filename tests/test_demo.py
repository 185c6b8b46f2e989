"""The demo and the synthetic generator: consistent people, and integrity flags on exactly the planted cases."""

from collections import Counter, defaultdict

import sqlalchemy as sa

from survey.campaigns.questions import questionnaire_for
from survey.codebook import CampaignStatus
from survey.demo import load_almaty_demo, load_synthetic
from survey.demo.planted import NOT_PLANTED, WAITS_FOR_CLOSE
from survey.domain import age_on, check_id
from survey.extensions import db
from survey.integrity.catalogue import RULES
from survey.integrity.services import run_checks
from survey.models import (
    AccessLink,
    Campaign,
    Flag,
    OrgReport,
    Organization,
    Response,
    ResponseSubject,
    RosterEntry,
    User,
)
from survey.rules.response import ALL_FIELDS, RuleContext, check


def test_almaty_demo(runner):
    result = runner.invoke(args=["survey", "demo"])
    assert result.exit_code == 0, result.output
    assert "admin@demo.kz" in result.output and "access code" in result.output
    orgs = db.session.scalars(sa.select(Organization)).all()
    assert len(orgs) == 32
    assert {o.district.name for o in orgs} == {"Алатауский", "Алмалинский", "Ауэзовский", "Бостандыкский",
                                              "Жетысуский", "Медеуский", "Наурызбайский", "Турксибский"}
    assert {o.level for o in orgs} == {"preschool", "school", "college"}
    for org in orgs:
        check_id(org.bin)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessLink)) == 32
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrgReport)) == 32
    assert {u.role for u in db.session.scalars(sa.select(User))} == {"national_admin", "region_admin",
                                                                      "district_admin", "director"}
    # the checks ran as part of the demo: the queue is full on the first run, and the output lists the cases
    flags = db.session.scalar(sa.select(sa.func.count()).select_from(Flag).where(Flag.closed_at.is_(None)))
    assert flags > 20 and f"Integrity checks ran after loading: {flags} open flags" in result.output
    for rule in ("G2", "G3", "G4", "G5", "G6", "G7", "G7N", "G7J", "G9", "G10", "G11", "G12", "G13", "G16",
                 "G18"):
        assert f"\n  {rule:<4} " in result.output, rule
    assert "Not planted: G14" in result.output
    again = runner.invoke(args=["survey", "demo"])
    assert again.exit_code != 0 and "empty database" in again.output
    skipped = runner.invoke(args=["survey", "demo", "--skip-if-loaded"])
    assert skipped.exit_code == 0 and "not loaded again" in skipped.output


def open_flags(campaign_code: str) -> dict[str, set[tuple[int, str]]]:
    found = defaultdict(set)
    for rule, organization_id, subject_key in db.session.execute(
            sa.select(Flag.rule, Flag.organization_id, Flag.subject_key).join(Campaign)
            .where(Campaign.code == campaign_code, Flag.closed_at.is_(None))):
        found[rule].add((organization_id, subject_key))
    return found


def assert_flags_are_the_planted_ones(loaded, closed: bool) -> None:
    """Per rule: the flagged (organization, person) pairs are exactly the planted ones; every rule that can be
    planted has cases; clean people have no flag at all."""
    flags, planted = open_flags(loaded.campaign_code), loaded.planted.flags
    for rule in RULES:
        expected = planted[rule.code] if closed or rule.code not in WAITS_FOR_CLOSE else set()
        assert flags[rule.code] == expected, rule.code
        assert bool(planted[rule.code]) == (rule.code not in NOT_PLANTED), rule.code
    assert set(flags) <= {rule.code for rule in RULES}
    flagged_people = {key for pairs in flags.values() for _, key in pairs if key}
    assert flagged_people == (loaded.planted.people() if closed else loaded.planted.respondents())


def planted_share(loaded) -> float:
    return len(loaded.planted.respondents()) / db.session.scalar(sa.select(sa.func.count()).select_from(Response))


def test_almaty_demo_flags_exactly_the_planted_cases(app):
    loaded = load_almaty_demo()
    assert_flags_are_the_planted_ones(loaded, closed=False)
    assert 0.01 <= planted_share(loaded) <= 0.03
    director = db.session.scalar(sa.select(User).where(User.email == "director@demo.kz"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Flag).where(
        Flag.organization_id == director.organization_id, Flag.subject_key != "")) > 0  # a flag to explain


def test_synthetic_set_flags_exactly_the_planted_cases(app):
    loaded = load_synthetic(orgs=60, teachers=2000, seed=3)
    assert_flags_are_the_planted_ones(loaded, closed=False)
    assert 0.01 <= planted_share(loaded) <= 0.03
    # once the campaign closes, the roster names that never answered are flagged too (G7), and nothing else new
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.code == loaded.campaign_code))
    campaign.status = CampaignStatus.CLOSED
    run_checks(campaign)
    assert_flags_are_the_planted_ones(loaded, closed=True)


def test_synthetic_set_with_the_campaign_questions(app, runner):
    result = runner.invoke(args=["survey", "demo", "--orgs", "12", "--teachers", "300", "--seed", "4",
                                 "--campaign-questions"])
    assert result.exit_code == 0, result.output
    campaign = db.session.scalars(sa.select(Campaign)).one()
    assert campaign.questions_version == 1 and campaign.status == CampaignStatus.OPEN
    answers = db.session.scalars(sa.select(Response.answers)).all()
    assert len(answers) == 300 and all(a["digital_skills"] for a in answers)
    assert 0 < sum("ai_tools" in a for a in answers) < 300


def test_every_demo_answer_is_one_the_questionnaire_accepts(app):
    """Planted cases included: they are what a person could really answer, not impossible records. The campaign's
    own questions (issue 17) too: each answer passes their rules, none is given to a question not relevant."""
    load_almaty_demo()
    campaign = db.session.scalars(sa.select(Campaign)).one()
    questionnaire = questionnaire_for(campaign)
    extra = [q.code for q in questionnaire.columns if q.is_extra]
    assert extra == ["digital_skills", "ai_tools", "ai_hours", "mentor"]
    responses = db.session.scalars(sa.select(Response)).all()
    answered = Counter()
    for response in responses:
        raw = {name: getattr(response, name) for name in ALL_FIELDS if name not in ("subjects", "other_jobs")}
        raw["subjects"] = [{"subject": s.subject, "hours": s.hours, "language": s.language}
                           for s in response.subjects]
        raw["other_jobs"] = [{"org_bin": j.org_bin, "org_name": j.org_name, "basis": j.basis, "hours": j.hours}
                             for j in response.other_jobs]
        raw.update(response.answers or {})
        ctx = RuleContext(campaign.census_date, response.birth_date, questionnaire)
        checked = check(raw, ctx, ALL_FIELDS + tuple(extra))
        assert checked.ok, (response.id, checked.errors)
        given = {name: value for name, value in checked.values.items() if name in extra and value not in (None, [])}
        assert given == response.answers and response.answer_versions == {name: 1 for name in given}
        answered.update(given.keys())
    assert answered["digital_skills"] == len(responses)
    assert 0 < answered["ai_tools"] < answered["digital_skills"] and 0 < answered["mentor"] < len(responses)


def test_synthetic_data_is_deterministic_and_consistent(app, runner):
    result = runner.invoke(args=["survey", "demo", "--orgs", "60", "--teachers", "2000", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "Planted, each flagged by its rule" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organization)) == 60
    responses = db.session.scalars(sa.select(Response)).all()
    assert len(responses) == 2000  # planted people take the places of clean ones
    regions = db.session.scalar(sa.select(sa.func.count(sa.distinct(Organization.district_id))))
    assert regions >= 20
    planted = {key for key, in db.session.execute(sa.select(Flag.subject_key).where(Flag.subject_key != ""))}
    clean = [r for r in responses if r.person_key not in planted]
    census = responses[0].campaign.census_date
    norms = {"school": 16, "college": 18, "preschool": 24}
    by_person = defaultdict(list)
    for response in clean:
        by_person[response.person_key].append(response)
        age = age_on(response.birth_date, census)
        assert 21 <= age <= 70
        assert response.experience_total <= age - 16
        assert response.graduation_year >= response.birth_date.year + 17
        assert response.start_date <= census
        assert (response.category_year is None) == (response.category == "none")
        assert (response.specialty is None) == (response.education_level == "secondary")
        assert abs(sum(s.hours for s in response.subjects) - response.teaching_hours) <= 1
        if response.category not in ("none", "legacy_highest", "legacy_first"):  # earned: years, then the award
            minimum = {"pedagogue": 0, "moderator": 2, "expert": 3, "researcher": 4, "master": 5}[response.category]
            assert response.education_level != "secondary" and response.experience_total >= minimum
            assert census.year - response.experience_total + minimum <= response.category_year <= census.year
    # every load within 1.5 rates and every week within 60 hours, across all of a person's jobs (those outside
    # the census included)
    registered = set(db.session.scalars(sa.select(Organization.bin)))
    for answers in by_person.values():
        assert sum(r.teaching_hours / norms[r.organization.level] for r in answers) <= 1.5 + 1e-9
        assert sum(r.total_hours_week for r in answers) + sum(
            j.hours for r in answers for j in r.other_jobs if j.org_bin not in registered) <= 60
    # a second job in the census is answered at both organizations, and each answer names the other
    multi = [answers for answers in by_person.values() if len(answers) > 1]
    assert len(multi) > 10
    for answers in multi:
        assert sum(r.basis == "main" for r in answers) == 1
        for response in answers:
            named = {j.org_bin for j in response.other_jobs}
            assert {r.organization.bin for r in answers if r is not response} <= named
    secondary = sum(r.basis != "main" for r in responses) / len(responses)
    assert 0.05 < secondary < 0.2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RosterEntry)) > len(responses) * 0.95
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ResponseSubject)) > len(responses) * 0.8
    first_keys = sorted(r.person_key for r in responses)[:5]
    db.session.commit()
    from tests.conftest import _clean

    _clean(None)
    runner.invoke(args=["survey", "demo", "--orgs", "60", "--teachers", "2000", "--seed", "3"])
    assert sorted(db.session.scalars(sa.select(Response.person_key)))[:5] == first_keys


def test_demo_flags_reach_the_queue_and_the_flags_sheet(app, client, login, tmp_path):
    from openpyxl import load_workbook

    from survey.reports.services import export_profiles, select_organizations
    from survey.reports.profiles import ExportContext

    loaded = load_almaty_demo()
    case = next(case for case in loaded.planted.cases if case.rule == "G5")
    login(db.session.scalar(sa.select(User).where(User.email == "admin@demo.kz")))
    surname_and_name = " ".join(case.person.split()[:2])
    queue = client.get("/integrity/?rule=G5").get_data(as_text=True)
    assert surname_and_name in queue and case.organization in queue
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Flag))
    assert f'<th class="num">{total}</th>' in client.get("/admin/progress").get_data(as_text=True)  # the board
    campaign = db.session.scalar(sa.select(Campaign))
    org = db.session.scalar(sa.select(Organization).where(Organization.name_ru == case.organization))
    path = tmp_path / "org.xlsx"
    export_profiles(ExportContext(campaign, lang="en", headers="labels", exported_by="tester@example.kz"),
                    select_organizations(None, org_bin=org.bin), path)
    flags = list(load_workbook(path)["Flags"].iter_rows(values_only=True))
    assert any(row[0] == "G5" and str(row[4]).startswith(surname_and_name) for row in flags)
