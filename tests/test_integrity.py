"""Integrity rules (reference/domain.md §d): each fires on a hand-built case and stays quiet on a near miss;
re-runs are idempotent; a fixed cause closes its flag; directors see only their own flags, and other
organizations only when their scope includes them (the pages: test_integrity_pages.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from decimal import Decimal

import pytest
import sqlalchemy as sa

from survey.codebook import FlagStatus
from survey.extensions import db
from survey.integrity.services import run_checks
from survey.models import AuditEvent, Flag, OrgReport, RequiredHours, Response, RosterEntry

CENSUS = dt.date(2026, 11, 1)


def key(alias: str) -> str:
    return hashlib.sha256(alias.encode()).hexdigest()


@pytest.fixture
def campaign(make_campaign):
    return make_campaign(census_date=CENSUS)


@pytest.fixture
def answer(make_response):
    """Factory: a submitted response of the person ``alias`` that breaks no rule unless ``fields`` make it (a
    moderator of 15 years; each person's development hours differ, so that no two are identical: G12)."""
    counter = itertools.count(1)

    def make(org, campaign, alias: str, **fields) -> Response:
        return make_response(campaign, org, **{
            "person_key": key(alias), "last_name": f"Фамилия-{alias}", "total_hours_week": 30,
            "specialty": "Математика", "category": "moderator", "category_year": 2022,
            "experience_total": Decimal("15"), "experience_org": Decimal("10"), "pd_hours_3y": next(counter),
            **fields})

    return make


def active(campaign, rule: str) -> dict[tuple[int, str], Flag]:
    rows = db.session.scalars(sa.select(Flag).where(
        Flag.campaign_id == campaign.id, Flag.rule == rule, Flag.closed_at.is_(None)))
    return {(flag.organization_id, flag.subject_key): flag for flag in rows}


def check(campaign, rule: str, **kwargs) -> dict[tuple[int, str], Flag]:
    run_checks(campaign, rules=[rule], **kwargs)
    return active(campaign, rule)


# --- person-level rules -------------------------------------------------------------------------------------------

def test_g2_age_outside_18_to_75(make_org, campaign, answer):
    org = make_org()
    answer(org, campaign, "young", birth_date=dt.date(2008, 11, 2), graduation_year=2026,
           experience_total=Decimal("0"), experience_org=Decimal("0"), category="none", category_year=None)
    answer(org, campaign, "old", birth_date=dt.date(1950, 10, 31))
    # near misses: 18 exactly on the census date, 75 the day before turning 76
    answer(org, campaign, "just18", birth_date=dt.date(2008, 11, 1), graduation_year=2026,
           experience_total=Decimal("0"), experience_org=Decimal("0"), category="none", category_year=None)
    answer(org, campaign, "just75", birth_date=dt.date(1950, 11, 2))
    flags = check(campaign, "G2")
    assert set(flags) == {(org.id, key("young")), (org.id, key("old"))}
    assert flags[(org.id, key("young"))].evidence == {"age": 17, "min_age": 18, "max_age": 75}
    assert flags[(org.id, key("old"))].evidence["age"] == 76
    assert flags[(org.id, key("old"))].severity == "medium"


def test_g3_same_name_and_birth_date_under_two_iins(make_org, campaign, answer):
    a, b = make_org(), make_org()
    answer(a, campaign, "one", last_name="Ахметова", first_name="Динара", middle_name="Серікқызы")
    answer(b, campaign, "two", last_name="Ахметова ", first_name="Динара", middle_name="Серікқызы")
    # near misses: same name, other birth date; same name and birth date but no middle name vs a middle name
    answer(b, campaign, "three", last_name="Ахметова", first_name="Динара", middle_name="Серікқызы",
           birth_date=dt.date(1985, 3, 15))
    answer(a, campaign, "four", last_name="Ахметова", first_name="Динара", middle_name=None)
    flags = check(campaign, "G3")
    assert set(flags) == {(a.id, key("one")), (b.id, key("two"))}
    evidence = flags[(a.id, key("one"))].evidence
    assert evidence["identities"] == 2 and sorted(evidence["organization_ids"]) == [a.id, b.id]
    assert flags[(a.id, key("one"))].severity == "high"


def test_g3_checked_for_one_organization_finds_the_namesake_elsewhere(make_org, campaign, answer):
    a, b = make_org(), make_org()
    answer(a, campaign, "one", last_name="Ахметова", first_name="Динара", middle_name="Серікқызы")
    answer(b, campaign, "two", last_name=" Ахметова ", first_name="Динара", middle_name="Серікқызы")
    answer(a, campaign, "other name", last_name="Ахметов", first_name="Динара", middle_name="Серікқызы")
    flags = check(campaign, "G3", organization_ids=[b.id])  # as after a submission at b
    assert set(flags) == {(a.id, key("one")), (b.id, key("two"))}


def test_g4_main_job_at_two_organizations(make_org, campaign, answer):
    a, b, c = make_org(), make_org(), make_org()
    answer(a, campaign, "twice", basis="main")
    answer(b, campaign, "twice", basis="main", teaching_hours=2, total_hours_week=4)
    # near miss: main at one, external secondary at the other
    answer(a, campaign, "once", basis="main")
    answer(c, campaign, "once", basis="external_secondary", teaching_hours=2, total_hours_week=4)
    flags = check(campaign, "G4")
    assert set(flags) == {(a.id, key("twice")), (b.id, key("twice"))}
    assert flags[(b.id, key("twice"))].evidence["main_jobs"] == 2
    assert sorted(flags[(b.id, key("twice"))].evidence["organization_ids"]) == [a.id, b.id]


def test_g5_weekly_hours_across_organizations_over_60(make_org, campaign, answer):
    a, b, c = make_org(), make_org(), make_org()
    # 36 + 20 here and there, plus 8 at a job with no response: 64 > 60
    answer(a, campaign, "busy", total_hours_week=36, teaching_hours=16)
    answer(b, campaign, "busy", basis="external_secondary", total_hours_week=20, teaching_hours=8,
           other_jobs=[{"org_bin": None, "org_name": "Курсы", "basis": "hourly", "hours": 8},
                       {"org_bin": a.bin, "org_name": None, "basis": "main", "hours": 36}])  # answered: not twice
    # near miss: exactly 60 (36 + 24), the other job named at both organizations counted once
    answer(a, campaign, "full", total_hours_week=36, teaching_hours=16,
           other_jobs=[{"org_bin": c.bin, "org_name": None, "basis": "hourly", "hours": 24}])
    answer(b, campaign, "full", basis="hourly", total_hours_week=None, teaching_hours=0, rate=Decimal("0.25"),
           other_jobs=[{"org_bin": c.bin, "org_name": None, "basis": "hourly", "hours": 20}])
    flags = check(campaign, "G5")
    assert set(flags) == {(a.id, key("busy")), (b.id, key("busy"))}
    assert flags[(a.id, key("busy"))].evidence == {
        "hours": 64, "max_hours": 60, "organizations": 2, "other_job_hours": 8,
        "organization_ids": flags[(a.id, key("busy"))].evidence["organization_ids"]}


def test_g6_teaching_load_medium_and_high(make_org, campaign, answer):
    school, college, other = make_org(), make_org(level="college"), make_org()
    # 16/16 + 18/18 + ... : 20/16 + 9/18 = 1.75 rates → medium
    answer(school, campaign, "medium", teaching_hours=20, total_hours_week=25)
    answer(college, campaign, "medium", basis="external_secondary", teaching_hours=9, total_hours_week=10)
    # 40 + 2 school hours = 42/16 = 2.625 rates → high
    answer(school, campaign, "high", teaching_hours=40, total_hours_week=40, rate=Decimal("2"))
    answer(other, campaign, "high", basis="hourly", teaching_hours=2, total_hours_week=2)
    # near miss: 24/16 = exactly 1.5 rates
    answer(school, campaign, "edge", teaching_hours=16, total_hours_week=20)
    answer(other, campaign, "edge", basis="hourly", teaching_hours=8, total_hours_week=8)
    flags = check(campaign, "G6")
    assert set(flags) == {(school.id, key("medium")), (college.id, key("medium")), (school.id, key("high")),
                          (other.id, key("high"))}
    medium = flags[(college.id, key("medium"))]
    assert (medium.severity, medium.evidence["teaching_hours"], medium.evidence["load"]) == ("medium", 29, 1.75)
    high = flags[(other.id, key("high"))]
    assert (high.severity, high.evidence["teaching_hours"], high.evidence["load"]) == ("high", 42, 2.63)


def test_g13_category_inconsistent(make_org, campaign, answer):
    org = make_org()
    answer(org, campaign, "young-expert", category="expert", experience_total=Decimal("2.5"),
           experience_org=Decimal("1"))
    answer(org, campaign, "tvet-master", category="master", education_level="tvet", experience_total=Decimal("9"),
           experience_org=Decimal("9"))
    answer(org, campaign, "future", category="researcher", category_year=2027)
    # near misses: expert with exactly 3 years; master with a master's degree and 5 years; legacy category
    answer(org, campaign, "expert-ok", category="expert", experience_total=Decimal("3"), experience_org=Decimal("3"))
    answer(org, campaign, "master-ok", category="master", education_level="master", experience_total=Decimal("5"),
           experience_org=Decimal("5"))
    answer(org, campaign, "legacy", category="legacy_highest", education_level="tvet", experience_total=Decimal("1"),
           experience_org=Decimal("1"))
    flags = check(campaign, "G13")
    assert set(flags) == {(org.id, key("young-expert")), (org.id, key("tvet-master")), (org.id, key("future"))}
    assert flags[(org.id, key("young-expert"))].evidence == {
        "experience": 2.5, "min_experience": 3, "higher_education": 1, "category_year": 2022}
    assert flags[(org.id, key("tvet-master"))].evidence["higher_education"] == 0


def test_g14_start_date_after_census(make_org, campaign, answer):
    org = make_org()
    answer(org, campaign, "later", start_date=dt.date(2026, 11, 11))
    answer(org, campaign, "on-the-day", start_date=CENSUS)  # near miss
    flags = check(campaign, "G14")
    assert set(flags) == {(org.id, key("later"))}
    assert flags[(org.id, key("later"))].evidence == {"days_after_census": 10}


def test_g15_graduation_or_experience_impossible_for_age(make_org, campaign, answer):
    org = make_org()
    answer(org, campaign, "early-graduate", graduation_year=2001)  # born 1985: 1985 + 17 = 2002
    answer(org, campaign, "long-career", experience_total=Decimal("26"), experience_org=Decimal("1"))  # age 41 − 16 = 25
    answer(org, campaign, "ok-graduate", graduation_year=2002)
    answer(org, campaign, "ok-career", experience_total=Decimal("25"), experience_org=Decimal("1"))
    flags = check(campaign, "G15")
    assert set(flags) == {(org.id, key("early-graduate")), (org.id, key("long-career"))}
    assert flags[(org.id, key("long-career"))].evidence == {
        "birth_year": 1985, "graduation_year": 2007, "age": 41, "experience": 26, "max_experience": 25}


def test_g7j_other_job_without_a_response_there(make_org, campaign, answer):
    a, b, c = make_org(), make_org(), make_org()
    answer(a, campaign, "claims", other_jobs=[{"org_bin": b.bin, "org_name": None, "basis": "hourly", "hours": 4}])
    # near misses: answered at the named organization; a job at an organization outside the registry
    answer(a, campaign, "answered", other_jobs=[{"org_bin": c.bin, "org_name": None, "basis": "hourly", "hours": 4}])
    answer(c, campaign, "answered", basis="hourly", teaching_hours=4, total_hours_week=4)
    answer(a, campaign, "outside", other_jobs=[{"org_bin": "123456789012", "org_name": "ТОО", "basis": "hourly",
                                                "hours": 4}])
    flags = check(campaign, "G7J")
    assert set(flags) == {(a.id, key("claims"))}
    assert flags[(a.id, key("claims"))].evidence == {"jobs": 1, "organization_ids": [b.id]}
    # the person answers at b: the flag closes on the run triggered by that submission
    answer(b, campaign, "claims", basis="hourly", teaching_hours=4, total_hours_week=4)
    assert check(campaign, "G7J", organization_ids=[b.id]) == {}


# --- organization-level rules -------------------------------------------------------------------------------------

def roster(org, campaign, *aliases):
    for alias in aliases:
        db.session.add(RosterEntry(campaign_id=campaign.id, organization_id=org.id, person_key=key(alias),
                                   birth_date=dt.date(1985, 3, 14), sex="f", last_name=alias, first_name="И",
                                   post="teacher"))
    db.session.flush()


def test_g7_roster_member_without_response_once_the_campaign_closes(make_org, campaign, answer):
    a, b = make_org(), make_org()
    roster(a, campaign, "present", "ghost", "elsewhere")
    answer(a, campaign, "present")
    answer(b, campaign, "elsewhere")
    assert check(campaign, "G7") == {}  # open campaign: not yet
    campaign.status = "closed"
    flags = check(campaign, "G7")
    assert set(flags) == {(a.id, key("ghost")), (a.id, key("elsewhere"))}
    assert flags[(a.id, key("elsewhere"))].evidence == {"responses_elsewhere": 1, "organization_ids": [b.id]}
    assert flags[(a.id, key("ghost"))].evidence["responses_elsewhere"] == 0


def test_g7n_response_from_someone_not_on_the_roster(make_org, campaign, answer):
    with_roster, without_roster = make_org(), make_org()
    roster(with_roster, campaign, "listed")
    answer(with_roster, campaign, "listed")
    answer(with_roster, campaign, "stranger")
    answer(without_roster, campaign, "anyone")  # near miss: no roster filed, nothing to compare with
    flags = check(campaign, "G7N")
    assert set(flags) == {(with_roster.id, key("stranger"))}
    assert flags[(with_roster.id, key("stranger"))].evidence == {"roster": 1}


def test_g18_headcount_and_roster_more_than_20_percent_apart(make_org, campaign, answer):
    over, short, fine = make_org(), make_org(), make_org()
    roster(over, campaign, *"abcde")
    for alias in "abcdef" + "g":
        answer(over, campaign, f"over-{alias}")  # 7 against 5: +40 %
    roster(short, campaign, *(f"s{i}" for i in range(10)))
    for i in range(7):
        answer(short, campaign, f"s{i}")  # 7 against 10: −30 %, only once closed
    roster(fine, campaign, *(f"f{i}" for i in range(5)))
    for i in range(6):
        answer(fine, campaign, f"f{i}")  # 6 against 5: exactly +20 %, near miss
    flags = check(campaign, "G18")
    assert set(flags) == {(over.id, "")}
    assert flags[(over.id, "")].evidence == {"headcount": 7, "roster": 5}
    campaign.status = "closed"
    assert set(check(campaign, "G18")) == {(over.id, ""), (short.id, "")}


def report(org, campaign, pupils=None, required=None):
    row = OrgReport(campaign_id=campaign.id, organization_id=org.id, pupils=pupils)
    row.required_hours = [RequiredHours(subject=subject, hours=hours) for subject, hours in (required or {}).items()]
    db.session.add(row)
    db.session.flush()


def test_g9_teaching_hours_against_required_curriculum_hours(make_org, campaign, answer):
    high, low, fine = make_org(), make_org(), make_org()
    report(high, campaign, required={"mathematics": 20, "physics": 20})
    answer(high, campaign, "h1", teaching_hours=24, total_hours_week=30)
    answer(high, campaign, "h2", teaching_hours=23, total_hours_week=30)  # 47 / 40 = 1.175
    report(low, campaign, required={"mathematics": 100})
    answer(low, campaign, "l1", teaching_hours=20, total_hours_week=30)  # 0.2, only once closed
    report(fine, campaign, required={"mathematics": 40})
    answer(fine, campaign, "f1", teaching_hours=23, total_hours_week=30)
    answer(fine, campaign, "f2", teaching_hours=23, total_hours_week=30)  # 46 / 40 = 1.15 exactly: near miss
    flags = check(campaign, "G9")
    assert set(flags) == {(high.id, "")}
    assert flags[(high.id, "")].evidence == {"teaching_hours": 47, "required_hours": 40, "ratio": 1.18}
    campaign.status = "closed"
    assert set(check(campaign, "G9")) == {(high.id, ""), (low.id, "")}


def test_g10_children_per_educator_fte(make_org, campaign, answer):
    crowded, empty, fine = (make_org(level="preschool") for _ in range(3))
    norm = 24
    report(crowded, campaign, pupils=90)
    answer(crowded, campaign, "c1", post="educator", teaching_hours=norm, total_hours_week=30)  # 90 per FTE
    report(empty, campaign, pupils=9)
    answer(empty, campaign, "e1", post="educator", teaching_hours=norm, total_hours_week=30)
    answer(empty, campaign, "e2", post="educator", teaching_hours=norm, total_hours_week=30)  # 4.5 per FTE
    report(fine, campaign, pupils=10)
    answer(fine, campaign, "f1", post="educator", teaching_hours=norm, total_hours_week=30)
    answer(fine, campaign, "f2", post="educator", teaching_hours=norm, total_hours_week=30)  # 5 exactly
    answer(fine, campaign, "f3", post="music_director", teaching_hours=norm, total_hours_week=30)  # not an educator
    flags = check(campaign, "G10")
    assert set(flags) == {(empty.id, "")}
    assert flags[(empty.id, "")].evidence == {"children": 9, "educator_fte": 2, "ratio": 4.5}
    assert flags[(empty.id, "")].severity == "high"
    campaign.status = "closed"
    assert set(check(campaign, "G10")) == {(empty.id, ""), (crowded.id, "")}


def test_g11_five_responses_from_one_address_within_30_minutes(make_org, campaign, answer):
    burst, spread = make_org(), make_org()
    start = dt.datetime(2026, 11, 10, 9, 0, tzinfo=dt.timezone.utc)
    for i, minutes in enumerate((0, 5, 10, 20, 30, 300)):
        answer(burst, campaign, f"b{i}", network_key="n1", submitted_at=start + dt.timedelta(minutes=minutes))
    for i, minutes in enumerate((0, 5, 10, 20, 31)):  # near miss: the fifth comes 31 minutes after the first
        answer(spread, campaign, f"s{i}", network_key="n2", submitted_at=start + dt.timedelta(minutes=minutes))
    answer(spread, campaign, "other-address", network_key="n3", submitted_at=start)
    flags = check(campaign, "G11")
    assert set(flags) == {(burst.id, "")}
    assert flags[(burst.id, "")].evidence == {"addresses": 1, "responses": 6, "minutes": 30}


def test_g12_three_identical_personal_sections(make_org, campaign, answer):
    copied, pair = make_org(), make_org()
    for alias in ("x", "y", "z"):
        answer(copied, campaign, alias, pd_hours_3y=72)
    for alias in ("p", "q"):
        answer(pair, campaign, alias, pd_hours_3y=72)  # near miss: only two
    answer(pair, campaign, "r", pd_hours_3y=73)
    flags = check(campaign, "G12")
    assert set(flags) == {(copied.id, "")}
    assert flags[(copied.id, "")].evidence == {"groups": 1, "responses": 3, "largest": 3}


def test_g16_invalid_organization_identifier(make_org, campaign, answer):
    bad_check = make_org(bin="940140000386")  # 940140000385 is valid
    private_iin = make_org(bin="900515400123", id_kind="iin", ownership="private")  # near miss: a sole proprietor
    state_iin = make_org(bin="061211600012", id_kind="iin", ownership="state")
    fine = make_org(bin="940140000385")  # near miss
    for org in (bad_check, private_iin, state_iin, fine):
        answer(org, campaign, f"t{org.id}")
    flags = check(campaign, "G16")
    assert set(flags) == {(bad_check.id, ""), (state_iin.id, "")}
    assert flags[(bad_check.id, "")].evidence == {"check_digit_valid": 0, "type_digit": 4}
    assert flags[(state_iin.id, "")].evidence == {"check_digit_valid": 1, "type_digit": 1}


# --- runs: idempotent, auto-closing, scoped ---------------------------------------------------------------------

def test_rerun_is_idempotent_and_a_fixed_cause_closes_its_flag(make_org, campaign, answer, make_user):
    a, b = make_org(), make_org()
    first = answer(a, campaign, "twice")
    answer(b, campaign, "twice", teaching_hours=2, total_hours_week=4)
    answer(a, campaign, "old", birth_date=dt.date(1940, 1, 1), experience_total=Decimal("30"))
    summary = run_checks(campaign)
    assert {r.code: (r.active, r.opened) for r in summary.results if r.active} == {"G2": (1, 1), "G4": (2, 2)}
    ids = {flag.id for flag in db.session.scalars(sa.select(Flag))}
    again = run_checks(campaign)
    assert (again.active, again.opened, again.closed) == (3, 0, 0)
    assert {flag.id for flag in db.session.scalars(sa.select(Flag))} == ids  # no duplicate, same rows

    # an administrator confirms the G4 flag at a; the cause is then fixed at a
    flag = active(campaign, "G4")[(a.id, key("twice"))]
    from survey.integrity.services import review_flag
    review_flag(flag, status=FlagStatus.CONFIRMED, note="called the school", user=make_user())
    first.basis = "external_secondary"
    db.session.flush()
    summary = run_checks(campaign, organization_ids=[a.id])
    assert {r.code: r.closed for r in summary.results if r.closed} == {"G4": 2}  # closed at a and at b
    db.session.refresh(flag)
    assert flag.closed_at is not None and flag.status == FlagStatus.CONFIRMED and flag.note == "called the school"
    assert active(campaign, "G4") == {}
    assert set(active(campaign, "G2")) == {(a.id, key("old"))}  # untouched
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Flag)) == 3

    # the cause comes back: the same flag reopens with its review kept
    first.basis = "main"
    db.session.flush()
    run_checks(campaign)
    db.session.refresh(flag)
    assert flag.closed_at is None and flag.status == FlagStatus.CONFIRMED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Flag)) == 3


def test_a_run_for_one_organization_leaves_other_organizations_alone(make_org, campaign, answer):
    a, b = make_org(), make_org()
    young_a = answer(a, campaign, "young-a", birth_date=dt.date(2009, 1, 1), graduation_year=2026,
                     experience_total=Decimal("0"), experience_org=Decimal("0"), category="none", category_year=None)
    answer(b, campaign, "young-b", birth_date=dt.date(2009, 1, 1), graduation_year=2026,
           experience_total=Decimal("0"), experience_org=Decimal("0"), category="none", category_year=None)
    run_checks(campaign, organization_ids=[a.id])
    assert set(active(campaign, "G2")) == {(a.id, key("young-a"))}
    run_checks(campaign)
    young_a.birth_date = dt.date(1990, 1, 1)
    db.session.flush()
    run_checks(campaign, organization_ids=[a.id])  # a's flag closes, b's stays
    assert set(active(campaign, "G2")) == {(b.id, key("young-b"))}


def test_evidence_holds_numbers_and_never_an_iin(make_org, campaign, answer, make_iin_for):
    from survey.domain import hash_iin

    iin = make_iin_for(dt.date(1950, 1, 1), "m")
    org = make_org()
    answer(org, campaign, "x", person_key=hash_iin(iin, "test-iin-hash-key"), birth_date=dt.date(1950, 1, 1))
    run_checks(campaign)
    flag = db.session.scalar(sa.select(Flag))
    assert flag.rule == "G2" and flag.subject_key == hash_iin(iin, "test-iin-hash-key")
    assert iin not in str(flag.evidence) and all(isinstance(v, int) for v in flag.evidence.values())


def test_cli_check_runs_every_rule_and_reports(runner, make_org, campaign, answer):
    org = make_org()
    answer(org, campaign, "late", start_date=dt.date(2026, 12, 1))
    db.session.commit()
    result = runner.invoke(args=["survey", "check", "--campaign", campaign.code])
    assert result.exit_code == 0, result.output
    assert "G14  active       1  new       1  closed       0" in result.output
    assert f"campaign {campaign.code}: 1 active flags (1 new, 0 closed)" in result.output
    again = runner.invoke(args=["survey", "check-integrity", "--campaign", campaign.code, "--rule", "G14"])
    assert "1 active flags (0 new, 0 closed)" in again.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "integrity.run")) == 2
    assert runner.invoke(args=["survey", "check", "--campaign", "NOPE"]).exit_code != 0
    bad = runner.invoke(args=["survey", "check", "--campaign", campaign.code, "--rule", "G99"])
    assert bad.exit_code != 0 and "unknown rule G99" in bad.output


def test_network_key_hides_the_address_and_groups_equal_ones(app):
    from survey.integrity.services import network_key

    first, again, other = network_key("10.1.2.3"), network_key("10.1.2.3"), network_key("10.1.2.4")
    assert first == again != other and len(first) == 64 and "10.1.2.3" not in first
    assert network_key(None) is None and network_key("") is None


def test_submission_rules_check_the_person_everywhere_and_leave_batch_rules(make_org, campaign, answer):
    from survey.integrity.services import SUBMISSION_RULES

    a, b = make_org(), make_org()
    answer(b, campaign, "twice", teaching_hours=2, total_hours_week=4)
    for alias in ("x", "y"):
        answer(a, campaign, alias, pd_hours_3y=72)
    answer(a, campaign, "twice", pd_hours_3y=72)  # the submission at a
    summary = run_checks(campaign, organization_ids=[a.id], rules=SUBMISSION_RULES)
    assert {r.code for r in summary.results} == {"G2", "G3", "G4", "G5", "G6", "G7J", "G13", "G14", "G15"}
    assert set(active(campaign, "G4")) == {(a.id, key("twice")), (b.id, key("twice"))}  # b's flag too
    assert active(campaign, "G12") == {}  # three identical answers at a: found by the batch run only
    run_checks(campaign)
    assert set(active(campaign, "G12")) == {(a.id, "")}
