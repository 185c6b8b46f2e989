"""Fixtures: one app per test session (schema built by the migrations), a clean database per test.

Set DATABASE_URL to run the same suite on PostgreSQL; the default is a SQLite file in a temporary folder.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random

import pytest
import sqlalchemy as sa
from flask.testing import FlaskCliRunner, FlaskClient
from flask_migrate import upgrade

from survey import create_app
from survey.demo import make_bin, make_iin
from survey.extensions import db
from survey.models import Campaign, District, Organization, Region, Response, User
from tests.factories import build_response
from tests.pages import csrf_from

TEST_HASH_KEY = "test-iin-hash-key"


class FreshContextClient(FlaskClient):
    """Each request runs in its own app context (its own ``g`` and database session), as in production.

    What the test arranged is committed first, so the request sees it; afterwards the test's objects are
    expired, so it reads what the request wrote.
    """

    def open(self, *args, **kwargs):
        db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def _session_app(database_url):
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "IIN_HASH_KEY": TEST_HASH_KEY,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_STORAGE_URI": "memory://",
        "BABEL_DEFAULT_LOCALE": "en",  # messages read outside a request (CLI, services) in English
        "INTEGRITY_ON_SUBMIT": "sync",  # deterministic: flags exist when the submit returns (background: own test)
    })
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
                connection.execute(sa.text("CREATE SCHEMA public"))
        upgrade()
        db.session.remove()
    app.test_client_class = FreshContextClient
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # close pooled connections (psycopg warns about connections left open)


def _clean(app) -> None:
    db.session.remove()
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as connection:  # DELETE beats TRUNCATE on small tables; children before parents
        for table in tables:
            connection.execute(sa.text(f"DELETE FROM {table}"))


@pytest.fixture
def app(_session_app):
    from survey.extensions import limiter

    limiter.reset()  # rate-limit counters (memory storage) must not leak from one test into the next
    with _session_app.app_context():
        yield _session_app
        _clean(_session_app)


@pytest.fixture
def client(app):
    return app.test_client()


class CommittingCliRunner(FlaskCliRunner):
    """Commits what the test arranged before a command runs (a command that fails rolls its session back)."""

    def invoke(self, *args, **kwargs):
        db.session.commit()
        result = super().invoke(*args, **kwargs)
        db.session.expire_all()
        return result


@pytest.fixture
def runner(app):
    return CommittingCliRunner(app)


@pytest.fixture
def is_postgres(app) -> bool:
    return db.engine.dialect.name == "postgresql"


@pytest.fixture
def rng():
    return random.Random(20261126)


@pytest.fixture
def make_iin_for(rng):
    """A valid IIN for a birth date and sex."""

    def make(birth: dt.date = dt.date(1985, 3, 14), sex: str = "f") -> str:
        return make_iin(birth, sex, rng)

    return make


@pytest.fixture
def make_org(app, rng):
    """Factory: an organization (with its region and district) flushed to the database."""
    counter = itertools.count(1)

    def make(level: str = "school", ownership: str = "state", region: str = "Алматы", district: str = "Бостандыкский",
             **fields) -> Organization:
        region_row = db.session.scalar(sa.select(Region).where(Region.name == region)) or Region(name=region)
        district_row = db.session.scalar(
            sa.select(District).join(Region).where(Region.name == region, District.name == district)
        ) or District(region=region_row, name=district)
        number = next(counter)
        org = Organization(bin=fields.pop("bin", None) or make_bin(rng), level=level, ownership=ownership,
                           district=district_row, name_ru=fields.pop("name_ru", f"Организация {number}"), **fields)
        db.session.add(org)
        db.session.flush()
        return org

    return make


@pytest.fixture
def make_campaign(app):
    counter = itertools.count(1)

    def make(code: str | None = None, status: str = "open", census_date: dt.date = dt.date(2026, 11, 1),
             **fields) -> Campaign:
        campaign = Campaign(code=code or f"C{next(counter)}", title_kk="Сауалнама", title_ru="Анкетирование",
                            census_date=census_date, status=status, **fields)
        db.session.add(campaign)
        db.session.flush()
        return campaign

    return make


@pytest.fixture
def make_campaign_questions(app):
    """Factory: upload an XLSForm of these rows (``tests.xlsforms``) as the campaign's own questions, through the
    service an administrator's upload uses; returns the campaign's questionnaire (core + its questions)."""
    from survey.campaigns.questions import questionnaire_for, upload_questions
    from tests.xlsforms import xlsform

    def make(campaign: Campaign, survey_rows, choices_rows=()):
        data = survey_rows if isinstance(survey_rows, bytes) else xlsform(survey_rows, choices_rows)
        upload_questions(campaign, data, "questions.xlsx", by="cli")
        return questionnaire_for(campaign)

    return make


@pytest.fixture
def make_user(app):
    """Factory: a user with a role and scope (password 'password-123' unless given)."""
    from survey.passwords import hash_password

    counter = itertools.count(1)

    def make(role: str = "national_admin", *, region=None, district=None, organization=None,
             password: str = "password-123", email: str | None = None) -> User:
        user = User(email=email or f"user{next(counter)}@example.kz", role=role, region=region, district=district,
                    organization=organization, password_hash=hash_password(password))
        db.session.add(user)
        db.session.flush()
        return user

    return make


@pytest.fixture
def make_response(app):
    """Factory: a teacher's response with every mandatory answer, submitted unless ``status`` says otherwise,
    flushed to the database (tests/factories.py ``build_response``: ``iin=``, ``person_key=``, ``subjects=``,
    ``other_jobs=``, any answer as a keyword)."""

    def make(campaign, org, **fields) -> Response:
        response = build_response(campaign, org, **fields)
        db.session.flush()
        return response

    return make


@pytest.fixture
def login(client):
    """Sign a user in on the test client without the sign-in page (for tests of other pages)."""

    def sign_in(user: User) -> None:
        from flask_login.utils import _create_identifier

        db.session.commit()
        with client.application.test_request_context(environ_base=client.environ_base):
            identifier = _create_identifier()  # session_protection="strong" drops a session without it
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
            session["_id"] = identifier

    return sign_in


@pytest.fixture
def csrf_token(client):
    """The CSRF token of the client's session, read from a page's form (``url`` must render one)."""

    def token(url: str = "/auth/sign-in") -> str:
        return csrf_from(client.get(url))

    return token


from tests.browser import _browser, _live_server, live_url, page  # noqa: E402,F401  (browser fixtures)
