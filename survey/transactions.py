"""A request's unit of work: one commit per request, in one place.

Services add and change rows and flush; the request commits once, here, when its view returned normally to a
POST (or any method that may change something): whatever the view rendered or redirected to, a 422 included, since
a draft saved with errors is still saved. A view that raised (``abort`` included) is rolled back, and so is every
GET: a GET never commits what it changed. The view renders its page before the commit, so nothing it reads has
been expired; what must happen after the commit (running the integrity checks on the stored answer, marking the
browser as the owner of a new response) is handed to ``after_commit``. A commit that fails raises inside the
view's dispatch, so the database-error page answers it as it answers any other database failure.

Ending a request's read-only transaction with COMMIT rather than ROLLBACK, on PostgreSQL.

psycopg prepares a statement on the server once a connection has run it five times, and PostgreSQL then stops
planning it; but psycopg forgets every prepared statement on ROLLBACK, which is how Flask-SQLAlchemy ends each
request's session. The questionnaire's pages run the same few statements all day and most requests only read, so
their plans were thrown away every time (planning the access-link join costs more than running it). A transaction
that wrote nothing is ended here with COMMIT, which for it means the same as ROLLBACK and keeps the statements.

"Wrote nothing" is decided on the connection, from every statement it sent since BEGIN: anything but a SELECT
(an INSERT, an UPDATE, a SAVEPOINT, a flush of any kind) leaves the transaction to the usual ROLLBACK, as does
a request that ended with an exception or left unflushed changes in the session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, g, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db

WROTE = "survey_wrote"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class App(Flask):
    """Flask, with every view run as the request's unit of work."""

    def dispatch_request(self) -> Any:
        return unit_of_work(super().dispatch_request)


def unit_of_work(view: Callable[[], Any]) -> Any:
    """Run the view; commit after it when the request may change something and the view did not raise."""
    if request.method in SAFE_METHODS:
        try:
            return view()
        finally:
            g.pop("after_commit", None)  # a GET commits nothing to follow
    try:
        answer = view()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        g.pop("after_commit", None)  # never run for what was not committed, nor later for another request
        raise
    for callback in g.pop("after_commit", ()):
        callback()
    return answer


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` once this request's changes are committed (never when they are not). It runs outside the
    request's transaction: a failure there is its own to handle, the committed answer stands."""
    g.setdefault("after_commit", []).append(callback)


@event.listens_for(Engine, "begin")
def _transaction_begins(connection) -> None:
    connection.info[WROTE] = False


@event.listens_for(Engine, "before_cursor_execute")
def _statement_sent(connection, cursor, statement, parameters, context, executemany) -> None:
    if not connection.info.get(WROTE) and statement.lstrip()[:6].upper() != "SELECT":
        connection.info[WROTE] = True


def init_app(app: Flask) -> None:
    """Register after ``db.init_app``: Flask runs teardown functions last-registered first, so this one runs
    before Flask-SQLAlchemy removes the session."""

    @app.teardown_appcontext
    def commit_read_only_transaction(error: BaseException | None) -> None:
        if error is not None or not db.session.registry.has():
            return
        session = db.session()
        if not session.in_transaction() or session.new or session.dirty or session.deleted:
            return
        connection = session.connection()
        if connection.dialect.name != "postgresql" or connection.info.get(WROTE, True):
            return
        session.commit()
