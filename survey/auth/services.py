"""Accounts: check credentials, create users, set passwords, one-time links, scope changes. The caller commits."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import smtplib
from email.message import EmailMessage
from functools import cache

import sqlalchemy as sa
import sqlalchemy.orm
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from .. import audit
from ..codebook import Role
from ..extensions import db
from ..models import District, Organization, Region, User
from ..passwords import hash_password, verify_password

MIN_PASSWORD_LENGTH = 10
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LINK_AGES = {"invite": dt.timedelta(days=7), "reset": dt.timedelta(hours=24)}


@cache
def _dummy_hash() -> str:
    """Verifying against a fixed hash when the e-mail is unknown keeps the answer time the same (no e-mail probing).
    Made on first use: at import it cost every process, each CLI command included, half a second of argon2."""
    return hash_password("not-a-password-of-anyone")


class AccountError(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def normalize_email(email: str | None) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, else None (the caller says one message for every failure).
    Audited either way."""
    user = find_user(email)
    if user is None or not user.is_active or not user.password_hash:
        verify_password(_dummy_hash(), password)
        user = None
    elif not verify_password(user.password_hash, password):
        user = None
    if user is None:
        audit.record("auth.sign_in_failed", by=normalize_email(email)[:254])
        return None
    user.last_login_at = dt.datetime.now(dt.timezone.utc)
    audit.record("auth.sign_in", by=user)
    return user


def check_password_rules(password: str, email: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(_l("The password must have at least %(n)s characters.", n=MIN_PASSWORD_LENGTH))
    if normalize_email(password) == normalize_email(email):
        raise AccountError(_l("The password must not be the e-mail address."))


def end_sessions(user: User) -> None:
    """Sign the account out everywhere: every session cookie issued before stops working."""
    user.session_generation = (user.session_generation or 0) + 1


def sign_out_everywhere(user: User) -> None:
    """The user signs out: this session, any copy of its cookie, and the account's other sessions end."""
    audit.record("auth.sign_out", by=user)
    end_sessions(user)


def set_password(user: User, password: str) -> None:
    """A new password ends every session signed in with the old one (the caller signs the current one in again)."""
    check_password_rules(password, user.email)
    user.password_hash = hash_password(password)
    end_sessions(user)


def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise AccountError(_l("The current password is not correct."))
    set_password(user, new)
    audit.record("auth.password_change", by=user, target=user)


def accept_link(user: User, purpose: str, password: str) -> None:
    """The password set with an invitation or reset link (``purpose``: "invite" or "reset")."""
    set_password(user, password)
    audit.record(f"auth.{purpose}_accepted", by=user, target=user)


def build_scope(role: Role | str, *, region: Region | None = None, district: District | None = None,
                organization: Organization | None = None) -> dict:
    """The scope columns of a user, after checking that the place given fits the role."""
    try:
        role = Role(role)
    except ValueError as exc:
        raise AccountError(_l("Unknown role: %(role)s", role=role)) from exc
    given = {"region": region, "district": district, "organization": organization}
    needs = {Role.NATIONAL_ADMIN: None, Role.REGION_ADMIN: "region", Role.DISTRICT_ADMIN: "district",
             Role.DIRECTOR: "organization"}[role]
    if needs is not None and given[needs] is None:
        raise AccountError({
            "region": _l("A region administrator needs a region."),
            "district": _l("A district administrator needs a district."),
            "organization": _l("A director needs an organization (its BIN)."),
        }[needs])
    if any(value is not None for name, value in given.items() if name != needs):
        raise AccountError(_l("The place does not fit the role: a national administrator has none, a region "
                              "administrator a region, a district administrator a district, a director an "
                              "organization."))
    scope: dict = {"role": role, "region": None, "district": None, "organization": None}
    if needs is not None:
        scope[needs] = given[needs]
    return scope


def resolve_scope(role: Role | str, *, region: str | None = None, district: str | None = None,
                  org_bin: str | None = None) -> dict:
    """``build_scope`` from the names of a region or district (a region narrows a district) or a BIN."""
    def same(a: str, b: str) -> bool:  # casefold in Python: SQLite's lower() leaves Cyrillic alone
        return a.strip().casefold() == b.strip().casefold()

    found: dict = {}
    if region and Role(role) != Role.DISTRICT_ADMIN:
        found["region"] = next((r for r in db.session.scalars(sa.select(Region)) if same(r.name, region)), None)
        if found["region"] is None:
            raise AccountError(_l("No region is named %(name)s.", name=region))
    if district:
        districts = [d for d in db.session.scalars(sa.select(District).options(sa.orm.joinedload(District.region)))
                     if same(d.name, district) and (not region or same(d.region.name, region))]
        if not districts:
            raise AccountError(_l("No district is named %(name)s.", name=district))
        if len(districts) > 1:
            raise AccountError(_l("Several districts are named %(name)s: give the region too.", name=district))
        found["district"] = districts[0]
    if org_bin:
        found["organization"] = find_organization(org_bin)
    return build_scope(role, **found)


def find_organization(org_bin: str) -> Organization:
    organization = db.session.scalar(sa.select(Organization).where(Organization.bin == org_bin.strip()))
    if organization is None:
        raise AccountError(_l("No organization has the BIN %(bin)s.", bin=org_bin))
    return organization


def create_user(email: str, scope: dict, *, password: str | None = None, full_name: str | None = None) -> User:
    """A new user with the scope from ``resolve_scope``; without a password the user is invited (a link sets it)."""
    email = normalize_email(email)
    if not EMAIL_PATTERN.match(email) or len(email) > 254:
        raise AccountError(_l("Enter a valid e-mail address."))
    if find_user(email) is not None:
        raise AccountError(_l("A user with the e-mail %(email)s already exists.", email=email))
    user = User(email=email, full_name=(full_name or "").strip() or None, **scope)
    if password is not None:
        set_password(user, password)
    db.session.add(user)
    db.session.flush()
    return user


def change_scope(user: User, scope: dict) -> None:
    for name, value in scope.items():
        setattr(user, name, value)
    db.session.flush()


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"survey-{purpose}-link")


def _fingerprint(user: User) -> str:
    """Changes whenever the password does, so a used link (which sets a password) cannot be used again."""
    return hashlib.sha256((user.password_hash or "none").encode()).hexdigest()[:16]


def make_link_token(user: User, purpose: str) -> str:
    """A signed token for an invitation ('invite') or a password reset ('reset'); valid once, for a limited time."""
    return _serializer(purpose).dumps({"u": user.id, "f": _fingerprint(user)})


def user_from_token(token: str, purpose: str) -> User | None:
    """The active user a still valid, unused link token belongs to, else None."""
    try:
        data = _serializer(purpose).loads(token, max_age=int(LINK_AGES[purpose].total_seconds()))
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    if user is None or not user.is_active or data.get("f") != _fingerprint(user):
        return None
    return user


def smtp_configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def send_mail(to: str, subject: str, body: str) -> bool:
    """Send a plain-text e-mail when SMTP is configured; returns whether it was sent."""
    config = current_app.config
    if not smtp_configured():
        return False
    message = EmailMessage()
    message["From"] = config.get("MAIL_FROM") or config.get("SMTP_USER") or "survey@localhost"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=10) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls()
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        current_app.logger.exception("could not send e-mail to %s", to)
        return False
    return True
