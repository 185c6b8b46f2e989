"""CODEBOOK §7 metrics against figures worked out by hand (data set: tests/staffing_data.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import staffing_data
from survey.domain.people import age_on, years_to_retirement
from survey.staffing import METRIC_CODES, org_metrics, rollup, total
from survey.staffing.metrics import latest_birth_for_age, latest_birth_near_retirement


@pytest.fixture
def data(make_org, make_campaign):
    return staffing_data.build(make_org, make_campaign)


def D(text: str) -> Decimal:
    return Decimal(text)


def test_school_one_by_hand(data):
    s1 = org_metrics(data.campaign, [data.s1.id])[data.s1.id]
    assert s1.headcount == 4  # P5 is a draft
    assert s1.headcount_main == 3
    assert s1.value("fte_contract") == D("4")  # 1.5 + 1 + 0.5 + 1
    assert s1.teaching_hours == 48
    assert s1.value("fte_load") == D("3")  # 48 / 16
    assert s1.value("vacancy_fte") == D("0.75")
    assert s1.value("vacancy_rate") == D("0.75") / D("4.75")
    assert s1.value("pupils_per_teacher") == D("100")  # 300 / (48 teachers' hours / 16)
    for category in ("expert", "moderator", "none", "pedagogue"):
        assert s1.value(f"share_{category}") == D("0.25")
    assert s1.value("share_researcher") == 0
    assert s1.age_bands == {"under_30": 1, "30_39": 1, "40_49": 0, "50_59": 0, "60_plus": 2}
    assert s1.value("share_age_60_plus") == D("0.5")
    assert s1.value("near_retirement_share") == D("0.5")  # P2 (m, 62) and P4 (f, 60)
    assert s1.value("novice_share") == D("0.5")  # P3 (3 years), P4 (5 years)
    assert s1.value("no_ped_education_share") == D("0.25")
    assert s1.value("overload_share") == D("0.25")  # P3: 8 + 20 = 28 > 24; P1's 24 is not above 1.5 × 16
    assert s1.value("secondary_job_share") == D("0.25")
    assert s1.value("turnover_risk_share") == D(1) / D(3)  # P3 of P1, P2, P3 (P4 did not answer)
    assert s1.value("ai_use_share") == D(2) / D(3)
    assert s1.value("response_rate") == D(4) / D(6)
    maths, physics, english = (s1.subjects[code] for code in ("mathematics", "physics", "english"))
    assert (maths.required, maths.covered, maths.shortage_fte, maths.coverage) == (40, 32, D("0.5"), D("0.8"))
    assert (physics.coverage, physics.shortage_fte) == (D("1.6"), 0)
    assert (english.covered, english.shortage_fte) == (0, D("0.75"))
    assert sorted(s1.subjects) == ["english", "mathematics", "physics"]


def test_other_organizations_by_hand(data):
    metrics = org_metrics(data.campaign)
    assert set(metrics) == {data.s1.id, data.s2.id, data.k1.id, data.c1.id}
    s2, k1, c1 = metrics[data.s2.id], metrics[data.k1.id], metrics[data.c1.id]
    assert (s2.headcount, s2.fte_contract, s2.fte_load) == (2, D("2.25"), D("2.25"))
    assert s2.value("overload_share") == D("0.5")  # P3 counted at both organizations
    assert s2.value("vacancy_rate") == 0 and s2.pupils_per_teacher is None and s2.response_rate is None
    assert s2.value("turnover_risk_share") == 1
    assert k1.value("fte_load") == D("2.5")  # 60 / 24
    assert k1.value("pupils_per_teacher") == D("24")
    assert k1.value("vacancy_rate") == D(1) / D("3.5")
    assert k1.value("overload_share") == 0  # 36 is exactly 1.5 × 24
    assert k1.value("near_retirement_share") == D("0.5")  # P8: 4.5 years to 61
    assert k1.age_bands["under_30"] == 1 and k1.age_bands["50_59"] == 1
    assert k1.value("shortage_fte_preschool_group") == D("0.5")  # (72 − 60) / 24
    assert k1.value("response_rate") == 1
    # P1's 30 hours at the college in another campaign count nowhere in this one
    assert c1.headcount == 1 and c1.fte_load == 1 and c1.overload == 0


def test_rollups_sum_numerators_and_denominators(data):
    metrics = org_metrics(data.campaign)
    districts = rollup(metrics.values(), "district")
    bostandyk = districts[data.s1.district_id]
    assert bostandyk.organizations == 2 and bostandyk.headcount == 6
    assert bostandyk.fte_contract == D("6.25") and bostandyk.fte_load == D("5.25")
    assert bostandyk.vacancy_rate == D("0.75") / D("7")
    # 3 of 5 answering plans, not the mean of 1/3 and 1
    assert bostandyk.turnover_risk_share == D(3) / D(5)
    assert bostandyk.pupils_per_teacher == D("100")  # S2 reported no pupils: left out of both sides
    assert bostandyk.value("response_rate") == D(4) / D(6)
    assert bostandyk.value("shortage_fte_english") == D("0.75")  # S2's surplus does not cover S1's shortage
    assert bostandyk.subjects["english"].covered == 30 + 0

    regions = rollup(metrics.values(), "region")
    almaty = regions[data.s1.district.region_id]
    assert almaty.headcount == 8 and almaty.fte_load == D("7.75")
    assert almaty.pupils_per_teacher == D(360) / D("5.5")
    by_kind = rollup(metrics.values(), "level_ownership")
    assert set(by_kind) == {("school", "state"), ("school", "private"), ("preschool", "private"), ("college", "state")}
    national = total(metrics.values())
    assert national == rollup(metrics.values(), "national")[None]
    assert national.headcount == 9 and national.organizations == 4
    assert national.fte_contract == D("9.75")  # 4 + 2.25 + 2.5 + 1
    assert national.value("ai_use_share") == D(5) / D(8)  # P1 P3 P3 P8 P9 of 8 answering
    assert national.value("near_retirement_share") == D(3) / D(9)
    assert national.age_bands == {"under_30": 3, "30_39": 1, "40_49": 2, "50_59": 1, "60_plus": 2}


def test_every_codebook_metric_has_a_value(data):
    s1 = org_metrics(data.campaign, [data.s1.id])[data.s1.id]
    for code in METRIC_CODES:
        s1.value(code)  # no KeyError
    with pytest.raises(KeyError):
        s1.value("no_such_metric")


def test_scope_select_and_empty_organizations(data, make_org):
    import sqlalchemy as sa

    from survey.models import Organization

    empty = make_org("school", district="Медеуский")
    ids = sa.select(Organization.id).where(Organization.district_id == data.k1.district_id)
    metrics = org_metrics(data.campaign, ids)
    assert set(metrics) == {data.k1.id, empty.id}
    assert metrics[empty.id].headcount == 0 and metrics[empty.id].value("novice_share") is None
    # the overload of P3 is still seen through S2 when only S1 is asked for
    assert org_metrics(data.campaign, [data.s1.id])[data.s1.id].overload == 1


def test_norms_come_from_config(app, data):
    app.config["LOAD_NORM_SCHOOL"] = 20
    try:
        s1 = org_metrics(data.campaign, [data.s1.id])[data.s1.id]
    finally:
        app.config["LOAD_NORM_SCHOOL"] = 16
    assert s1.fte_load == D("2.4")  # 48 / 20
    assert s1.overload == 0  # 28 ≤ 30


@given(st.dates(dt.date(1930, 1, 1), dt.date(2010, 12, 31)), st.dates(dt.date(2020, 1, 1), dt.date(2035, 12, 31)),
       st.sampled_from(["m", "f"]))
def test_birth_date_thresholds_match_domain(birth, census, sex):
    for years in (30, 40, 50, 60):
        assert (age_on(birth, census) >= years) == (birth <= latest_birth_for_age(census, years))
    near = years_to_retirement(birth, sex, census) <= 5
    assert near == (birth <= latest_birth_near_retirement(census, sex))
