"""Sign-in and account forms."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length

from portal.web.forms import PortalForm

from .passwords import MAX_LENGTH


def _lower(value):
    # After the whitespace filter every text field gets (portal.web.forms.PortalForm).
    return value.lower() if isinstance(value, str) else value


def email_field(label="Email address"):
    return EmailField(
        label,
        widget=GovTextInput(),
        filters=[_lower],
        validators=[
            DataRequired("Enter your email address"),
            Email("Enter an email address in the correct format, like name@example.org"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
        ],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )


def code_field(label="Security code"):
    return StringField(
        label,
        description="The 6-digit code from your authenticator app",
        widget=GovTextInput(),
        validators=[DataRequired("Enter the security code from your authenticator app")],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "class": "govuk-input--width-5"},
    )


def password_field(label="Password", autocomplete="current-password", message="Enter your password"):
    return PasswordField(
        label,
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message),
            Length(max=MAX_LENGTH, message=f"Password must be {MAX_LENGTH} characters or fewer"),
        ],
        render_kw={"autocomplete": autocomplete},
    )


class SignInForm(PortalForm):
    email = email_field()
    password = password_field()
    code = code_field()
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class NewPasswordForm(PortalForm):
    password = PasswordField(
        "New password",
        description="Use 12 characters or more. A few unrelated words make a strong password.",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter a new password")],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Confirm your new password"), EqualTo("password", "The passwords do not match")],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class ResetPasswordForm(NewPasswordForm):
    code = code_field()
    submit = SubmitField("Reset password", widget=GovSubmitInput())


class EnrolCodeForm(PortalForm):
    code = code_field("Code from your authenticator app")
    submit = SubmitField("Confirm", widget=GovSubmitInput())


class ForgotPasswordForm(PortalForm):
    email = email_field()
    submit = SubmitField("Send reset link", widget=GovSubmitInput())


class ConfirmIdentityForm(PortalForm):
    password = password_field()
    code = code_field()
    submit = SubmitField("Continue", widget=GovSubmitInput())


class PasswordOnlyForm(PortalForm):
    password = password_field("Your current password")
    submit = SubmitField("Continue", widget=GovSubmitInput())
