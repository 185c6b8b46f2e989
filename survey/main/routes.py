"""Home page, language switch and health check."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..reports.worker import queue_health
from . import bp


def _request_text():
    yield request.path
    for _key, values in request.args.lists():
        yield from values
    if request.method in ("POST", "PUT", "PATCH"):
        for _key, values in request.form.lists():
            yield from values
        for upload in request.files.values():
            yield upload.filename or ""


@bp.before_app_request
def refuse_nul_characters():
    """No one types U+0000, and PostgreSQL cannot store it (the query would fail with a 500): a request carrying
    it in the address, a form field or a file name is refused with a 400 page that says why."""
    if any("\x00" in value for value in _request_text()):
        return render_template("error.html", code=400, reason=_(
            "The form contains an invisible control character (NUL) that cannot be saved. Go back, retype the "
            "field or paste it as plain text, and send it again.")), 400


def safe_next(target: str | None, fallback: str) -> str:
    """``target`` when it is a path on this site, else ``fallback`` (no open redirects; no control characters,
    which no Location header may carry)."""
    if not target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    return target


@bp.get("/")
def show_home():
    return render_template("main/home.html")


@bp.get("/lang/<code>")
def switch_language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
    return redirect(safe_next(request.args.get("next"), url_for("main.show_home")))


@bp.get("/healthz")
def check_health():
    """For a monitor, in JSON: 200 when the database answers and the export queue is served, else 503."""
    try:
        db.session.execute(text("SELECT 1"))
        database = True
    except SQLAlchemyError:
        db.session.rollback()
        database = False
    served, exports = queue_health(database)
    healthy = database and served
    return {"status": "ok" if healthy else "unavailable", "database": "ok" if database else "unavailable",
            "exports": exports}, 200 if healthy else 503
