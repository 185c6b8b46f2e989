"""The one scoping function: which organizations each role sees."""

import sqlalchemy as sa

from survey.auth.scope import can_see_organization, visible_organization_ids
from survey.extensions import db


def test_each_role_sees_exactly_its_scope(app, make_org, make_user):
    a1 = make_org(region="Алматы", district="Медеуский")
    a2 = make_org(region="Алматы", district="Бостандыкский")
    b1 = make_org(region="Астана", district="Есиль")
    national = make_user("national_admin")
    region = make_user("region_admin", region=a1.district.region)
    district = make_user("district_admin", district=a2.district)
    director = make_user("director", organization=b1)

    def seen(user):
        return set(db.session.scalars(visible_organization_ids(user)))

    assert seen(national) == {a1.id, a2.id, b1.id}
    assert seen(region) == {a1.id, a2.id}
    assert seen(district) == {a2.id}
    assert seen(director) == {b1.id}
    assert can_see_organization(region, a2.id) and not can_see_organization(region, b1.id)
    assert not can_see_organization(director, a1.id)


def test_scope_must_match_role_in_the_schema(app, make_org, make_user):
    import pytest

    with pytest.raises(sa.exc.IntegrityError):
        make_user("director")  # a director without an organization
    db.session.rollback()
    with pytest.raises(sa.exc.IntegrityError):
        make_user("national_admin", organization=make_org())
    db.session.rollback()
