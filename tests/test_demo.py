"""The demo and the synthetic generator produce data that satisfies the codebook's rules."""

import sqlalchemy as sa

from survey.domain import age_on, check_id
from survey.extensions import db
from survey.models import AccessLink, OrgReport, Organization, Response, ResponseSubject, RosterEntry, User


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
    again = runner.invoke(args=["survey", "demo"])
    assert again.exit_code != 0 and "empty database" in again.output
    skipped = runner.invoke(args=["survey", "demo", "--skip-if-loaded"])
    assert skipped.exit_code == 0 and "not loaded again" in skipped.output


def test_synthetic_data_is_deterministic_and_plausible(runner):
    result = runner.invoke(args=["survey", "demo", "--orgs", "60", "--teachers", "2000", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organization)) == 60
    responses = db.session.scalars(sa.select(Response)).all()
    assert 1950 <= len(responses) <= 2000
    regions = db.session.scalar(sa.select(sa.func.count(sa.distinct(Organization.district_id))))
    assert regions >= 20
    census = responses[0].campaign.census_date
    for response in responses:
        age = age_on(response.birth_date, census)
        assert 20 <= age <= 71
        assert response.experience_total <= age - 16
        assert response.experience_org <= response.experience_total
        assert response.graduation_year >= response.birth_date.year + 17
        assert response.start_date <= census
        assert (response.category_year is None) == (response.category == "none")
        assert (response.specialty is None) == (response.education_level == "secondary")
        hours = sum(s.hours for s in response.subjects)
        assert abs(hours - response.teaching_hours) <= 1
    # some people work at two or three organizations, ~10 % hold a secondary job
    multi = db.session.execute(sa.select(Response.person_key).group_by(Response.person_key)
                               .having(sa.func.count() > 1)).all()
    assert len(multi) > 10
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
