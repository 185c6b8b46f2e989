"""The staffing forecast and the AI-training plan for administrators (issue 18): a page per place in their scope
with the assumptions they can change, and the growth table they type or upload (blueprint ``plans``)."""

from flask import Blueprint

bp = Blueprint("plans", __name__, url_prefix="/admin/plans")

from . import routes  # noqa: E402,F401
