"""The migrations build the schema from nothing, and the models agree with them (``flask db check``)."""

import sqlalchemy as sa
from flask_migrate import check, downgrade, upgrade

from survey.extensions import db


def test_downgrade_to_empty_then_upgrade_and_check(app):
    downgrade(revision="base")
    tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    upgrade()
    assert set(db.metadata.tables) <= set(sa.inspect(db.engine).get_table_names())
    check()  # exits with status 1 (SystemExit fails the test) when the models and the migrations differ


def test_the_expression_indexes_that_autogenerate_cannot_compare_exist(app):
    from survey.models.base import EXPRESSION_INDEXES

    if db.engine.dialect.name == "postgresql":
        found = db.session.execute(sa.text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'responses'"))
    else:
        found = db.session.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'index'"))
    definitions = {name: (sql or "").lower() for name, sql in found}
    assert EXPRESSION_INDEXES <= set(definitions)
    assert "lower(" in definitions["ix_responses_campaign_birth_name"]
    assert "last_name" in definitions["ix_responses_campaign_birth_name"]


def test_one_response_per_person_and_organization_is_enforced_by_the_schema(app, make_org, make_campaign):
    import datetime as dt

    import pytest

    from survey.models import Response

    org, campaign = make_org(), make_campaign()
    common = dict(campaign_id=campaign.id, organization_id=org.id, person_key="k" * 64,
                  birth_date=dt.date(1990, 1, 1), sex="f", last_name="A", first_name="B")
    db.session.add(Response(**common))
    db.session.flush()
    db.session.add(Response(**common))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_check_constraints_hold_in_the_database(app, make_org, make_campaign):
    import datetime as dt
    from decimal import Decimal

    import pytest

    from survey.models import Response

    org, campaign = make_org(), make_campaign()
    base = dict(campaign_id=campaign.id, organization_id=org.id, birth_date=dt.date(1990, 1, 1), sex="f",
                last_name="A", first_name="B")
    bad_values = [
        {"rate": Decimal("0.30")}, {"rate": Decimal("2.25")}, {"teaching_hours": 41}, {"satisfaction": 5},
        {"experience_total": Decimal("5"), "experience_org": Decimal("6")}, {"post": "janitor"},
        {"teaching_hours": 20, "total_hours_week": 10}, {"status": "submitted"},
    ]
    for number, values in enumerate(bad_values):
        db.session.add(Response(person_key=f"{number:064d}", **base, **values))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()
        org, campaign = make_org(), make_campaign()
        base.update(campaign_id=campaign.id, organization_id=org.id)
    db.session.add(Response(person_key="9" * 64, rate=Decimal("1.75"), teaching_hours=28, **base))
    db.session.flush()
