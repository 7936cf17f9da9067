"""Forms for who is on a case."""

from __future__ import annotations

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.web.fields import GovDateField, SubmissionField, options
from portal.web.forms import PortalForm

from .member_services import IDENTITY_DETAILS
from .models import IDENTITY_ROLES, MEMBER_ROLES

# A date of birth can be long before any review's dates (portal.web.fields.EARLIEST).
BORN_AFTER = date(1900, 1, 1)


class AddMemberForm(PortalForm):
    submission = SubmissionField()
    user_id = SelectField("Person", widget=GovSelect(), coerce=int, validators=[DataRequired("Select a person")])
    role = RadioField(
        "Role on this review",
        widget=GovRadioInput(),
        choices=options(MEMBER_ROLES.items()),
        validators=[DataRequired("Select a role")],
    )
    ends_on = GovDateField(
        "Access ends on (optional)",
        years_ahead=3,  # a review and its action plan can run for years
        description="After this date the person can no longer open the review. For example, 31 3 2027",
        validators=[Optional()],
    )
    submit = SubmitField("Add to review", widget=GovSubmitInput())


class AddAgencyForm(PortalForm):
    submission = SubmissionField()
    organisation_id = SelectField(
        "Agency", widget=GovSelect(), coerce=int, validators=[DataRequired("Select an agency")]
    )
    submit = SubmitField("Add agency", widget=GovSubmitInput())


class AddIdentityForm(PortalForm):
    submission = SubmissionField()
    role = RadioField(
        "Who is this?",
        widget=GovRadioInput(),
        choices=options(IDENTITY_ROLES.items()),
        validators=[DataRequired("Select who this person is")],
    )
    full_name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter the person's full name"),
            Length(max=200, message="Name must be 200 characters or fewer"),
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    relationship_to_victim = StringField(
        "Relationship to the victim (optional)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=120, message="Relationship must be 120 characters or fewer")],
    )
    date_of_birth = GovDateField(
        "Date of birth (optional)",
        not_future=True,
        earliest=BORN_AFTER,
        description="For example, 27 3 1981",
        validators=[Optional()],
    )
    # The GOV.UK address pattern: lines, town, postcode (checked and written "LE1 6ZG" by the service).
    address_line_1 = StringField(
        "Address line 1 (optional)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=200, message="Address line 1 must be 200 characters or fewer")],
        render_kw={"autocomplete": "off"},
    )
    address_line_2 = StringField(
        "Address line 2 (optional)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=200, message="Address line 2 must be 200 characters or fewer")],
        render_kw={"autocomplete": "off"},
    )
    address_town = StringField(
        "Town or city (optional)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=100, message="Town or city must be 100 characters or fewer")],
        render_kw={"autocomplete": "off", "class": "govuk-!-width-two-thirds"},
    )
    postcode = StringField(
        "Postcode (optional)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=10, message="Enter a real postcode, for example LE1 6ZG")],
        render_kw={"autocomplete": "off", "class": "govuk-input--width-10"},
    )
    notes = TextAreaField(
        "Notes (optional)",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=2000, message="Notes must be 2000 characters or fewer")],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())

    def details(self) -> dict:
        """What the service takes, by the model's names."""
        return {name: getattr(self, name).data for name in IDENTITY_DETAILS}


class EditIdentityForm(AddIdentityForm):
    """The same person's details, changed: no one-time token (nothing is created), a version instead."""

    submission = None
    version = HiddenField()


class RemoveForm(PortalForm):
    """A confirmation button and its CSRF token."""

    submit = SubmitField("Remove", widget=GovSubmitInput())
