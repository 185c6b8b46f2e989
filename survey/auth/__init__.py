"""Accounts, roles and scope. ``scope.visible_organization_ids`` is the one way to decide what a user may see."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from . import routes  # noqa: E402,F401
