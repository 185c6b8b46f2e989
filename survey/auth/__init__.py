"""Accounts, roles and scope. ``scope.visible_organization_ids`` is the one way to decide what a user may see."""

from flask import Blueprint
from flask_babel import gettext

from ..extensions import login_manager

bp = Blueprint("auth", __name__, url_prefix="/auth")


def N_(message: str) -> str:
    """Mark a message for extraction only (gettext_noop); it is translated when used."""
    return message


# Flask-Login flashes this on the way to the sign-in page, through localize_callback.
login_manager.login_message = N_("Please sign in to see this page.")
login_manager.login_message_category = "info"
login_manager.localize_callback = gettext

from . import routes  # noqa: E402,F401
