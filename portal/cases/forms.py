"""Forms for the case record, its lifecycle moves and CRG updates (GOV.UK widgets)."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from portal.clock import london_today
from portal.web.fields import EARLIEST, GovDateField, NumberField, SubmissionField, options
from portal.web.forms import PortalForm

from .moves import Move
from .record import STAGE_DATES
from .updates import MAX_UPDATE_LENGTH

DECIDED_TYPES = [
    ("dardr", "Domestic Abuse Related Death Review (DARDR)"),
    ("dhr", "Domestic Homicide Review (DHR): a review that started under the old name"),
]
NOTE_MAX = 4000


def _not_future_year(form, field):
    """The year a death was notified: from the portal's earliest date to this year."""
    this_year = london_today().year
    if field.data is not None and not EARLIEST.year <= field.data <= this_year:
        raise ValidationError(f"Year the death was notified must be between {EARLIEST.year} and {this_year}")


def _long_text(label: str, description: str | None, what: str) -> TextAreaField:
    """A text area of at most NOTE_MAX characters; ``what`` names it in the message when it is longer."""
    return TextAreaField(
        label,
        widget=GovTextArea(),
        description=description,
        validators=[Length(max=NOTE_MAX, message=f"{what} must be {NOTE_MAX} characters or fewer")],
    )


def _note(label: str, required: bool):
    hint = None if required else "Optional. Do not include real names: use the case reference or pseudonym."
    return _long_text(label, hint, label)


def move_form(move: Move, **kwargs) -> PortalForm:
    """A form with exactly the fields ``move`` asks for (nothing else is bound from the request)."""

    class MoveForm(PortalForm):
        submission = SubmissionField()
        version = HiddenField()
        occurred_on = GovDateField(move.date_label, not_future=True)

    if "review_type" in move.extra:
        MoveForm.review_type = RadioField(
            "Type of review", widget=GovRadioInput(), choices=options(DECIDED_TYPES), validators=[Optional()]
        )
    if "reasons" in move.extra:
        MoveForm.reasons = _long_text(
            "Reasons for not holding a review",
            "The Home Office is told of every decision, with the reasons where there is no review.",
            "Reasons",
        )
    if "target_stage" in move.extra:
        MoveForm.target_stage = RadioField(
            "Stage the review returns to",
            widget=GovRadioInput(),
            choices=options((code, target.label) for code, target in move.targets.items()),
            validators=[Optional()],
        )
    if "hold_reason" in move.extra:
        MoveForm.hold_reason = _long_text(
            "Why the review is on hold", "For example: police investigation, criminal trial, inquest.", "The reason"
        )
    if "hold_requested_by" in move.extra:
        MoveForm.hold_requested_by = StringField(
            "Who asked for the hold",
            widget=GovTextInput(),
            description="For example: the Coroner, the Senior Investigating Officer, the CRG.",
            validators=[Length(max=200, message="This must be 200 characters or fewer")],
        )
    MoveForm.note = _note(move.note_label, move.note_required)
    MoveForm.submit = SubmitField("Save", widget=GovSubmitInput())
    return MoveForm(**kwargs)


class CrgUpdateForm(PortalForm):
    submission = SubmissionField()
    # An update may be written ahead of the meeting it is for, within the year.
    meeting_on = GovDateField("Date of the CRG meeting", description="For example, 12 6 2025")
    text = TextAreaField(
        "Update",
        widget=GovCharacterCount(),
        description="What has happened since the last meeting. Do not include real names.",
        validators=[
            Length(max=MAX_UPDATE_LENGTH, message=f"The update must be {MAX_UPDATE_LENGTH} characters or fewer")
        ],
    )
    submit = SubmitField("Add update", widget=GovSubmitInput())


class CaseRecordForm(PortalForm):
    """The key facts of a review. ``NewCaseForm`` adds the reference; editing keeps a version."""

    review_type = RadioField(
        "Type of review",
        widget=GovRadioInput(),
        choices=options([("undecided", "Not yet decided")] + DECIDED_TYPES),
        default="undecided",
        validators=[InputRequired("Select the type of review")],
    )
    pseudonym = StringField(
        "Pseudonym",
        widget=GovTextInput(),
        description="The name the report will use, for example Adult M. Never a real name.",
        validators=[Length(max=80, message="Pseudonym must be 80 characters or fewer")],
    )
    csp_id = SelectField("Community Safety Partnership that owns the review", widget=GovSelect(), coerce=int)
    lead_area = StringField(
        "Lead area, for a review led by another area",
        widget=GovTextInput(),
        description="Only when another area's CSP leads the review and local agencies support it.",
        validators=[Length(max=200, message="Lead area must be 200 characters or fewer")],
    )
    death_on = GovDateField("Date of death", not_future=True)
    csp_notified_on = GovDateField("Date the CSP was notified", not_future=True)
    first_crg_on = GovDateField("Date first presented at CRG", not_future=True)


class NewCaseForm(CaseRecordForm):
    submission = SubmissionField()
    letter = StringField(
        "Case letter",
        widget=GovTextInput(),
        description="The letter the review is known by, for example H for Case H 2025.",
        validators=[InputRequired("Enter the case letter"), Length(max=3, message="Enter one to three letters")],
    )
    year = NumberField(
        "Year the death was notified",
        widget=GovTextInput(),
        message="Enter the year as a number, for example 2025",
        validators=[
            InputRequired("Enter the year the death was notified, for example 2025"),
            _not_future_year,
        ],
    )
    submit = SubmitField("Register the referral", widget=GovSubmitInput())


class EditCaseForm(CaseRecordForm):
    submission = SubmissionField()
    version = HiddenField()
    decision_on = GovDateField("Date of the CRG decision", not_future=True)
    home_office_informed_on = GovDateField("Date the Home Office was informed", not_future=True)
    author_agreed_on = GovDateField("Date the independent author was agreed", not_future=True)
    signed_off_on = GovDateField("Date of the CRG sign-off", not_future=True)
    sent_to_home_office_on = GovDateField("Date sent to the Home Office", not_future=True)
    home_office_outcome_on = GovDateField("Date of the Home Office outcome", not_future=True)
    published_on = GovDateField("Date published", not_future=True)
    closed_on = GovDateField("Date closed", not_future=True)
    submit = SubmitField("Save changes", widget=GovSubmitInput())

    STAGE_DATES = STAGE_DATES
