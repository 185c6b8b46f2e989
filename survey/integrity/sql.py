"""The few SQL expressions that PostgreSQL and SQLite spell differently, behind one name each."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ..extensions import db


def is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def json_object(**fields) -> sa.ColumnElement:
    """A JSON object built in SQL from named column expressions (evidence of a flag)."""
    args: list = []
    for name, value in fields.items():
        args += [sa.literal(name), value]
    return sa.func.json_build_object(*args) if is_postgres() else sa.func.json_object(*args)


def json_array_agg(column) -> sa.ColumnElement:
    """Aggregate: the column's values of a group as a JSON array."""
    return sa.func.json_agg(column) if is_postgres() else sa.func.json_group_array(column)


def json_value(column) -> sa.ColumnElement:
    """A JSON value read from a subquery, so that it nests as JSON (SQLite would nest it as text)."""
    return column if is_postgres() else sa.func.json(column)


def whole_years(birth, on: dt.date) -> sa.ColumnElement:
    """Full years of age on ``on`` for a date column (the same arithmetic as domain.age_on)."""
    month_day = sa.extract("month", birth) * 100 + sa.extract("day", birth)
    before_birthday = sa.case((month_day > on.month * 100 + on.day, 1), else_=0)
    return sa.cast(on.year - sa.extract("year", birth) - before_birthday, sa.Integer)


def days_after(column, day: dt.date) -> sa.ColumnElement:
    """Days from ``day`` to a date column (negative when before)."""
    if is_postgres():
        return column - sa.cast(sa.literal(day), sa.Date)
    return sa.cast(sa.func.julianday(column) - sa.func.julianday(sa.literal(day.isoformat())), sa.Integer)


def seconds_between(earlier, later) -> sa.ColumnElement:
    """Seconds from one timestamp column to another."""
    if is_postgres():
        return sa.extract("epoch", later - earlier)
    def epoch(column):  # whole seconds: julianday arithmetic would put 30 minutes at 1800.00001
        return sa.cast(sa.func.strftime("%s", column), sa.Integer)

    return epoch(later) - epoch(earlier)


def rounded(value, digits: int = 2) -> sa.ColumnElement:
    """A ratio rounded for evidence (PostgreSQL rounds numerics only)."""
    if is_postgres():
        return sa.func.round(sa.cast(value, sa.Numeric), digits)
    return sa.func.round(value, digits)


def bytewise(column) -> sa.ColumnElement:
    """A text key grouped and sorted byte by byte (PostgreSQL's C collation): hash keys and names need no
    language rules, and locale-aware comparison makes sorting 500,000 keys several times slower."""
    return column.collate("C") if is_postgres() else column
