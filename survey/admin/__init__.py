"""The administrator console: registry, campaigns, users, progress board and the audit log."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import responses_import, routes  # noqa: E402,F401
