"""Directors: the organization report, roster, progress, sign-off (blueprint ``directors``)."""

from flask import Blueprint

bp = Blueprint("directors", __name__, url_prefix="/director")

from . import routes  # noqa: E402,F401
