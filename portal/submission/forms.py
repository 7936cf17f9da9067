"""Forms of sign-off, submission, quality assurance and publication (GOV.UK widgets)."""

from __future__ import annotations

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import HiddenField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from portal.web.fields import GovDateField, SubmissionField, options
from portal.web.forms import PortalForm

from .models import IDENTIFIER_KINDS, OUTCOMES

NO_NAMES = "Do not include real names: use the case reference or pseudonym."


def _date_required(message: str):
    """A date must be given (not ``InputRequired``: its flag would land on the date's <div>)."""

    def check(form, field):
        if field.data is None and not field.errors:
            raise ValidationError(message)

    return check


class SignOffForm(PortalForm):
    submission = SubmissionField()
    signed_off_on = GovDateField(
        "Date of the CRG sign-off",
        not_future=True,
        description="For example, 27 3 2026",
        validators=[_date_required("Enter the date of the CRG sign-off")],
    )
    overview_version = RadioField(
        "Which version of the Overview Report did the CRG sign off?",
        widget=GovRadioInput(),
        choices=[],
        validators=[InputRequired("Select the version of the Overview Report the CRG signed off")],
    )
    summary_version = RadioField(
        "Which version of the Executive Summary did the CRG sign off?",
        widget=GovRadioInput(),
        choices=[],
        validate_choice=False,  # checked by the service: a version of this review, or none
    )
    note = TextAreaField(
        "Note",
        widget=GovTextArea(),
        description=f"Optional. {NO_NAMES}",
        validators=[Length(max=2000, message="The note must be 2000 characters or fewer")],
    )
    submit = SubmitField("Record the sign-off", widget=GovSubmitInput())


class AmendmentsForm(PortalForm):
    submission = SubmissionField()
    requested_on = GovDateField(
        "Date the CRG asked for further amendments",
        not_future=True,
        description="For example, 27 3 2026",
        validators=[_date_required("Enter the date the CRG asked for further amendments")],
    )
    what = TextAreaField(
        "What is to be amended",
        widget=GovTextArea(),
        description=NO_NAMES,
        validators=[
            InputRequired("Enter what is to be amended"),
            Length(max=5000, message="This must be 5000 characters or fewer"),
        ],
    )
    due_on = GovDateField("Amendments due by", description="Optional. For example, 27 4 2026", years_ahead=2)
    submit = SubmitField("Record the amendments requested", widget=GovSubmitInput())


class SentForm(PortalForm):
    submission = SubmissionField()
    sent_on = GovDateField(
        "Date sent to the Home Office",
        not_future=True,
        description="For example, 27 3 2026",
        validators=[_date_required("Enter the date the pack was sent to the Home Office")],
    )
    commissioner_on = GovDateField(
        "Date a copy went to the Domestic Abuse Commissioner",
        not_future=True,
        description="Optional: you can add it later.",
    )
    submit = SubmitField("Record it sent", widget=GovSubmitInput())


class CommissionerForm(PortalForm):
    version = HiddenField()
    sent_on = GovDateField(
        "Date a copy went to the Domestic Abuse Commissioner",
        not_future=True,
        description="For example, 27 3 2026",
        validators=[_date_required("Enter the date a copy went to the Domestic Abuse Commissioner")],
    )
    submit = SubmitField("Save the date", widget=GovSubmitInput())


class OutcomeForm(PortalForm):
    version = HiddenField()
    outcome = RadioField(
        "What did the Quality Assurance Panel decide?",
        widget=GovRadioInput(),
        choices=options(OUTCOMES.items()),
        validators=[InputRequired("Select the outcome")],
    )
    outcome_on = GovDateField(
        "Date of the feedback letter",
        not_future=True,
        description="For example, 27 3 2026",
        validators=[_date_required("Enter the date of the feedback letter")],
    )
    changes = TextAreaField(
        "Changes required",
        widget=GovTextArea(),
        description=f"One change on each line: each becomes a line of the author's checklist. {NO_NAMES}",
        validators=[Length(max=10000, message="The changes must be 10000 characters or fewer")],
    )
    letter = FileField(
        "Upload the feedback letter",
        widget=GovFileInput(),
        description="A Word (DOCX) or PDF file.",
        render_kw={"accept": ".docx,.pdf"},
    )
    submit = SubmitField("Record the outcome", widget=GovSubmitInput())


class ChangeForm(PortalForm):
    version = HiddenField(validators=[InputRequired("This form is out of date: reload the page")])
    done = HiddenField()
    tick = SubmitField("Save", widget=GovSubmitInput())


class RunCheckForm(PortalForm):
    run = SubmitField("Run the anonymisation check", widget=GovSubmitInput())


class ReasonForm(PortalForm):
    reason = TextAreaField(
        "Why does this stay in the published report?",
        widget=GovTextArea(),
        description="For example, a professional's name the family agreed to.",
        validators=[
            InputRequired("Enter why this stays in the published report"),
            Length(max=2000, message="The reason must be 2000 characters or fewer"),
        ],
    )
    save_reason = SubmitField("Save the reason", widget=GovSubmitInput())


class ReadyForm(PortalForm):
    ready = SubmitField("Mark ready for publication", widget=GovSubmitInput())


class PublicationForm(PortalForm):
    family_told_on = GovDateField(
        "Date the family was told of the publication",
        not_future=True,
        description="For example, 27 3 2026",
        validators=[_date_required("Enter the date the family was told of the publication")],
    )
    published_on = GovDateField(
        "Date published",
        not_future=True,
        description="For example, 27 3 2026",
        validators=[_date_required("Enter the date the report was published")],
    )
    web_address = StringField(
        "Web address of the published report",
        widget=GovTextInput(),
        description="Starting https://",
        validators=[
            InputRequired("Enter the web address where the report is published, starting https://"),
            Length(max=500, message="The web address must be 500 characters or fewer"),
        ],
    )
    takedown_on = GovDateField(
        "Takedown date",
        years_ahead=5,
        description="Optional. Leave it empty for the usual period after publication.",
    )
    submit = SubmitField("Record the publication", widget=GovSubmitInput())


class CloseForm(PortalForm):
    close = SubmitField("Close the review", widget=GovSubmitInput())


class IdentifierForm(PortalForm):
    submission = SubmissionField()
    identity = RadioField(
        "Whose detail is it?",
        widget=GovRadioInput(),
        choices=[],
        validators=[InputRequired("Select whose detail this is")],
    )
    kind = RadioField(
        "What is it?",
        widget=GovRadioInput(),
        choices=options(IDENTIFIER_KINDS.items()),
        validators=[InputRequired("Select what kind of detail this is")],
    )
    value = TextAreaField(
        "The detail",
        widget=GovTextArea(),
        description="A date of birth as 1 March 1980 or 01/03/1980; an address on one or more lines.",
        validators=[
            InputRequired("Enter the detail"),
            Length(max=300, message="The detail must be 300 characters or fewer"),
        ],
    )
    submit = SubmitField("Add the detail", widget=GovSubmitInput())


class RemoveForm(PortalForm):
    remove = SubmitField("Remove", widget=GovSubmitInput())
