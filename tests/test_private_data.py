"""Personal data and secrets where the security review found them leaking (issue 14, item 20): the database-down
answers, browser caches, and the modes of the files the app creates."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import has_request_context
from sqlalchemy.orm import Session

from survey import create_app
from survey.extensions import db
from tests.pages import csrf_from
from tests.test_questionnaire import BIRTH, link, start  # noqa: F401  (link: a fixture)
from tests.test_security_sweep import _get_routes, hostile_data  # noqa: F401  (hostile_data: a fixture)


@pytest.fixture
def database_down(monkeypatch):
    """Every statement a request sends fails as when PostgreSQL has gone away (the test's own session still works)."""
    real_execute = Session._execute_internal  # what execute, scalar(s) and get all go through

    def execute(self, *args, **kwargs):
        if has_request_context():
            raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))
        return real_execute(self, *args, **kwargs)

    def down():
        monkeypatch.setattr(Session, "_execute_internal", execute)

    yield down
    monkeypatch.setattr(Session, "_execute_internal", real_execute)


# ---- the database is down ------------------------------------------------------------------------------------------

def test_healthz_answers_json_503_when_the_database_is_down(client, database_down):
    assert client.get("/healthz").get_json()["status"] == "ok"
    database_down()
    answer = client.get("/healthz")
    assert answer.status_code == 503 and answer.mimetype == "application/json"
    assert answer.get_json()["status"] == "unavailable" and answer.get_json()["database"] == "unavailable"


def _hidden_values(body: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', body):
        found.setdefault(name, []).append(value)
    return found


def test_the_database_error_page_never_writes_a_password_back(client, make_user, database_down):
    make_user(email="director@example.kz", password="Secret-password-77")
    page = client.get("/auth/sign-in")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    database_down()
    answer = client.post("/auth/sign-in", data={"csrf_token": token, "email": "director@example.kz",
                                                "password": "Secret-password-77"})
    body = answer.get_data(as_text=True)
    assert answer.status_code == 503
    assert "Secret-password-77" not in body
    assert _hidden_values(body)["email"] == ["director@example.kz"]  # what is no secret is kept
    # the password is asked for again, in an empty input of its own
    assert re.search(r'<input type="password" id="retype-password" name="password" autocomplete="off" required>', body)
    assert "type them again" in body


def test_the_database_error_page_never_writes_an_iin_or_a_personal_code_back(client, link, make_iin_for,
                                                                            database_down):
    iin = make_iin_for(BIRTH, "f")
    code = start(client, link, iin)
    other = type(client)(client.application, client.response_wrapper, use_cookies=True)  # another browser
    page = other.get(f"/q/{link.token}/resume")
    database_down()
    answer = other.post(f"/q/{link.token}/resume", data={"csrf_token": csrf_from(page), "iin": iin, "code": code})
    body = answer.get_data(as_text=True)
    assert answer.status_code == 503
    assert iin not in body and code not in body and code.replace("-", "") not in body
    assert 'name="iin"' in body and 'name="code"' in body and set(_hidden_values(body)) == {"csrf_token"}


def test_the_identity_page_keeps_the_names_but_not_the_iin_or_the_nonce(client, link, make_iin_for,
                                                                       database_down):
    iin = make_iin_for(BIRTH, "f")
    page = client.get(f"/q/{link.token}/start")
    database_down()
    answer = client.post(f"/q/{link.token}/start", data={
        "csrf_token": csrf_from(page), "iin": iin, "last_name": "Ахметова", "first_name": "Айгерім", "consent": "y",
        "nonce": "one-time-nonce-1234"})
    body = answer.get_data(as_text=True)
    assert answer.status_code == 503
    assert iin not in body and "one-time-nonce-1234" not in body
    kept = _hidden_values(body)
    assert kept["last_name"] == ["Ахметова"] and kept["first_name"] == ["Айгерім"] and "iin" not in kept


def test_a_signed_in_person_gets_the_503_page_not_a_crash(client, login, make_user, database_down):
    """Loading the account is itself a query: the page must not try it again while rendering the menu."""
    login(make_user("national_admin"))
    database_down()
    answer = client.get("/admin/users")
    assert answer.status_code == 503
    assert "The database did not answer" in answer.get_data(as_text=True)


def test_every_secret_field_of_every_form_is_kept_out_of_pages():
    """A sweep of the app's forms: a password field, or a field about an IIN or a code, is in SECRET_FIELDS (so a
    form added later with such a field cannot leak it through the database-error page)."""
    import importlib
    import pkgutil

    from flask_babel import force_locale
    from flask_wtf import FlaskForm
    from wtforms import PasswordField, SubmitField
    from wtforms.fields.core import UnboundField

    import survey
    from survey.forms import SECRET_FIELDS

    for module in pkgutil.walk_packages(survey.__path__, "survey."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)

    def forms(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from forms(sub)

    app = create_app({"SECRET_KEY": "s", "IIN_HASH_KEY": "k", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "BABEL_DEFAULT_LOCALE": "en"})
    secret, seen = set(), 0
    with app.app_context(), force_locale("en"):
        for form in set(forms(FlaskForm)):
            for name in dir(form):
                field = getattr(form, name)
                if not isinstance(field, UnboundField) or issubclass(field.field_class, SubmitField):
                    continue
                seen += 1
                label = str(field.args[0] if field.args else field.kwargs.get("label", ""))
                if issubclass(field.field_class, PasswordField) or re.search(r"\b(IIN|code|password)\b", label, re.I):
                    secret.add(name)
    assert seen > 50 and {"password", "iin", "code", "confirm", "current"} <= secret
    assert secret <= set(SECRET_FIELDS)


# ---- browser caches ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["national_admin", "director"])
def test_every_page_and_download_says_no_store(client, login, hostile_data, role):
    from flask import url_for

    director, admin, values = hostile_data
    login(admin if role == "national_admin" else director)
    visited, downloads = 0, 0
    for endpoint, _rule, arguments in _get_routes():
        if any(arg not in values for arg in arguments) or endpoint == "questionnaire.show_qr":
            continue
        with client.application.test_request_context():
            url = url_for(endpoint, **{arg: values[arg] for arg in arguments})
        answer = client.get(url)
        if answer.status_code != 200:
            continue
        visited += 1
        downloads += "attachment" in answer.headers.get("Content-Disposition", "")
        assert answer.headers["Cache-Control"] == "no-store", url
    assert visited >= 8 and downloads >= 1
    static = client.get("/static/survey.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()


def test_a_questionnaire_page_and_an_export_download_say_no_store(app, client, link, login, make_iin_for,
                                                                  make_user, tmp_path):
    start(client, link, make_iin_for(BIRTH, "f"))
    assert client.get(f"/q/{link.token}/step/1").headers["Cache-Control"] == "no-store"
    from survey.reports import jobs

    admin = make_user("national_admin")
    app.config["EXPORT_DIR"] = str(tmp_path / "exports")
    try:
        job = jobs.create_job("profiles", {"campaign": link.campaign.code, "lang": "en"}, admin)
        db.session.commit()
        jobs.run_job(job.id)
        login(admin)
        download = client.get(f"/reports/jobs/{job.id}/file")
        assert download.status_code == 200 and download.headers["Cache-Control"] == "no-store"
        download.close()
    finally:
        app.config.pop("EXPORT_DIR")


# ---- files readable by their owner only ----------------------------------------------------------------------------

@pytest.fixture
def usual_umask():
    """The umask most systems start processes with (0644 files), whatever the test runner's own is."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_file_is_created_readable_by_its_owner_only(tmp_path, usual_umask):
    app = create_app({"SECRET_KEY": "s", "IIN_HASH_KEY": "k", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    with app.app_context():
        with db.engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            connection.exec_driver_sql("INSERT INTO t VALUES (1)")
        assert _mode(tmp_path / "x.db") == 0o600
        assert _mode(tmp_path / "x.db-wal") == 0o600  # SQLite gives its journal the database file's mode
        db.engine.dispose()


def test_secrets_json_is_created_readable_by_its_owner_only(monkeypatch, tmp_path, usual_umask):
    """Created so, not narrowed afterwards: a file written 0644 and then chmod-ed can be opened in between."""
    from survey.config import from_environment

    for name in ("SURVEY_ENV", "SECRET_KEY", "IIN_HASH_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(os, "chmod", lambda *args, **kwargs: None)
    monkeypatch.setattr(Path, "chmod", lambda *args, **kwargs: None)
    from_environment(tmp_path / "instance")
    assert _mode(tmp_path / "instance" / "secrets.json") == 0o600
    assert _mode(tmp_path / "instance") == 0o700


def test_export_files_are_created_readable_by_their_owner_only(app, runner, link, make_user, monkeypatch, tmp_path,
                                                               usual_umask):
    from survey.reports import jobs

    app.config["EXPORT_DIR"] = str(tmp_path / "exports")
    modes = []
    real_export = jobs.export_profiles

    def export(ctx, selection, target, **options):
        count = real_export(ctx, selection, target, **options)
        modes.append(_mode(Path(target)))  # the job's own file as written (on PostgreSQL then copied and removed)
        return count

    monkeypatch.setattr(jobs, "export_profiles", export)
    try:
        job = jobs.create_job("profiles", {"campaign": link.campaign.code, "lang": "en"}, make_user())
        db.session.commit()
        jobs.run_job(job.id)
    finally:
        app.config.pop("EXPORT_DIR")
    assert modes == [0o600] and _mode(tmp_path / "exports") == 0o700
    out = tmp_path / "cli.xlsx"
    result = runner.invoke(args=["survey", "export", "profiles", "--campaign", link.campaign.code, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert _mode(out) == 0o600
