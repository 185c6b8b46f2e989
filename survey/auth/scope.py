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


def visible_district_ids(user: User) -> sa.Select:
    """A SELECT of the ids of the districts wholly inside the user's scope (none for a director)."""
    query = sa.select(District.id)
    if user.role == Role.NATIONAL_ADMIN:
        return query
    if user.role == Role.REGION_ADMIN:
        return query.where(District.region_id == user.region_id)
    if user.role == Role.DISTRICT_ADMIN:
        return query.where(District.id == user.district_id)
    return query.where(sa.false())


# The roles each administrator may give, and so the users each may manage: always a lower rank, inside the scope.
GRANTABLE_ROLES: dict[Role, tuple[Role, ...]] = {
    Role.NATIONAL_ADMIN: (Role.NATIONAL_ADMIN, Role.REGION_ADMIN, Role.DISTRICT_ADMIN, Role.DIRECTOR),
    Role.REGION_ADMIN: (Role.DISTRICT_ADMIN, Role.DIRECTOR),
    Role.DISTRICT_ADMIN: (Role.DIRECTOR,),
    Role.DIRECTOR: (),
}


def manageable_user_ids(user: User) -> sa.Select:
    """A SELECT of the ids of the users ``user`` may see and change: a role it may grant, with a scope inside its own.
    Never the user itself (no one demotes or deactivates their own account by accident)."""
    query = sa.select(User.id).where(User.role.in_(GRANTABLE_ROLES[user.role]), User.id != user.id)
    if user.role == Role.NATIONAL_ADMIN:
        return query
    return query.where(sa.or_(
        User.district_id.in_(visible_district_ids(user)),
        User.organization_id.in_(visible_organization_ids(user)),
    ))


def get_managed_user_or_404(user: User, user_id: int) -> User:
    """Another user the administrator may manage, or 404 (outside the scope looks the same as absent)."""
    found = db.session.scalar(sa.select(User).where(User.id == user_id, User.id.in_(manageable_user_ids(user))))
    if found is None:
        abort(404)
    return found


def scope_within(user: User, scope: dict) -> bool:
    """Whether a scope from ``auth.services.resolve_scope`` lies inside ``user``'s scope with a role it may grant."""
    role = scope["role"]
    if role not in GRANTABLE_ROLES[user.role]:
        return False
    if scope.get("region") is not None:
        return user.role == Role.NATIONAL_ADMIN
    if scope.get("district") is not None:
        return db.session.scalar(
            sa.select(sa.literal(True)).where(District.id == scope["district"].id,
                                              District.id.in_(visible_district_ids(user)))) is not None
    if scope.get("organization") is not None:
        return can_see_organization(user, scope["organization"].id)
    return user.role == Role.NATIONAL_ADMIN
