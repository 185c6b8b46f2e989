"""The person-level integrity rules run when a teacher submits (issue 7), and record the sender's network key."""

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from survey.extensions import db
from survey.models import Flag, Response
from tests.test_questionnaire import BIRTH, fill_all, link, start  # noqa: F401  (link is a fixture)


def test_main_job_at_two_organizations_is_flagged_on_submission(client, link, make_iin_for, make_org):
    iin = make_iin_for(BIRTH, "f")
    other = make_org(name_ru="Другая школа")
    from survey.domain import hash_iin
    from tests.conftest import TEST_HASH_KEY

    # the same person already answered at another school, also as a main job
    db.session.add(Response(
        campaign_id=link.campaign_id, organization_id=other.id, person_key=hash_iin(iin, TEST_HASH_KEY),
        birth_date=BIRTH, sex="f", last_name="Сейітова", first_name="Әйгерім", status="submitted", consent=True,
        submitted_at=dt.datetime.now(dt.timezone.utc), post="teacher", basis="main", contract="permanent",
        start_date=dt.date(2010, 9, 1), rate=Decimal(1), teaching_hours=16, education_level="bachelor",
        ped_education="ped_higher", category="none", graduation_year=2007, experience_total=Decimal(16),
        experience_org=Decimal(10)))
    start(client, link, iin)
    assert fill_all(client, link).status_code == 302
    flags = db.session.scalars(sa.select(Flag).where(Flag.rule == "G4")).all()
    assert {flag.organization_id for flag in flags} >= {link.organization_id}
    submitted = db.session.scalar(sa.select(Response).where(Response.organization_id == link.organization_id))
    assert submitted.network_key and len(submitted.network_key) == 64 and "127.0.0.1" not in submitted.network_key


def test_background_batches_run_the_rules_for_every_organization_named(app, link, make_org, make_iin_for):
    """In production the rules run in batches: submissions only name their organization; one pass checks all."""
    from survey.integrity import background
    from survey.models import Campaign

    campaign = db.session.get(Campaign, link.campaign_id)
    first, second = make_org(name_ru="Первая"), make_org(name_ru="Вторая")
    from survey.domain import hash_iin
    from tests.conftest import TEST_HASH_KEY

    key = hash_iin(make_iin_for(dt.date(1980, 1, 1), "m"), TEST_HASH_KEY)
    for org in (first, second):  # "main job" at both: rule G4
        db.session.add(Response(
            campaign_id=campaign.id, organization_id=org.id, person_key=key, birth_date=dt.date(1980, 1, 1), sex="m",
            last_name="Ахметов", first_name="Ерлан", status="submitted", consent=True,
            submitted_at=dt.datetime.now(dt.timezone.utc), post="teacher", basis="main", contract="permanent",
            start_date=dt.date(2010, 9, 1), rate=Decimal(1), teaching_hours=16, education_level="bachelor",
            ped_education="ped_higher", category="none", graduation_year=2003, experience_total=Decimal(16),
            experience_org=Decimal(10)))
    db.session.commit()
    app.config["INTEGRITY_ON_SUBMIT"] = "background"
    app.config["INTEGRITY_BATCH_SECONDS"] = 3600  # the thread sleeps: this test flushes by hand
    try:
        background.request_checks(campaign.id, first.id)
        background.request_checks(campaign.id, second.id)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Flag)) == 0  # nothing ran in the request
        assert background.flush_pending() == 2
        assert {f.organization_id for f in db.session.scalars(sa.select(Flag).where(Flag.rule == "G4"))} == \
            {first.id, second.id}
        assert background.flush_pending() == 0  # the batch was taken
    finally:
        app.config["INTEGRITY_ON_SUBMIT"] = "sync"
