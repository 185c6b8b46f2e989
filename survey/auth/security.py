"""Security headers on every answer (a CSP without inline script, no framing, a strict referrer policy), the
client address behind a reverse proxy (the sign-in rate limit and the audit log key on it), and answers to garbage
HTTP that are a 400 or a 404 page, never a 500: ids in addresses that no database integer holds, form parts without
a name, a Host header no URL can be built with."""

from __future__ import annotations

from flask import Flask, Request, Response, render_template, request
from flask.globals import request_ctx
from werkzeug.exceptions import BadHost, BadRequest
from werkzeug.formparser import FormDataParser
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

DATABASE_INTEGER_MAX = 2**31 - 1  # ids are INTEGER columns: 32 bits on PostgreSQL, 64 on SQLite

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # Link tokens sit in URLs (invitations, teacher access links): never send them to another site.
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    return response


def forbid_storing(response: Response) -> Response:
    """Pages and downloads carry personal data (answers, staff lists, workbooks): no browser or proxy cache may
    keep them, for the back button on a shared computer after sign-out to find. Every answer of the app is
    ``no-store`` rather than a chosen few, so that a page added later cannot be forgotten; only static files and
    an answer that sets its own lifetime (the access sheet's QR code, no personal data) may be cached."""
    if request.endpoint != "static" and response.cache_control.max_age is None:
        response.headers["Cache-Control"] = "no-store"
    return response


class DatabaseIntegerConverter(IntegerConverter):
    """``<int:…>`` for ids: a number no id column holds matches no route (404), where the database would fail on
    it (past 64 bits a 500 on SQLite, past 32 bits a 503 on PostgreSQL). Installed as the "int" converter before
    any route is added."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", DATABASE_INTEGER_MAX)
        super().__init__(map, *args, **kwargs)


class _NamedPartsParser(FormDataParser):
    """A multipart part without a name used to reach the form as a field named None, on which the CSRF check
    failed with an AttributeError (a 500). Such a body is a bad request."""

    def parse(self, *args, **kwargs):
        stream, form, files = super().parse(*args, **kwargs)
        if None in form or None in files:
            raise BadRequest("a multipart part has no name")
        return stream, form, files


class SurveyRequest(Request):
    form_data_parser_class = _NamedPartsParser


def render_bad_host(error: BadHost):
    """A Host header that no URL can be built with (say 300 characters): the 400 page, with its links built for
    this site's paths rather than for that host (without an URL adapter the page itself would fail)."""
    request_ctx.url_adapter = request_ctx.app.url_map.bind(
        "localhost", script_name=request.script_root or None, url_scheme=request.scheme)
    return render_template("error.html", code=400), 400


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
    app.after_request(forbid_storing)
    app.request_class = SurveyRequest
    app.register_error_handler(BadHost, render_bad_host)
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies:
        # Without this, every visitor behind the proxy shares its address: one rate limit for all, no real IPs.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    if app.config.get("SURVEY_ENV") == "production":
        @app.after_request
        def add_hsts(response: Response) -> Response:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
            return response
