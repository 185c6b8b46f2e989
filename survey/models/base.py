"""Column helpers shared by the models."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every backend (SQLite returns naive values otherwise)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


def enum_column(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A code-valued enum stored as VARCHAR with a CHECK constraint (portable, readable in SQL)."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls),
        values_callable=lambda cls: [m.value for m in cls],
        validate_strings=True,
    )


def code_in(column: str, codes: tuple[str, ...]) -> str:
    """SQL for a CHECK that a text column holds one of the codes (NULL passes)."""
    listed = ", ".join(f"'{c}'" for c in codes)
    return f"{column} IS NULL OR {column} IN ({listed})"


# Indexes on expressions: each database reflects them its own way (PostgreSQL writes trim(x) back as
# TRIM(BOTH FROM x), SQLite does not reflect them at all), so autogenerate cannot compare them with the models and
# leaves them out; their migrations create them and tests/test_migrations.py checks they exist.
EXPRESSION_INDEXES = frozenset({"ix_responses_campaign_birth_name"})


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic autogenerate: compare everything but the expression indexes."""
    return not (type_ == "index" and name in EXPRESSION_INDEXES)


def render_item(type_, obj, autogen_context):
    """Alembic autogenerate: write UTCDateTime columns as plain timezone-aware DateTime in migrations."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False
