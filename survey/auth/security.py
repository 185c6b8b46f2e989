"""Security headers on every answer (a CSP without inline script, no framing, a strict referrer policy), and the
client address behind a reverse proxy (the sign-in rate limit and the audit log key on it)."""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

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


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
    app.after_request(forbid_storing)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        # Without this, every visitor behind the proxy shares its address: one rate limit for all, no real IPs.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    if app.config.get("SURVEY_ENV") == "production":
        @app.after_request
        def add_hsts(response: Response) -> Response:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
            return response
