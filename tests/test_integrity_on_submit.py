"""The person-level integrity rules run when a teacher submits (issue 7), and record the sender's network key."""

import datetime as dt
import uuid
from decimal import Decimal

import sqlalchemy as sa

from survey.extensions import db
from survey.models import Flag, Response
from tests.test_questionnaire import BIRTH, fill_all, link, start  # noqa: F401  (link is a fixture)


def test_main_job_at_two_organizations_is_flagged_on_submission(client, link, make_iin_for, make_org, make_response):
    iin = make_iin_for(BIRTH, "f")
    other = make_org(name_ru="Другая школа")
    # the same person already answered at another school, also as a main job
    make_response(link.campaign, other, iin=iin, last_name="Сейітова", first_name="Әйгерім",
                  start_date=dt.date(2010, 9, 1), experience_total=Decimal(16), experience_org=Decimal(10))
    start(client, link, iin)
    assert fill_all(client, link).status_code == 302
    flags = db.session.scalars(sa.select(Flag).where(Flag.rule == "G4")).all()
    assert {flag.organization_id for flag in flags} >= {link.organization_id}
    submitted = db.session.scalar(sa.select(Response).where(Response.organization_id == link.organization_id))
    assert submitted.network_key and len(submitted.network_key) == 64 and "127.0.0.1" not in submitted.network_key


def _two_schools_with_one_main_job_each(link, make_org, make_iin_for, make_response):
    """Two schools where the same person has a main job (rule G4), before any check ran."""
    first, second = make_org(name_ru="Первая"), make_org(name_ru="Вторая")
    iin = make_iin_for(dt.date(1980, 1, 1), "m")
    for org in (first, second):
        make_response(link.campaign, org, iin=iin, last_name="Ахметов", first_name="Ерлан",
                      start_date=dt.date(2010, 9, 1), graduation_year=2003, experience_total=Decimal(16),
                      experience_org=Decimal(10))
    db.session.commit()
    return link.campaign, first, second


def test_with_redis_all_workers_share_one_queue_and_one_pass_per_interval(app, link, make_org, make_iin_for,
                                                                          make_response):
    """With REDIS_URL every worker names organizations in one Redis set; in an interval the first worker to flush
    takes it all and runs one pass, the others find their turn taken. Without Redis (down), each keeps its own."""
    import redis

    from survey.integrity import background

    campaign, first, second = _two_schools_with_one_main_job_each(link, make_org, make_iin_for, make_response)
    key = f"test:integrity:{uuid.uuid4().hex}"
    server = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    saved = {name: app.config.get(name) for name in ("INTEGRITY_ON_SUBMIT", "INTEGRITY_BATCH_SECONDS", "REDIS_URL")}
    app.config.update(INTEGRITY_ON_SUBMIT="background", INTEGRITY_BATCH_SECONDS=3600,  # flushed by hand here
                      REDIS_URL="redis://127.0.0.1:6379/0", INTEGRITY_QUEUE_KEY=key)
    try:
        background.request_checks(campaign.id, first.id)  # as if from two workers: they meet in Redis
        background.request_checks(campaign.id, second.id)
        assert server.smembers(f"{key}:pending") == {f"{campaign.id}:{first.id}".encode(),
                                                     f"{campaign.id}:{second.id}".encode()}
        assert background._pending == {}  # nothing held in this process
        assert background.flush_pending() == 2
        assert {f.organization_id for f in db.session.scalars(sa.select(Flag).where(Flag.rule == "G4"))} == \
            {first.id, second.id}
        background.request_checks(campaign.id, first.id)
        assert background.flush_pending() == 0  # this interval's pass is done: the next one takes it
        assert server.scard(f"{key}:pending") == 1
        server.delete(f"{key}:turn")  # the interval is over
        assert background.flush_pending() == 1 and server.scard(f"{key}:pending") == 0
        app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # Redis unreachable: kept in this process
        background.request_checks(campaign.id, second.id)
        assert background._pending == {campaign.id: {second.id}}
        assert background.flush_pending() == 1
    finally:
        app.config.update(saved)
        app.config.pop("INTEGRITY_QUEUE_KEY", None)
        server.delete(f"{key}:pending", f"{key}:turn")


def test_background_batches_run_the_rules_for_every_organization_named(app, link, make_org, make_iin_for,
                                                                       make_response):
    """In production the rules run in batches: submissions only name their organization; one pass checks all."""
    from survey.integrity import background

    campaign, first, second = _two_schools_with_one_main_job_each(link, make_org, make_iin_for, make_response)
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
