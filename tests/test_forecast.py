"""The staffing forecast against figures worked out by hand (census 2026-11-01, school norm 16 hours a rate)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plans_data import CENSUS, person, report
from survey.domain.people import retirement_date
from survey.extensions import db
from survey.models import GrowthAssumption
from survey.staffing.forecast import ForecastSettings, forecast, latest_birth_retired_by, retirement_thresholds

D = dt.date
NORMS = {"school": 16, "college": 18, "preschool": 24}


def settings(years=5, attrition="0", plans="0", retirement="100") -> ForecastSettings:
    return ForecastSettings(years, Decimal(attrition), Decimal(plans), Decimal(retirement), NORMS)


def approx(values):
    return pytest.approx(values, abs=1e-9)


# the retirement schedule ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("birth", "sex", "retires"), [
    (D(1966, 6, 15), "f", D(2027, 6, 15)),   # 61 in 2027
    (D(1966, 12, 31), "f", D(2027, 12, 31)),  # the last woman to retire at 61
    (D(1967, 1, 1), "f", D(2028, 7, 1)),     # 61.5 in 2028
    (D(1967, 3, 1), "f", D(2028, 9, 1)),
    (D(1967, 9, 1), "f", D(2029, 9, 1)),     # 61.5 only in 2029, when the age is 62
    (D(1968, 6, 1), "f", D(2030, 12, 1)),    # 62.5 in 2030
    (D(1968, 7, 1), "f", D(2031, 7, 1)),     # 63 from 2031
    (D(1964, 3, 1), "m", D(2027, 3, 1)),     # men 63
    (D(1968, 2, 29), "f", D(2030, 8, 29)),   # a leap-day birth: the same day 62.5 years on
])
def test_retirement_date_follows_the_schedule(birth, sex, retires):
    assert retirement_date(birth, sex) == retires


@given(st.dates(D(1940, 1, 1), D(2005, 12, 31)), st.sampled_from(["m", "f"]))
def test_the_birth_date_thresholds_agree_with_the_retirement_dates(birth, sex):
    day = D(2029, 12, 31)
    limit = latest_birth_retired_by(day, sex)
    assert (birth <= limit) == (retirement_date(birth, sex) <= day)


def test_thresholds_per_forecast_year():
    limits = retirement_thresholds(CENSUS, 2)
    assert limits["f"] == (D(1965, 11, 1), D(1966, 12, 31), D(1967, 6, 30))
    assert limits["m"] == (D(1963, 11, 1), D(1964, 12, 31), D(1965, 12, 31))


# one school, by hand -------------------------------------------------------------------------------------------
@pytest.fixture
def school(make_org, make_campaign):
    """Seven women who each teach 16 hours of mathematics at rate 1 and reach retirement age: one before the census
    date (1965-01-01: 61 on 2026-01-01), one in the rest of 2026 (1965-12-15), one in 2027 (1966-06-15: 61), then
    one a year in 2028 (61.5), 2029 (62), 2030 (62.5), 2031 (63); and a young man, rate 1.5, 24 hours of physics.
    The curriculum needs 96 hours of mathematics (6 rates) and 16 of physics (1 rate)."""
    campaign = make_campaign("FC", census_date=CENSUS)
    org = make_org("school", district="Алмалинский")
    for birth in (D(1965, 1, 1), D(1965, 12, 15), D(1966, 6, 15), D(1967, 3, 1), D(1967, 9, 1), D(1968, 6, 1),
                  D(1968, 7, 1)):
        person(campaign, org, birth, "f", "1", [("mathematics", 16)])
    person(campaign, org, D(1995, 4, 4), "m", "1.5", [("physics", 24)])
    person(campaign, org, D(1966, 1, 1), "f", "1", [("mathematics", 16)], post="psychologist")  # not teaching staff
    person(campaign, org, D(1966, 1, 1), "f", "2", [("mathematics", 40)], status="draft")
    report(campaign, org, pupils=400, required=[("mathematics", 96), ("physics", 16)])
    db.session.flush()
    return campaign, org


def test_retirement_boundary_and_later_steps(school):
    campaign, org = school
    result = forecast(campaign, [org.id], settings())
    item = result.organizations[org.id]
    assert result.years == [2026, 2027, 2028, 2029, 2030, 2031]
    assert (item.heads, item.staffed) == (8, 8.5)
    assert item.retiring_heads == [0, 2, 1, 1, 1, 1]  # the woman past 61 before the census is not counted
    assert item.supply == approx([8.5, 6.5, 5.5, 4.5, 3.5, 2.5])
    assert item.demand == approx([7.0] * 6)  # (96 + 16) / 16
    assert item.gap == approx([-1.5, 0.5, 1.5, 2.5, 3.5, 4.5])
    assert item.shortage == approx([0, 0.5, 1.5, 2.5, 3.5, 4.5])
    assert item.gap_people == approx([g / (8.5 / 8) for g in item.gap])
    maths, physics = result.subjects["mathematics"], result.subjects["physics"]
    assert maths.supply == approx([7, 5, 4, 3, 2, 1])
    assert maths.shortage == approx([0, 1, 2, 3, 4, 5])
    assert physics.shortage == approx([0] * 6) and physics.supply == approx([1.5] * 6)
    assert result.subjects_short(5) == [("mathematics", pytest.approx(5))]


def test_compounding_growth_in_per_cent_and_linear_growth_in_pupils(school, make_org):
    campaign, org = school
    db.session.add(GrowthAssumption(district_id=org.district_id, level="school", percent=Decimal("10")))
    db.session.flush()
    demand = forecast(campaign, [org.id], settings()).organizations[org.id].demand
    assert demand == approx([7 * 1.1 ** t for t in range(6)])
    assert demand[2] == pytest.approx(8.47)

    assumption = db.session.query(GrowthAssumption).one()
    assumption.percent, assumption.pupils = None, 100  # 100 more pupils a year on the district's 400 + 100
    other = make_org("school", district="Алмалинский")
    report(campaign, other, pupils=100)
    db.session.flush()
    result = forecast(campaign, [org.id, other.id], settings())
    assert result.organizations[org.id].demand == approx([7 * (500 + 100 * t) / 500 for t in range(6)])
    assert result.subjects["mathematics"].demand == approx([6 * (1 + 0.2 * t) for t in range(6)])
    # a preschool of the same district does not grow with its schools
    assert result.organizations[other.id].demand == approx([0.0] * 6)


def test_attrition_and_plans_to_leave(make_org, make_campaign):
    campaign = make_campaign("FC", census_date=CENSUS)
    org = make_org("school")
    person(campaign, org, D(1990, 1, 1), "f", "1", [("english", 16)], plans="leave_profession")
    person(campaign, org, D(1967, 3, 1), "f", "1", [("english", 16)], plans="stay")  # retires in 2028
    person(campaign, org, D(1967, 3, 2), "f", "1", [("english", 16)], plans="move_education")  # … and plans to move
    db.session.flush()
    item = forecast(campaign, [org.id], settings(attrition="10", plans="50", retirement="80")).organizations[org.id]
    # each person's rate × (1 − 0.8 once retired) × (1 − 0.5 if planning to leave) × 0.9^t
    assert item.supply == approx([3, 0.9 * (0.5 + 1 + 0.5), 0.81 * (0.5 + 0.2 + 0.5 * 0.2), 0.729 * 0.8,
                                  0.6561 * 0.8, 0.59049 * 0.8])


def test_missing_report_and_a_report_without_required_hours(make_org, make_campaign):
    campaign = make_campaign("FC", census_date=CENSUS)
    silent, vacant = make_org("school"), make_org("school")
    person(campaign, silent, D(1990, 1, 1), "f", "1", [("english", 16)])
    person(campaign, silent, D(1991, 1, 1), "f", "0.5", [("english", 8)])
    person(campaign, vacant, D(1990, 1, 1), "m", "1", [("history_kazakhstan", 16)])
    report(campaign, vacant, vacancies=[("teacher", "english", "0.75"), ("psychologist", None, "1"),
                                        ("teacher", None, "0.25")])
    db.session.flush()
    result = forecast(campaign, None, settings())
    first, second = result.organizations[silent.id], result.organizations[vacant.id]
    assert (first.without_report, first.estimated, first.demand) == (1, 1, approx([1.5] * 6))
    assert first.gap == approx([0] * 6)
    assert (second.without_report, second.estimated, second.vacancies) == (0, 1, 1.0)  # a psychologist is no teacher
    assert second.demand == approx([2.0] * 6) and second.shortage == approx([1.0] * 6)
    assert result.subjects["english"].shortage == approx([0.75] * 6)  # the vacancy's subject
    total = result.total()
    assert (total.organizations, total.without_report, total.estimated) == (2, 1, 2)
    assert total.demand == approx([3.5] * 6)


def test_zero_staff(make_org, make_campaign):
    campaign = make_campaign("FC", census_date=CENSUS)
    empty = make_org("college")
    report(campaign, empty, required=[("vocational_theory", 36)])
    db.session.flush()
    item = forecast(campaign, [empty.id], settings(years=2)).organizations[empty.id]
    assert (item.heads, item.staffed, item.supply) == (0, 0, approx([0, 0, 0]))
    assert item.demand == approx([2, 2, 2])  # 36 / 18
    assert item.gap_people == approx([2, 2, 2])  # nobody answered: a rate counts as a person


def test_rollups_sum_organizations(school, make_org):
    campaign, org = school
    other = make_org("preschool", "private", region="Астана", district="Есиль")
    person(campaign, other, D(1966, 6, 15), "f", "1.5", [("preschool_group", 36)], post="educator")
    report(campaign, other, required=[("preschool_group", 72)])
    db.session.flush()
    result = forecast(campaign, None, settings())
    regions = result.rollup("region")
    assert regions[other.district.region_id].demand == approx([3.0] * 6)  # 72 / 24
    assert regions[other.district.region_id].supply == approx([1.5, 0, 0, 0, 0, 0])
    national = result.rollup("national")[None]
    assert national.supply == approx([10, 6.5, 5.5, 4.5, 3.5, 2.5])
    assert national.shortage == approx([1.5, 0.5 + 3, 1.5 + 3, 2.5 + 3, 3.5 + 3, 4.5 + 3])
    assert national.gap == approx([d - s for d, s in zip(national.demand, national.supply)])
    assert set(result.rollup("level_ownership")) == {("school", "state"), ("preschool", "private")}
    assert result.subjects["preschool_group"].shortage == approx([1.5, 3, 3, 3, 3, 3])
