"""A request's transaction that only read ends with COMMIT on PostgreSQL (psycopg keeps its prepared statements);
anything that wrote, failed or left changes behind still ends with ROLLBACK, and nothing of it is stored."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import Region


@pytest.fixture
def endings(app):
    seen: list[str] = []
    listeners = {"commit": lambda connection: seen.append("commit"),
                 "rollback": lambda connection: seen.append("rollback")}
    for name, listener in listeners.items():
        sa.event.listen(db.engine, name, listener)
    yield seen
    for name, listener in listeners.items():
        sa.event.remove(db.engine, name, listener)


def on_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def test_a_request_that_only_read_commits_on_postgresql(app, endings):
    with app.app_context():
        db.session.scalars(sa.select(Region.id)).all()
        db.session.execute(sa.select(Region).with_for_update()).all()  # a row lock is still only a read
    assert endings == (["commit"] if on_postgresql() else ["rollback"])


@pytest.mark.parametrize("how", ["flushed", "core insert", "pending", "savepoint"])
def test_a_request_that_wrote_without_committing_rolls_back_and_stores_nothing(app, endings, how):
    with app.app_context():
        if how == "flushed":
            db.session.add(Region(name="Flushed, never committed"))
            db.session.flush()
            db.session.scalars(sa.select(Region.id)).all()
        elif how == "core insert":
            db.session.execute(sa.insert(Region).values(name="Inserted, never committed"))
        elif how == "pending":
            db.session.scalars(sa.select(Region.id)).all()
            db.session.add(Region(name="Added, never flushed"))
        else:
            with db.session.begin_nested():
                db.session.scalars(sa.select(Region.id)).all()
    assert endings[-1] == "rollback" and "commit" not in endings
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Region)) == 0


def test_a_request_that_failed_rolls_back(app, endings):
    with pytest.raises(RuntimeError):
        with app.app_context():
            db.session.scalars(sa.select(Region.id)).all()
            raise RuntimeError("the view failed")
    assert endings == ["rollback"]


def test_postgresql_keeps_the_prepared_statements_of_reading_requests(app):
    if not on_postgresql():
        pytest.skip("prepared statements are psycopg's, on PostgreSQL")
    query = sa.select(Region.id).where(Region.name == sa.bindparam("name"))
    for _ in range(30):  # psycopg prepares a statement after five runs on one connection
        with app.app_context():
            db.session.scalars(query, {"name": "Алматы"}).all()
            prepared = db.session.scalar(sa.text(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'SELECT regions.id%'"))
    assert prepared == 1
