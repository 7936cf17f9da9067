"""Forms of the drafts area (GOV.UK widgets). Files come through the document store."""

from __future__ import annotations

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import HiddenField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from portal.web.fields import GovDateField, SubmissionField, options
from portal.web.forms import PortalForm

from .models import COMMENT_STATUSES, CONTACT_METHODS, CONTACT_PARTIES, DOCUMENT_KINDS

NOTE_MAX = 2000
TEXT_MAX = 10000
NO_NAMES = "Do not include real names: use the case reference or pseudonym."


def _date_required(message: str):
    """A date must be given. Not ``InputRequired``: its ``required`` flag would land on the date
    input's <div>, which HTML does not allow (the GOV.UK macro writes attributes there)."""

    def check(form, field):
        if field.data is None and not field.errors:
            raise ValidationError(message)

    return check


def _length(label: str, limit: int):
    return Length(max=limit, message=f"{label} must be {limit} characters or fewer")


class UploadForm(PortalForm):
    submission = SubmissionField()
    kind = RadioField(
        "Which document is this a version of?",
        widget=GovRadioInput(),
        choices=options(DOCUMENT_KINDS.items()),
        validators=[InputRequired("Select which document this is a version of")],
    )
    title = StringField(
        "Name of the other document",
        widget=GovTextInput(),
        description="Only for other documents, for example 'Chronology summary'.",
        validators=[_length("The name", 120)],
    )
    note = TextAreaField(
        "What changed in this version",
        widget=GovTextArea(),
        description=f"Optional. A short note for the panel. {NO_NAMES}",
        validators=[_length("The note", NOTE_MAX)],
    )
    file = FileField(
        "Upload the draft",
        widget=GovFileInput(),
        description="A Word (DOCX) or PDF file. Files with macros cannot be uploaded.",
        render_kw={"accept": ".docx,.pdf"},
    )
    submit = SubmitField("Upload draft", widget=GovSubmitInput())


class CirculateForm(PortalForm):
    # Each form's button has its own name: several forms share the version page (one id each).
    submission = SubmissionField()
    deadline = GovDateField(
        "Comments due by",
        description="The last day the panel can comment. For example, 27 3 2026",
        validators=[_date_required("Enter the date comments are due by")],
    )
    circulate = SubmitField("Circulate to the panel", widget=GovSubmitInput())


class ExtendForm(PortalForm):
    version = HiddenField()
    deadline = GovDateField(
        "New deadline for comments",
        description="Later than the current deadline. For example, 3 4 2026",
        validators=[_date_required("Enter the new deadline for comments")],
    )
    extend = SubmitField("Extend the deadline", widget=GovSubmitInput())


class CommentForm(PortalForm):
    submission = SubmissionField()
    location = StringField(
        "Where in the draft",
        widget=GovTextInput(),
        description="A section, paragraph or page, for example 'Section 4, paragraph 4.12' or 'page 17'.",
        validators=[InputRequired("Enter where in the draft your comment is about"), _length("Where", 200)],
    )
    text = TextAreaField(
        "Comment",
        widget=GovCharacterCount(),
        validators=[InputRequired("Enter your comment"), _length("The comment", TEXT_MAX)],
    )
    submit = SubmitField("Add comment", widget=GovSubmitInput())


class NoFurtherCommentsForm(PortalForm):
    no_further = SubmitField("I have no further comments", widget=GovSubmitInput())


class AnswerForm(PortalForm):
    version = HiddenField()
    status = RadioField(
        "Status",
        widget=GovRadioInput(),
        choices=options(COMMENT_STATUSES.items()),
        validators=[InputRequired("Select the status of the comment")],
    )
    reason = TextAreaField(
        "Why it is not accepted",
        widget=GovTextArea(),
        description="Needed when the comment is not accepted.",
        validators=[_length("The reason", NOTE_MAX)],
    )
    reply = TextAreaField("Reply to the reader", widget=GovTextArea(), validators=[_length("The reply", TEXT_MAX)])
    submit = SubmitField("Save answer", widget=GovSubmitInput())


YES_NO = [("yes", "Yes"), ("no", "No")]


class ContactForm(PortalForm):
    """One entry of the contact log. Creating carries a token; editing carries the row's version."""

    party = RadioField(
        "Contact with",
        widget=GovRadioInput(),
        choices=options(CONTACT_PARTIES.items()),
        validators=[InputRequired("Select who the contact was with")],
    )
    contact_on = GovDateField(
        "Date of the contact",
        not_future=True,
        description="For example, 12 2 2026",
        validators=[_date_required("Enter the date of the contact")],
    )
    who = StringField(
        "Who, by role",
        widget=GovTextInput(),
        description="For example 'victim's sister' or 'independent author and chair'. A name is not needed.",
        validators=[InputRequired("Enter who took part, by role"), _length("Who", 200)],
    )
    method = RadioField(
        "How",
        widget=GovRadioInput(),
        choices=options(CONTACT_METHODS.items()),
        validators=[InputRequired("Select how the contact was made")],
    )
    advocate = StringField(
        "Advocate involved",
        widget=GovTextInput(),
        description="Optional. For example 'AAFDA advocate'.",
        validators=[_length("The advocate", 200)],
    )
    discussed = TextAreaField(
        "What was discussed",
        widget=GovTextArea(),
        description="For example the terms of reference, the draft, the choice of pseudonym.",
        validators=[_length("What was discussed", TEXT_MAX)],
    )
    views = TextAreaField("The family's views", widget=GovTextArea(), validators=[_length("The views", TEXT_MAX)])
    offered_report = RadioField(
        "Was the family offered the report to read before submission?",
        widget=GovRadioInput(),
        choices=options(YES_NO),
        validators=[InputRequired("Select whether the family was offered the report to read")],
    )
    offered_on = GovDateField("Date it was offered (optional)", not_future=True, validators=[Optional()])
    submit = SubmitField("Save entry", widget=GovSubmitInput())


class NewContactForm(ContactForm):
    submission = SubmissionField()


class EditContactForm(ContactForm):
    version = HiddenField()
