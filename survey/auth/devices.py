"""Browsers that proved a secret before: the way through a per-account or per-IIN limit that someone else used up.

The sign-in page limits attempts per account and the resume page per IIN, from any address: that stops guessing
spread over many addresses, but it also lets anyone lock the real person out by posting wrong passwords or codes
for their e-mail or IIN. A browser that once gave the right password (or personal code) keeps a mark, and for that
account (or questionnaire) it is exempt from the per-account (per-IIN) limit; the per-address limit still holds.

A mark is an HMAC under SECRET_KEY of what was proved and of the secret's current stored form (the password hash,
the personal code's salt): it says nothing about the person, cannot be made without the key, and stops counting
when the password or the code changes. The cookie holds the last ``MAX_MARKS`` marks. The trade-off is in the
README (Configuration).
"""

from __future__ import annotations

import hashlib
import hmac

from flask import Response, current_app, request

COOKIE = "survey_device"
MAX_MARKS = 8
MAX_AGE_DAYS = 180


def _mark(kind: str, key: int | str, credential: str) -> str:
    secret = hmac.new(current_app.config["SECRET_KEY"].encode(), b"survey/device-mark/v1", hashlib.sha256).digest()
    return hmac.new(secret, f"{kind}\x00{key}\x00{credential}".encode(), hashlib.sha256).hexdigest()[:32]


def _marks() -> list[str]:
    return [mark for mark in (request.cookies.get(COOKIE) or "").split(".") if mark][:MAX_MARKS]


def has_marks() -> bool:
    """Whether this browser holds any mark (a cheap test before looking up what a mark would be)."""
    return bool(_marks())


def has_proved(kind: str, key: int | str, credential: str | None) -> bool:
    """Whether this browser proved the secret of ``kind`` ``key`` (an account, a questionnaire) as it is now."""
    if not credential:
        return False
    expected = _mark(kind, key, credential)
    return any(hmac.compare_digest(expected, mark) for mark in _marks())


def remember(response: Response, kind: str, key: int | str, credential: str | None) -> Response:
    """Mark this browser on ``response``: it has just proved the secret of ``kind`` ``key``."""
    if not credential:
        return response
    mark = _mark(kind, key, credential)
    marks = [mark] + [other for other in _marks() if other != mark]
    response.set_cookie(COOKIE, ".".join(marks[:MAX_MARKS]), max_age=MAX_AGE_DAYS * 24 * 3600, httponly=True,
                        samesite="Lax", secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    return response
