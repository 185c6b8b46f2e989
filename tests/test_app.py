"""The application shell: configuration, SQLite settings, languages, pages, translations."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po

from survey import create_app
from survey.config import ConfigError, defaults, from_environment
from survey.staffing.ai_plan import PlanSettings
from survey.extensions import db

ROOT = Path(__file__).resolve().parent.parent


def test_production_refuses_to_start_without_secrets(monkeypatch, tmp_path):
    monkeypatch.setenv("SURVEY_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("IIN_HASH_KEY", "x")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        from_environment(tmp_path)
    monkeypatch.setenv("SECRET_KEY", "s")
    monkeypatch.delenv("IIN_HASH_KEY")
    with pytest.raises(ConfigError, match="IIN_HASH_KEY"):
        from_environment(tmp_path)
    assert not (tmp_path / "secrets.json").exists()


def test_development_generates_secrets_once_and_keeps_them(monkeypatch, tmp_path):
    for name in ("SURVEY_ENV", "SECRET_KEY", "IIN_HASH_KEY", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    first = from_environment(tmp_path)
    second = from_environment(tmp_path)
    assert first["IIN_HASH_KEY"] == second["IIN_HASH_KEY"] and len(first["IIN_HASH_KEY"]) == 64
    assert first["SECRET_KEY"] == second["SECRET_KEY"] != first["IIN_HASH_KEY"]
    stored = json.loads((tmp_path / "secrets.json").read_text())
    assert stored["IIN_HASH_KEY"] == first["IIN_HASH_KEY"]
    assert (tmp_path / "secrets.json").stat().st_mode & 0o077 == 0
    assert first["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'survey.db'}"


def test_environment_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("SURVEY_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s")
    monkeypatch.setenv("IIN_HASH_KEY", "k")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("LOAD_NORM_PRESCHOOL", "25")
    settings = from_environment(tmp_path)
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert (settings["LOAD_NORM_SCHOOL"], settings["LOAD_NORM_COLLEGE"], settings["LOAD_NORM_PRESCHOOL"]) == (16, 18, 25)
    assert settings["SESSION_COOKIE_SECURE"] is True
    monkeypatch.setenv("LOAD_NORM_SCHOOL", "sixteen")
    with pytest.raises(ConfigError, match="LOAD_NORM_SCHOOL"):
        from_environment(tmp_path)


def test_every_default_is_the_environments_default(monkeypatch, tmp_path):
    """One home for each default: what the environment leaves unset is what defaults() (the tests' base) says."""
    for name in ("SIGN_IN_RATE_LIMIT", "QUESTIONNAIRE_IDLE_MINUTES", "LOAD_NORM_SCHOOL", "DEFAULT_LANGUAGE",
                 "INTEGRITY_THRESHOLDS", "MAX_UPLOAD_MB"):
        monkeypatch.delenv(name, raising=False)
    settings, base = from_environment(tmp_path), defaults()
    for name in ("SIGN_IN_RATE_LIMIT", "QUESTIONNAIRE_IDLE_MINUTES", "LOAD_NORM_SCHOOL", "LOAD_NORM_PRESCHOOL",
                 "BABEL_DEFAULT_LOCALE", "INTEGRITY_THRESHOLDS", "MAX_CONTENT_LENGTH", "RESUME_LIMIT_PER_IIN"):
        assert settings[name] == base[name], name
    assert (base["SIGN_IN_RATE_LIMIT"], base["QUESTIONNAIRE_IDLE_MINUTES"]) == ("10 per minute;50 per hour", 180)
    monkeypatch.setenv("SIGN_IN_RATE_LIMIT", "3 per minute")
    monkeypatch.setenv("QUESTIONNAIRE_IDLE_MINUTES", "30")
    settings = from_environment(tmp_path)
    assert (settings["SIGN_IN_RATE_LIMIT"], settings["QUESTIONNAIRE_IDLE_MINUTES"]) == ("3 per minute", 30)


def test_integrity_thresholds_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("INTEGRITY_THRESHOLDS", '{"load_medium": 1.6, "headcount_gap": 0.25}')
    assert from_environment(tmp_path)["INTEGRITY_THRESHOLDS"] == {"load_medium": 1.6, "headcount_gap": 0.25}
    for wrong, message in (('{"load_middle": 1.6}', "unknown thresholds load_middle"), ("[1.6]", "JSON object"),
                           ('{"load_high": "2.5"}', "load_high must be numbers"), ("1.6,", "JSON object")):
        monkeypatch.setenv("INTEGRITY_THRESHOLDS", wrong)
        with pytest.raises(ConfigError, match=message):
            from_environment(tmp_path)


def test_ai_priority_answers_from_the_environment(monkeypatch, tmp_path):
    assert defaults()["AI_PRIORITY_ANSWERS"] == "" and from_environment(tmp_path)["AI_PRIORITY_ANSWERS"] == ""
    monkeypatch.setenv("AI_PRIORITY_ANSWERS", " mentor=yes; ai_tools = gemini ;")
    settings = from_environment(tmp_path)
    assert PlanSettings.from_config(settings).priority_answers == (("mentor", "yes"), ("ai_tools", "gemini"))
    for wrong in ("mentor", "mentor=", "=yes", "mentor=yes;ai_tools", "mentor=yes=no"):
        monkeypatch.setenv("AI_PRIORITY_ANSWERS", wrong)
        with pytest.raises(ConfigError, match="AI_PRIORITY_ANSWERS: .* is not question=choice"):
            from_environment(tmp_path)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    app = create_app({"SECRET_KEY": "s", "IIN_HASH_KEY": "k", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    with app.app_context():
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_foreign_keys_are_enforced(app):
    from survey.models import District

    db.session.add(District(region_id=999, name="Nowhere"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(("lang", "title"), [("kk", "Педагог кадрларына сауалнама"),
                                             ("ru", "Анкетирование педагогических кадров"),
                                             ("en", "Staffing survey of teaching staff")])
def test_home_page_in_each_language(client, lang, title):
    response = client.get(f"/lang/{lang}?next=/")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert f'<html lang="{lang}">' in page
    assert title in page


def test_browser_language_is_used_until_the_visitor_chooses(client):
    page = client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9"}).get_data(as_text=True)
    assert '<html lang="ru">' in page
    client.get("/lang/kk")
    page = client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9"}).get_data(as_text=True)
    assert '<html lang="kk">' in page


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"])
def test_language_switch_never_redirects_off_site(client, target):
    response = client.get("/lang/ru", query_string={"next": target})
    assert response.headers["Location"] == "/"


def test_unknown_language_and_page_are_404_pages(client):
    assert client.get("/lang/de").status_code == 404
    response = client.get("/no-such-page", headers={"Accept-Language": "ru"})
    assert response.status_code == 404
    assert "Страница не найдена" in response.get_data(as_text=True)


def test_health_check(client):
    assert client.get("/healthz").get_json() == {
        "status": "ok", "database": "ok",
        "exports": {"runner": "thread", "queued": 0, "oldest_queued_seconds": None}}  # no REDIS_URL: no worker


def test_kazakh_and_russian_catalogs_are_complete(tmp_path):
    """Every translatable string in the code and templates has a Kazakh and a Russian translation."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [str(Path(sys.executable).parent / "pybabel"), "-q", "extract", "-F", "babel.cfg", "-k", "_l",
         "-k", "lazy_gettext", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as handle:
        source_ids = {m.id for m in read_po(handle) if m.id}
    assert len(source_ids) > 50
    for lang in ("kk", "ru"):
        with (ROOT / f"survey/translations/{lang}/LC_MESSAGES/messages.po").open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        assert not catalog.fuzzy, f"{lang}: the catalog header is marked fuzzy, so pybabel compile would skip it"
        untranslated = sorted(
            str(mid) for mid in source_ids
            if catalog.get(mid) is None or catalog.get(mid).fuzzy
            or not all(catalog.get(mid).string if isinstance(mid, tuple) else [catalog.get(mid).string])
        )
        assert untranslated == [], f"{lang}: {untranslated[:10]}"
