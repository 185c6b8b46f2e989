"""Integrity checks for "dead souls": rules → flags (set-based SQL), the review queue, directors' explanations."""

from flask import Blueprint

bp = Blueprint("integrity", __name__, url_prefix="/integrity")

from . import routes  # noqa: E402,F401
