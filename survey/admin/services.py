"""Console writes: invitations, scope changes, (de)activation (campaigns: ``survey.campaigns.services``). Each writes
its own audit record (``by``: who acts, a user or "cli"); they flush, never commit: the request or the command does."""

from __future__ import annotations

from collections.abc import Iterator

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import audit
from ..auth.scope import scope_within
from ..auth.services import (AccountError, build_scope, change_scope, create_user, end_sessions, find_organization,
                             make_link_token, send_mail, smtp_configured)
from ..extensions import db
from ..models import District, Region, User
from . import queries


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
    audit.record("user.invite", by=admin, target=user,
                 details={"email": user.email, "role": str(user.role), "mailed": mailed})
    return user, link, mailed


def create_account(by: audit.Actor, email: str, scope: dict, *, password: str | None,
                   full_name: str | None = None) -> User:
    """An account with its password set (the command line's ``create-user``)."""
    user = create_user(email, scope, password=password, full_name=full_name)
    audit.record("user.create", by=by, target=user, details={"email": user.email, "role": str(user.role)})
    return user


def reset_link(by: audit.Actor, user: User) -> tuple[str, bool]:
    """A one-time password reset link for ``user``, e-mailed when SMTP is configured."""
    link = url_for("auth.reset_password", token=make_link_token(user, "reset"), _external=True)
    mailed = smtp_configured() and send_mail(
        user.email, _("Password reset for the staffing survey"),
        _("Set a new password with this link (valid for 24 hours, once): %(link)s", link=link))
    audit.record("user.reset_link", by=by, target=user, details={"email": user.email, "mailed": mailed})
    return link, mailed


def _place(user: User) -> dict:
    return {"role": str(user.role), "region_id": user.region_id, "district_id": user.district_id,
            "organization_id": user.organization_id}


def set_scope(by: audit.Actor, user: User, scope: dict) -> None:
    """Change a user's role and place."""
    before = _place(user)
    change_scope(user, scope)
    audit.record("user.change_scope", by=by, target=user,
                 details={"email": user.email, "before": before, "after": _place(user)})


def set_active(by: audit.Actor, user: User, active: bool) -> None:
    if user.is_active == active:
        raise AccountError(_l("Nothing to change: the account is already in that state."))
    user.is_active = active
    if not active:
        end_sessions(user)  # activated again, the account's old sessions stay ended
    db.session.flush()
    audit.record("user.activate" if active else "user.deactivate", by=by, target=user,
                 details={"email": user.email})


# ---- the audit log -----------------------------------------------------------------------------------------------

def export_audit_log(by: audit.Actor, filters: queries.AuditFilters) -> Iterator:
    """The audit events the filters find, to be streamed as CSV, and the audit record of that download (a GET: the
    record is written on its own, ``audit.record_access``): up to the last event there was when it began."""
    count, last_id = queries.audit_export_bounds(filters)
    audit.record_access("audit.export", by=by, details={"filters": filters.as_dict(), "rows": count})
    return queries.iter_audit_events(filters, last_id)
