"""Scope: which organizations a user may see. Every list, page, download and export goes through here."""

from __future__ import annotations

from functools import wraps

import sqlalchemy as sa
from flask import abort
from flask_login import current_user, login_required

from ..codebook import Role
from ..extensions import db
from ..models import District, Organization, User


def visible_organization_ids(user: User) -> sa.Select:
    """A SELECT of the ids of the organizations ``user`` may see (use with ``Organization.id.in_(...)``)."""
    query = sa.select(Organization.id)
    if user.role == Role.NATIONAL_ADMIN:
        return query
    if user.role == Role.REGION_ADMIN:
        return query.join(District, Organization.district_id == District.id).where(
            District.region_id == user.region_id)
    if user.role == Role.DISTRICT_ADMIN:
        return query.where(Organization.district_id == user.district_id)
    if user.role == Role.DIRECTOR:
        return query.where(Organization.id == user.organization_id)
    return query.where(sa.false())


def scoped_organizations(user: User) -> sa.Select:
    """A SELECT of Organization rows within the user's scope."""
    return sa.select(Organization).where(Organization.id.in_(visible_organization_ids(user)))


def can_see_organization(user: User, organization_id: int) -> bool:
    return db.session.scalar(
        sa.select(sa.literal(True)).where(
            Organization.id == organization_id, Organization.id.in_(visible_organization_ids(user))
        )
    ) is not None


def get_organization_or_404(user: User, organization_id: int) -> Organization:
    """The organization, or 404 when it does not exist or lies outside the user's scope (never 403: no probing)."""
    if not can_see_organization(user, organization_id):
        abort(404)
    return db.session.get(Organization, organization_id)


def roles_required(*roles: Role):
    """Route decorator: signed in (else redirect to sign-in) and one of ``roles`` (else 403)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


ADMIN_ROLES = (Role.NATIONAL_ADMIN, Role.REGION_ADMIN, Role.DISTRICT_ADMIN)
