"""Staffing workbooks and raw exports: shape rows (rows.py, profiles.py), render them (excel.py), run big ones in
the background (jobs.py), serve them (routes.py)."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from . import routes  # noqa: E402,F401  (register the views)
