"""Ending a request's read-only transaction with COMMIT rather than ROLLBACK, on PostgreSQL.

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

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db

WROTE = "survey_wrote"


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
