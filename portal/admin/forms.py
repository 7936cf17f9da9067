"""Forms for administering accounts and organisations."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from portal.auth.forms import email_field
from portal.authz.policy import SYSTEM_ROLES
from portal.web.fields import SubmissionField, options
from portal.web.forms import PortalForm

from .models import ORGANISATION_TYPES

SYSTEM_ROLE_CHOICES = [
    ("none", "None - access comes from case roles, agency contact or CSP lead"),
    ("business_office", f"{SYSTEM_ROLES['business_office']} - runs every review"),
    ("admin", f"{SYSTEM_ROLES['admin']} - accounts, organisations and the audit trail"),
]


class InviteUserForm(PortalForm):
    submission = SubmissionField()
    name = StringField(
        "Full name",
        widget=GovTextInput(),
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
        choices=options(SYSTEM_ROLE_CHOICES),
        default="none",
        validators=[DataRequired("Select a system role")],
    )
    submit = SubmitField("Send invitation", widget=GovSubmitInput())


class EditUserForm(PortalForm):
    """What an administrator may change about an account (not its name, e-mail or credentials)."""

    organisation_id = SelectField(
        "Organisation", widget=GovSelect(), coerce=int, validators=[DataRequired("Select the person's organisation")]
    )
    system_role = RadioField(
        "System role",
        widget=GovRadioInput(),
        choices=options(SYSTEM_ROLE_CHOICES),
        validators=[DataRequired("Select a system role")],
    )
    is_agency_contact = BooleanField(
        "Agency contact: answers this organisation's information requests and actions", widget=GovCheckboxInput()
    )
    led_csps = SelectMultipleField(
        "CSP lead for",
        widget=GovCheckboxesInput(),
        coerce=int,
        description="A CSP lead follows every review their partnership owns.",
    )
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class OrganisationForm(PortalForm):
    submission = SubmissionField()
    name = StringField(
        "Organisation name",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter the organisation's name"),
            Length(max=160, message="Name must be 160 characters or fewer"),
        ],
    )
    type = SelectField(
        "Type of organisation",
        widget=GovSelect(),
        choices=options([("", "Select a type")] + list(ORGANISATION_TYPES.items())),
        validators=[DataRequired("Select the type of organisation")],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class CSPForm(PortalForm):
    submission = SubmissionField()
    name = StringField(
        "Partnership name",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter the partnership's name"),
            Length(max=160, message="Name must be 160 characters or fewer"),
        ],
    )
    area = StringField(
        "Area",
        description="The district or county it covers, for example Charnwood",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter the area the partnership covers"),
            Length(max=120, message="Area must be 120 characters or fewer"),
        ],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class ConfirmForm(PortalForm):
    """An empty form: a button and its CSRF token."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())
