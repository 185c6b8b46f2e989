"""A request's unit of work: a view that returned to a POST is committed once after it (whatever its status), one
that raised is rolled back, a GET is never committed; what waits for the commit runs after it, and only then.
A request's transaction that only read ends with COMMIT on PostgreSQL (psycopg keeps its prepared statements);
anything that wrote, failed or left changes behind still ends with ROLLBACK, and nothing of it is stored."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import abort, has_request_context

from survey import transactions
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


def stored_regions() -> list[str]:
    db.session.rollback()  # what was not committed is gone
    return list(db.session.scalars(sa.select(Region.name)))


def add_region(name: str, seen: list[str]):
    db.session.add(Region(name=name))
    db.session.flush()
    transactions.after_commit(lambda: seen.append(f"after commit: {stored_regions()}"))


def test_every_view_of_the_app_is_a_unit_of_work(app):
    assert isinstance(app, transactions.App)


@pytest.mark.parametrize("status", [200, 302, 422])
def test_a_post_whose_view_returned_is_committed_once_and_then_runs_what_waited(app, endings, status):
    seen: list[str] = []
    with app.test_request_context("/", method="POST"):
        answer = transactions.unit_of_work(lambda: (add_region("Kept", seen), ("page", status))[1])
    assert answer == ("page", status)
    assert endings.count("commit") == 1
    assert seen == ["after commit: ['Kept']"]  # it ran after the commit: the row was there to read
    assert stored_regions() == ["Kept"]


def test_a_post_whose_view_raised_stores_nothing_and_runs_nothing_after(app, endings):
    seen: list[str] = []

    def view():
        add_region("Refused", seen)
        abort(403)

    with app.test_request_context("/", method="POST"):
        with pytest.raises(Exception) as raised:
            transactions.unit_of_work(view)
    assert getattr(raised.value, "code", None) == 403
    assert "commit" not in endings and seen == []
    assert stored_regions() == []
    with app.test_request_context("/", method="POST"):  # nor later, after another request's commit
        transactions.unit_of_work(lambda: None)
    assert seen == []


def test_a_get_never_commits(app, endings):
    seen: list[str] = []
    with app.test_request_context("/", method="GET"):
        transactions.unit_of_work(lambda: add_region("Written by a GET", seen))
    assert "commit" not in endings and seen == []
    assert stored_regions() == []


def test_a_commit_that_fails_answers_with_the_database_error_page(app, client, csrf_token, monkeypatch):
    """The commit runs inside the view's dispatch: its failure meets the same error page as any other."""
    token = csrf_token()
    commit = sa.orm.Session.commit

    def failing_commit(session):
        if has_request_context():  # the test's own commits (the client's, before the request) go through
            raise sa.exc.OperationalError("COMMIT", {}, Exception("the server closed the connection"))
        commit(session)

    monkeypatch.setattr(sa.orm.Session, "commit", failing_commit)
    answer = client.post("/q/code", data={"code": "NOSUCHCODE", "csrf_token": token})
    assert answer.status_code == 503
    assert "database" in answer.get_data(as_text=True).lower()
