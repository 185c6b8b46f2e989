"""The database keeps up with the codebook: every list a question chooses from and every range of a number is what
the CHECK constraints that the migrations create accept, on SQLite and PostgreSQL; and the migrations create exactly
the models' CHECK constraints (``flask db check`` does not compare them). A codebook change without its migration
fails here, naming the constraint."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DataError, IntegrityError

from survey import codebook as cb
from survey.extensions import db
from survey.models import Response
from survey.models.responses import row_model
from survey.questions import CORE, Format, Kind, Question
from tests.factories import TYPICAL

NOT_A_CODE = "zz"  # short enough for every column: refused by the CHECK, not by the length


class _Undo(Exception):
    pass


def _stored(statement) -> bool:
    """Whether the database takes the statement (it is undone either way)."""
    try:
        with db.session.begin_nested():
            db.session.execute(statement)
            raise _Undo
    except _Undo:
        return True
    except (IntegrityError, DataError):  # a CHECK, or on PostgreSQL a value longer than its column
        return False


@pytest.fixture
def response_id(app, make_org, make_campaign) -> int:
    org, campaign = make_org(), make_campaign()
    response = Response(campaign_id=campaign.id, organization_id=org.id, person_key="k" * 64,
                        birth_date=dt.date(1985, 3, 14), sex="f", last_name="A", first_name="B")
    db.session.add(response)
    db.session.flush()
    return response.id


def _cases(q: Question) -> list[tuple[object, bool]]:
    """Values of an answer the database must take (True) or refuse (False)."""
    cases: list[tuple[object, bool]] = []
    if q.format is Format.BIN:
        cases += [("940140000385", True), ("94014000038", False)]
    if q.kind is Kind.ONE:
        cases += [(code, True) for code in cb.CODES[q.choices]] + [(NOT_A_CODE, False)]
    if q.kind is Kind.MANY:  # every code at once must fit the column
        cases.append((";".join(cb.CODES[q.choices]), True))
    if q.low is not None:
        unit = q.step or (Decimal(1) if q.kind is Kind.DECIMAL else 1)
        cases += [(q.low, True), (q.high, True), (q.low - unit, False), (q.high + unit, False)]
        if q.step is not None:
            cases.append((q.low + q.step / 2, False))
    return cases


def _answers(questions) -> list[Question]:
    return [q for q in questions if q.kind is not Kind.ROWS and _cases(q)]


def test_the_database_takes_every_code_and_number_the_questions_allow_and_no_other(app, response_id):
    wrong = []
    for q in _answers(CORE.columns):
        for value, allowed in _cases(q):
            statement = sa.update(Response).where(Response.id == response_id).values({q.code: value})
            if _stored(statement) != allowed:
                wrong.append((q.code, value, allowed))
    for question in (q for q in CORE.columns if q.kind is Kind.ROWS):
        model = row_model(question.code)
        valid = {p.code: _cases(p)[0][0] if _cases(p) else "Школа" for p in question.parts}
        for part in _answers(question.parts):
            for value, allowed in _cases(part):
                statement = sa.insert(model).values(response_id=response_id, **{**valid, part.code: value})
                if _stored(statement) != allowed:
                    wrong.append((f"{question.code}.{part.code}", value, allowed))
    assert wrong == [], "the CHECK constraints of the migrations disagree with the codebook: (answer, value, " \
                        "should be taken) — write a migration that recreates them"


def test_a_submitted_response_needs_every_mandatory_answer(app, response_id):
    complete = {code: TYPICAL[code] for code in CORE.mandatory if code not in ("last_name", "first_name")}
    assert len(complete) == 14
    submitted = {"status": "submitted", "submitted_at": dt.datetime(2026, 11, 2, tzinfo=dt.timezone.utc)}

    def submit(values) -> bool:
        return _stored(sa.update(Response).where(Response.id == response_id).values({**values, **submitted}))

    assert submit(complete)
    for name in complete:
        assert not submit({**complete, name: False if name == "consent" else None}), name


def test_the_response_factory_builds_what_the_questionnaire_accepts(app, make_org, make_campaign, make_response,
                                                                    make_iin_for):
    """make_response (tests/factories.py): every mandatory answer, every cross-field rule of the questionnaire met,
    the database's CHECK satisfied; a subject list gives the teaching hours."""
    from survey.questionnaire.services import rule_context, stored_values
    from survey.rules import check_complete

    response = make_response(make_campaign(census_date=dt.date(2026, 11, 1)), make_org(),
                             iin=make_iin_for(dt.date(1990, 5, 15), "m"), subjects=[("mathematics", 12, "ru")])
    db.session.commit()  # the CHECK that a submitted response has every mandatory answer
    assert (response.status.value, response.birth_date, response.sex, response.teaching_hours) == (
        "submitted", dt.date(1990, 5, 15), "m", 12)
    assert check_complete(stored_values(response), rule_context(response.campaign, response)) == []
    assert [(s.subject, s.hours, s.language) for s in response.subjects] == [("mathematics", 12, "ru")]


def test_the_migrations_create_the_models_check_constraints(app):
    """The models' CHECK constraints (derived from the question records) against the migrated database's."""
    engine = db.engine
    tables = sorted(db.metadata.tables)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA IF EXISTS model_checks CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA model_checks"))
            db.metadata.create_all(connection.execution_options(schema_translate_map={None: "model_checks"}))
            query = sa.text("SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                            "JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
                            "WHERE c.contype = 'c' AND n.nspname = :schema")
            migrated = set(connection.execute(query, {"schema": "public"}))
            modelled = set(connection.execute(query, {"schema": "model_checks"}))
            connection.execute(sa.text("DROP SCHEMA model_checks CASCADE"))
    else:
        scratch = sa.create_engine("sqlite://")
        db.metadata.create_all(scratch)

        def checks(bind) -> set:
            inspector = sa.inspect(bind)
            return {(table, check["name"], " ".join(check["sqltext"].split()))
                    for table in tables for check in inspector.get_check_constraints(table)}

        migrated, modelled = checks(engine), checks(scratch)
        scratch.dispose()
    migrated = {row for row in migrated if row[0] in tables}
    assert sorted(modelled - migrated) == [] and sorted(migrated - modelled) == []


def test_migration_0008_keeps_every_answer_both_ways(app, response_id):
    """On SQLite the migration builds ``responses`` anew; the rows that reference it survive, both ways."""
    from flask_migrate import downgrade, upgrade

    from survey.models import ResponseOtherJob, ResponseSubject, ResponseVersion

    db.session.add_all([
        ResponseSubject(response_id=response_id, subject="mathematics", hours=12, language="kk"),
        ResponseOtherJob(response_id=response_id, org_bin="940140000385", basis="hourly", hours=4),
        ResponseVersion(response_id=response_id, version=1, source="web", snapshot={"post": "teacher"},
                        changes={"post": ["teacher", "educator"]}),
    ])
    db.session.commit()
    tables = ("responses", "response_subjects", "response_other_jobs", "response_versions")

    def counts() -> list[int]:
        with db.engine.connect() as connection:
            return [connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() for table in tables]

    db.session.remove()
    downgrade(revision="0005_birth_name_index")
    assert counts() == [1, 1, 1, 1]
    upgrade()
    assert counts() == [1, 1, 1, 1]
