"""Forms of the trawl (GOV.UK widgets). Every one binds only the fields it declares."""

from __future__ import annotations

import re
from datetime import time

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.web.fields import GovDateField, SubmissionField, options
from portal.web.forms import PortalForm

from .chronology_io import LIMITS
from .models import SUBJECT_ROLES

SUBJECT_SLOTS = 6
MESSAGE_MAX = 4000
NOTE_MAX = 4000
SUMMARY_MAX = 10000
_TIME = re.compile(r"([01]?[0-9]|2[0-3])[:.]([0-5][0-9])")


def _date_given(message: str):
    """A date the form needs. Not ``DataRequired``: that marks the field ``required``, which the
    date input writes on its <div>, where HTML does not allow it."""

    def check(form, field):
        if field.data is None and not field.errors:
            raise ValidationError(message)

    return check


def _length(limit: int, what: str):
    return Length(max=limit, message=f"{what} must be {limit} characters or fewer")


class CirculateForm(PortalForm):
    submission = SubmissionField()
    list_ids = SelectMultipleField(
        "Saved lists of agencies",
        widget=GovCheckboxesInput(),
        coerce=int,
        description="Every agency on a list you select is sent a request.",
    )
    organisation_ids = SelectMultipleField(
        "Agencies", widget=GovCheckboxesInput(), coerce=int, description="Select each agency to ask."
    )
    scope_from = GovDateField("Start of the period the trawl covers", not_future=True)
    scope_to = GovDateField("End of the period the trawl covers", not_future=True)
    due_on = GovDateField("Date the returns are due", description="Working days from today by default.")
    message = TextAreaField(
        "Message to the agencies (optional)",
        widget=GovCharacterCount(),
        description="What the review asks of them. Do not include real names: the request shows them to the agency.",
        validators=[Optional(), _length(MESSAGE_MAX, "The message")],
    )
    submit = SubmitField("Send the requests", widget=GovSubmitInput())


def _subject_fields():
    for slot in range(1, SUBJECT_SLOTS + 1):
        optional = "" if slot == 1 else " (optional)"
        yield (
            f"subject_{slot}_role",
            SelectField(
                f"Person {slot}: role{optional}",
                widget=GovSelect(),
                choices=options([("", "Choose a role")] + list(SUBJECT_ROLES.items())),
                validators=[Optional()],
            ),
        )
        yield (
            f"subject_{slot}_pseudonym",
            StringField(
                f"Person {slot}: pseudonym{optional}",
                widget=GovTextInput(),
                description="For example, Adult A. Never a real name.",
                validators=[Optional(), _length(80, "A pseudonym")],
            ),
        )
        yield (
            f"subject_{slot}_identity",
            SelectField(f"Person {slot}: recorded real name (optional)", widget=GovSelect(), coerce=int),
        )


for _name, _field in _subject_fields():
    setattr(CirculateForm, _name, _field)


def subject_slots(form) -> list[tuple]:
    """The (role, pseudonym, identity) fields of each slot, for the template and the route."""
    return [
        (
            getattr(form, f"subject_{slot}_role"),
            getattr(form, f"subject_{slot}_pseudonym"),
            getattr(form, f"subject_{slot}_identity"),
        )
        for slot in range(1, SUBJECT_SLOTS + 1)
    ]


class AddRequestForm(PortalForm):
    submission = SubmissionField()
    organisation_id = SelectField(
        "Agency", widget=GovSelect(), coerce=int, validators=[DataRequired("Select an agency")]
    )
    due_on = GovDateField("Date the return is due")
    submit = SubmitField("Send the request", widget=GovSubmitInput())


class ReturnForm(PortalForm):
    """The answers of a return; one radio per subject is added by ``return_form``."""

    version = HiddenField()
    involvement_from = GovDateField("Start of your agency's involvement (if any)", not_future=True)
    involvement_to = GovDateField("End of your agency's involvement (if any)", not_future=True)
    summary = TextAreaField(
        "Summary of your agency's involvement",
        widget=GovCharacterCount(),
        description="Facts, not opinions: who had contact, when, and why. Leave empty for a nil return.",
        validators=[Optional(), _length(SUMMARY_MAX, "The summary")],
    )
    save = SubmitField("Save as draft", widget=GovSubmitInput())


def return_form(subjects, **kwargs) -> ReturnForm:
    class Answers(ReturnForm):
        pass

    for subject in subjects:
        setattr(
            Answers,
            f"contact_{subject.id}",
            RadioField(
                f"Did your agency have contact with {subject.label} in the period?",
                widget=GovRadioInput(),
                choices=options([("yes", "Yes"), ("no", "No")]),
                validators=[Optional()],
            ),
        )
    return Answers(**kwargs)


def _time(form, field):
    if field.data and not _TIME.fullmatch(field.data):
        raise ValidationError("Enter the time as hours and minutes, for example 14:30")


def parse_time(value: str | None) -> time | None:
    match = _TIME.fullmatch(value or "")
    return time(int(match.group(1)), int(match.group(2))) if match else None


class RowForm(PortalForm):
    """One chronology row (adding carries a one-time token; editing a version)."""

    occurred_on = GovDateField("Date", not_future=True, validators=[_date_given("Enter the date of the event")])
    occurred_at = StringField(
        "Time (optional)",
        widget=GovTextInput(),
        description="24-hour clock, for example 14:30",
        validators=[Optional(), _time],
        render_kw={"class": "govuk-input--width-5"},
    )
    subject = SelectField(
        "Who it was about", widget=GovSelect(), validators=[DataRequired("Select who the event was about")]
    )
    practitioner = StringField(
        "Practitioner or role",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter the practitioner or their role"),
            _length(LIMITS["practitioner"], "Practitioner or role"),
        ],
    )
    contact_type = StringField(
        "Event or contact type",
        widget=GovTextInput(),
        description="For example: home visit, phone call, GP appointment, 999 call.",
        validators=[
            DataRequired("Enter the event or contact type"),
            _length(LIMITS["contact_type"], "The event or contact type"),
        ],
    )
    what_happened = TextAreaField(
        "What happened",
        widget=GovTextArea(),
        validators=[DataRequired("Enter what happened"), _length(LIMITS["what_happened"], "What happened")],
    )
    action_taken = TextAreaField(
        "Action taken or outcome",
        widget=GovTextArea(),
        description="Or why no action was taken.",
        validators=[
            DataRequired("Enter the action taken or the outcome"),
            _length(LIMITS["action_taken"], "The action taken"),
        ],
    )
    source_reference = StringField(
        "Source record reference",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter the source record reference"),
            _length(LIMITS["source_reference"], "The source record reference"),
        ],
    )


class AddRowForm(RowForm):
    submission = SubmissionField()
    submit = SubmitField("Add the row", widget=GovSubmitInput())


class EditRowForm(RowForm):
    version = HiddenField()
    submit = SubmitField("Save the row", widget=GovSubmitInput())


class RemoveRowForm(PortalForm):
    version = HiddenField()
    submit = SubmitField("Remove", widget=GovSubmitInput())


class _OnARequestPage(PortalForm):
    """A form that shares the request page with others: its fields carry a prefix, so that their
    ids (``version``, ``submit``) are not repeated on the page."""

    PREFIX = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", self.PREFIX)
        super().__init__(*args, **kwargs)


class AcknowledgeForm(_OnARequestPage):
    PREFIX = "acknowledge"

    submit = SubmitField("Acknowledge the request", widget=GovSubmitInput())


class SubmitReturnForm(PortalForm):
    version = HiddenField()
    name = StringField(
        "Your name", widget=GovTextInput(), validators=[DataRequired("Enter your name"), _length(200, "Your name")]
    )
    role = StringField(
        "Your role", widget=GovTextInput(), validators=[DataRequired("Enter your role"), _length(200, "Your role")]
    )
    confirmed = BooleanField(
        "The information in this return is complete and accurate to the best of my knowledge",
        widget=GovCheckboxInput(),
        validators=[DataRequired("Confirm that the return is complete and accurate")],
    )
    submit = SubmitField("Submit the return", widget=GovSubmitInput())


class MoreInfoForm(_OnARequestPage):
    PREFIX = "more"
    version = HiddenField()
    note = TextAreaField(
        "What more information is needed",
        widget=GovTextArea(),
        validators=[DataRequired("Say what more information is needed"), _length(NOTE_MAX, "The note")],
    )
    due_on = GovDateField("New due date", description="The agency is reminded as before.")
    submit = SubmitField("Ask for more information", widget=GovSubmitInput())


class AcceptForm(_OnARequestPage):
    PREFIX = "accept"
    version = HiddenField()
    submit = SubmitField("Accept the return", widget=GovSubmitInput())


class AgencyListForm(PortalForm):
    submission = SubmissionField()
    name = StringField(
        "Name of the list",
        widget=GovTextInput(),
        description="For example, Standard Leicestershire trawl.",
        validators=[DataRequired("Enter a name for the list"), _length(120, "The name")],
    )
    organisation_ids = SelectMultipleField("Agencies on the list", widget=GovCheckboxesInput(), coerce=int)
    submit = SubmitField("Save the list", widget=GovSubmitInput())


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ChronologyFilterForm(PortalForm):
    """The merged chronology's filters (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    # A filter value that is not offered is ignored, not an error (an old bookmark, a typed URL).
    agency = SelectField("Agency", widget=GovSelect(), coerce=_int_or_none, validate_choice=False)
    subject = SelectField("Subject", widget=GovSelect(), validate_choice=False)
    date_from = GovDateField("From", validators=[Optional()])
    date_to = GovDateField("To", validators=[Optional()])
    submit = SubmitField("Filter", widget=GovSubmitInput())


class ImportForm(PortalForm):
    """The chronology import: the file itself is read from ``request.files`` (chronology_io checks it)."""

    submit = SubmitField("Import the rows", widget=GovSubmitInput())


class ImrRequestForm(PortalForm):
    submission = SubmissionField()
    author_name = StringField(
        "Name of the IMR's author",
        widget=GovTextInput(),
        description="Someone independent of the case in the agency.",
        validators=[DataRequired("Enter the name of the IMR's author"), _length(200, "The name")],
    )
    due_on = GovDateField("Date the IMR is due", validators=[_date_given("Enter the date the IMR is due")])
    terms = TextAreaField(
        "Terms of reference",
        widget=GovCharacterCount(),
        description="What the IMR must cover. You can also attach the terms of reference as a file.",
        validators=[Optional(), _length(MESSAGE_MAX, "The terms of reference")],
    )
    submit = SubmitField("Ask for the IMR", widget=GovSubmitInput())


class ImrDecisionForm(_OnARequestPage):
    PREFIX = "imr"
    version = HiddenField()
    decision = RadioField(
        "Your decision",
        widget=GovRadioInput(),
        choices=options([("accept", "Accept the IMR"), ("return", "Return it for changes")]),
        validators=[DataRequired("Choose whether to accept the IMR or return it for changes")],
    )
    note = TextAreaField(
        "What needs to change (if returning it)",
        widget=GovTextArea(),
        validators=[Optional(), _length(NOTE_MAX, "The note")],
    )
    submit = SubmitField("Save the decision", widget=GovSubmitInput())
