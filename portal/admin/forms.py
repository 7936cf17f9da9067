"""Forms for administering accounts and organisations."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from portal.auth.forms import email_field


def _strip(value):
    return " ".join(value.split()) if isinstance(value, str) else value


class InviteUserForm(FlaskForm):
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            DataRequired("Enter the person's full name"),
            Length(max=120, message="Name must be 120 characters or fewer"),
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    email = email_field()
    organisation_id = SelectField(
        "Organisation", widget=GovSelect(), coerce=int, validators=[DataRequired("Select the person's organisation")]
    )
    system_role = RadioField(
        "System role",
        widget=GovRadioInput(),
        choices=[
            ("none", "None - access comes from case roles, agency contact or CSP lead"),
            ("business_office", "Business office - runs every review"),
            ("admin", "Administrator - accounts, organisations and the audit trail"),
        ],
        default="none",
        validators=[DataRequired("Select a system role")],
    )
    submit = SubmitField("Send invitation", widget=GovSubmitInput())


class OrganisationForm(FlaskForm):
    name = StringField(
        "Organisation name",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            DataRequired("Enter the organisation's name"),
            Length(max=160, message="Name must be 160 characters or fewer"),
        ],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    """An empty form: a button and its CSRF token."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())
