"""Sign-in and password forms (shape checks only; the services decide)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from ..forms import SurveyForm


class SignInForm(SurveyForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    next = HiddenField()
    submit = SubmitField(_l("Sign in"))


class SetPasswordForm(SurveyForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords differ."))])
    submit = SubmitField(_l("Save the password"))


class ChangePasswordForm(SetPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
