"""Sign-in, sign-out, password change, and the pages behind one-time invitation and reset links."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db, limiter
from ..main.routes import safe_next
from . import bp, devices
from .forms import ChangePasswordForm, SetPasswordForm, SignInForm
from .scope import ADMIN_ROLES
from .services import (AccountError, accept_link, authenticate, change_password, find_user, normalize_email,
                       sign_out_everywhere, user_from_token)


def home_for(user) -> str:
    if user.role in ADMIN_ROLES:
        return url_for("admin.show_progress")
    return url_for("directors.show_start")


def _form_status() -> int:
    """A form shown again after a POST was refused answers 422."""
    return 422 if request.method == "POST" else 200


def _sign_in_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


def _submitted_email() -> str:
    return "sign-in:" + normalize_email(request.form.get("email"))[:254]


def _proved_account() -> bool:
    """This browser signed into the account before with its current password (auth.devices): someone else's
    wrong passwords for it do not lock it out."""
    if not devices.has_marks():
        return False
    user = find_user(request.form.get("email") or "")
    return user is not None and devices.has_proved("account", user.id, user.password_hash)


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])  # per address
@limiter.limit(_sign_in_limit, methods=["POST"], key_func=_submitted_email,  # per account, from any address
               exempt_when=_proved_account)
def sign_in():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = SignInForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("Wrong e-mail or password."))
        else:
            login_user(user)
            return devices.remember(redirect(safe_next(form.next.data, home_for(user))), "account", user.id,
                                    user.password_hash)
    return render_template("auth/sign_in.html", form=form), _form_status()


@bp.post("/sign-out")
@login_required
def sign_out():
    """POST only, CSRF-checked by CSRFProtect before the view runs."""
    sign_out_everywhere(current_user)
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.sign_in"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_own_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            change_password(current_user, form.current.data, form.password.data)
        except AccountError as exc:
            db.session.rollback()
            form.password.errors.append(exc.message)
        else:
            login_user(current_user._get_current_object())  # the account's other sessions ended; this one goes on
            flash(_("Your password has been changed."), "info")
            return devices.remember(redirect(home_for(current_user)), "account", current_user.id,
                                    current_user.password_hash)
    return render_template("auth/change_password.html", form=form), _form_status()


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    return _set_password_from_link(token, "invite")


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _set_password_from_link(token, "reset")


def _set_password_from_link(token: str, purpose: str):
    user = user_from_token(token, purpose)
    if user is None:
        return render_template("auth/link_invalid.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            accept_link(user, purpose, form.password.data)
        except AccountError as exc:
            db.session.rollback()
            form.password.errors.append(exc.message)
        else:
            if current_user.is_authenticated:
                logout_user()
            flash(_("Your password has been set. Sign in with it now."), "info")
            return redirect(url_for("auth.sign_in"))
    return render_template("auth/set_password.html", form=form, user=user, purpose=purpose), _form_status()
