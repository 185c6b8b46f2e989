"""Console writes: invitations, scope changes, (de)activation. Flush, never commit; the route commits."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..auth.scope import scope_within
from ..auth.services import (AccountError, build_scope, change_scope, create_user, end_sessions, find_organization,
                             make_link_token, send_mail, smtp_configured)
from ..extensions import db
from ..models import District, Region, User


def scope_from_choice(admin: User, role: str, region_id: int | None, district_id: int | None,
                      org_bin: str | None) -> dict:
    """The scope picked in a form, checked against the administrator's own (outside it is refused)."""
    scope = build_scope(
        role,
        region=db.session.get(Region, region_id) if region_id and role == "region_admin" else None,
        district=db.session.get(District, district_id) if district_id and role == "district_admin" else None,
        organization=find_organization(org_bin) if org_bin and role == "director" else None,
    )
    if not scope_within(admin, scope):
        raise AccountError(_l("You may not give this role or place: it lies outside your own scope."))
    return scope


def invite_user(admin: User, email: str, full_name: str | None, scope: dict) -> tuple[User, str, bool]:
    """Create an account without a password; returns the user, the one-time invitation link and whether it was mailed."""
    user = create_user(email, scope, full_name=full_name)
    link = url_for("auth.accept_invitation", token=make_link_token(user, "invite"), _external=True)
    mailed = smtp_configured() and send_mail(
        user.email, _("Invitation to the staffing survey"),
        _("%(admin)s has given you an account in the staffing survey. Set your password with this link "
          "(valid for 7 days, once): %(link)s", admin=admin.email, link=link))
    return user, link, mailed


def reset_link(user: User) -> tuple[str, bool]:
    """A one-time password reset link for ``user``, e-mailed when SMTP is configured."""
    link = url_for("auth.reset_password", token=make_link_token(user, "reset"), _external=True)
    mailed = smtp_configured() and send_mail(
        user.email, _("Password reset for the staffing survey"),
        _("Set a new password with this link (valid for 24 hours, once): %(link)s", link=link))
    return link, mailed


def set_scope(user: User, scope: dict) -> dict:
    """Change a user's role and place; returns what it was, for the audit log."""
    before = {"role": str(user.role), "region_id": user.region_id, "district_id": user.district_id,
              "organization_id": user.organization_id}
    change_scope(user, scope)
    return before


def set_active(user: User, active: bool) -> None:
    if user.is_active == active:
        raise AccountError(_l("Nothing to change: the account is already in that state."))
    user.is_active = active
    if not active:
        end_sessions(user)  # activated again, the account's old sessions stay ended
    db.session.flush()
