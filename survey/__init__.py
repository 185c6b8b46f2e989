"""Staffing Survey: a census of teaching staff, their organizations and staffing profiles."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from flask import Flask, has_request_context, render_template, request, session
from sqlalchemy import event
from sqlalchemy.engine import Engine

from . import transactions
from .config import defaults, from_environment
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .files import create_private, private_dir

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def select_locale() -> str:
    """The visitor's language: an explicit choice kept in the session, else the browser's, else Kazakh."""
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = transactions.App(  # every view is its request's unit of work (survey/transactions.py)
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    if config is None:
        app.config.update(from_environment(app.instance_path))
    else:
        app.config.update(defaults())
        app.config.update(config)
    private_dir(app.instance_path)
    _create_sqlite_file(app)

    db.init_app(app)
    from .models.base import include_object, render_item

    transactions.init_app(app)

    migrate.init_app(
        app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True, compare_type=True,
        render_item=render_item, include_object=include_object,
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app, add_context_processor=False)  # a lazy current_user instead: see below

    from . import models  # noqa: F401  (register the tables with the metadata)
    from .auth import session as _auth_session  # noqa: F401  (the user loader)
    from .cli import survey_cli
    from .admin import bp as admin_bp
    from .auth import bp as auth_bp
    from .auth import security
    from .directors import bp as directors_bp
    from .integrity import bp as integrity_bp
    from .main import bp as main_bp
    from .plans import bp as plans_bp
    from .questionnaire import bp as questionnaire_bp
    from .reports import bp as reports_bp

    app.url_map.converters["int"] = security.DatabaseIntegerConverter  # before the first route is added
    app.register_blueprint(main_bp)
    app.register_blueprint(questionnaire_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(directors_bp)
    security.init_app(app)
    app.register_blueprint(reports_bp)
    app.register_blueprint(integrity_bp)
    app.register_blueprint(plans_bp)
    app.cli.add_command(survey_cli)
    _register_error_pages(app)
    _register_template_helpers(app)
    return app


def _create_sqlite_file(app: Flask) -> None:
    """A SQLite database file is created readable by its owner only (SQLite gives its -wal and -shm files the same
    mode); a relative path is in the instance folder, as Flask-SQLAlchemy reads it."""
    from sqlalchemy.engine import make_url

    url = make_url(app.config.get("SQLALCHEMY_DATABASE_URI") or "sqlite://")
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:") or url.database.startswith("file:"):
        return
    path = Path(url.database)
    if not path.is_absolute():
        path = Path(app.instance_path) / path
    if path.parent.is_dir():
        create_private(path)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite: WAL journal, foreign keys enforced, wait for locks instead of failing at once."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _register_error_pages(app: Flask) -> None:
    def render_error(error):
        code = getattr(error, "code", 500) or 500
        return render_template("error.html", code=code), code

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, render_error)

    from flask_wtf.csrf import CSRFError
    from sqlalchemy.exc import DBAPIError, DisconnectionError

    @app.errorhandler(DBAPIError)
    @app.errorhandler(DisconnectionError)
    def render_database_unavailable(error):
        """The database failed mid-request: nothing was half-written (the transaction is rolled back), and what
        the visitor typed comes back in a form that sends it again, except secrets (passwords, IINs, codes): the
        form asks for those again rather than writing them into the page."""
        from flask import g

        from .forms import split_secrets

        db.session.rollback()
        g._login_user = login_manager.anonymous_user()  # the page must not ask the database for the account again
        app.logger.error("database error on %s %s: %s", request.method, request.path, type(error).__name__)
        resend, retype = [], []
        if request.method == "POST" and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            resend, retype = split_secrets(request.form)
        return render_template("database_error.html", resend=resend, retype=retype), 503

    @app.errorhandler(CSRFError)
    def render_csrf_error(error):
        return render_template("error.html", code=400, csrf=True), 400


def _register_template_helpers(app: Flask) -> None:
    from flask_babel import get_locale
    from flask_login import current_user

    from . import codebook, formatting

    # Numbers, dates and times: one home (survey/formatting.py). Flask-Babel's own date filters are pointed there
    # too, so that a template using them still shows the configured time zone.
    app.jinja_env.filters.update(day=formatting.day, moment=formatting.moment, number=formatting.number,
                                 percent=formatting.percent, dateformat=formatting.day,
                                 datetimeformat=formatting.moment)
    app.jinja_env.globals.update(zone_label=formatting.zone_label)

    @app.context_processor
    def inject_language():
        return {
            "current_lang": str(get_locale()),
            "languages": app.config["LANGUAGES"],
            "label": codebook.label,
            # The proxy, loaded only when a template asks. Flask-Login's own context processor loads the user for
            # every page, and for a session that never signed in (a teacher's) its "strong" protection then marks
            # the cookie to be rewritten and the remember-me cookie to be deleted on every answer.
            "current_user": current_user,
        }
