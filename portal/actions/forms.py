"""Forms of the action plan: recommendations, actions, the owner's updates, confirmation and return."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from portal.web.fields import GovDateField, NumberField, SubmissionField, options
from portal.web.forms import PortalForm

from .changes import MAX_TEXT
from .models import OWNER_STATUSES, SCOPES, SOURCES, STATUSES


def _text(label: str, hint: str | None = None):
    return TextAreaField(
        label,
        widget=GovTextArea(),
        description=hint,
        validators=[Length(max=MAX_TEXT, message=f"{label} must be {MAX_TEXT} characters or fewer")],
    )


NO_NAMES = "Do not include real names: use the case reference or pseudonym."


class RecommendationForm(PortalForm):
    version = HiddenField()
    number = NumberField(
        "Recommendation number",
        widget=GovTextInput(),
        message="Enter the recommendation's number, for example 3",
        render_kw={"class": "govuk-input--width-3", "inputmode": "numeric"},
    )
    text = _text("Recommendation", NO_NAMES)
    source = RadioField(
        "Where the recommendation comes from",
        widget=GovRadioInput(),
        choices=options([("overview", SOURCES["overview"]), ("imr", "An agency's Individual Management Review (IMR)")]),
        default="overview",
        validators=[Optional()],
    )
    source_agency_id = SelectField(
        "Agency whose IMR made it",
        widget=GovSelect(),
        coerce=int,
        validate_choice=False,
        description="Only for a recommendation from an IMR.",
    )
    scope = RadioField(
        "Scope of recommendation",
        widget=GovRadioInput(),
        choices=options(SCOPES.items()),
        default="local",
        validators=[Optional()],
    )
    theme_ids = SelectMultipleField(
        "Themes", widget=GovCheckboxesInput(), coerce=int, validate_choice=False, description="Select all that apply."
    )
    submit = SubmitField("Save recommendation", widget=GovSubmitInput())


class NewRecommendationForm(RecommendationForm):
    submission = SubmissionField()


class ActionForm(PortalForm):
    version = HiddenField()
    text = _text("Action to take", NO_NAMES)
    lead_agency_id = SelectField(
        "Lead agency",
        widget=GovSelect(),
        coerce=int,
        validate_choice=False,  # the service says which agencies may lead, in words
        description="One of the agencies involved in this review. Its agency contact can update the action.",
    )
    owner_id = SelectField(
        "Owner",
        widget=GovSelect(),
        coerce=int,
        validate_choice=False,
        description="The person who reports progress on this action.",
    )
    milestones = _text("Key milestones", "Optional. The steps that show the recommendation is being enacted.")
    target_date = GovDateField("Target date", description="For example, 31 3 2026", years_ahead=5)
    submit = SubmitField("Save action", widget=GovSubmitInput())


class NewActionForm(ActionForm):
    submission = SubmissionField()


class StatusForm(PortalForm):
    version = HiddenField()
    status = RadioField(
        "Status",
        widget=GovRadioInput(),
        choices=options([(code, STATUSES[code]) for code in OWNER_STATUSES]),
        validators=[Optional()],
    )
    completed_on = GovDateField(
        "Date of completion", not_future=True, description="Only when the action is complete. For example, 27 2 2026"
    )
    outcome = _text("Outcome", "What was done and what changed. Needed when the action is complete.")
    submit = SubmitField("Save status", widget=GovSubmitInput())


class NoteForm(PortalForm):
    submission = SubmissionField()
    noted_on = GovDateField("Date of the progress", not_future=True, description="For example, 27 2 2026")
    note = _text("Progress note", NO_NAMES)
    submit = SubmitField("Add progress note", widget=GovSubmitInput())


class ConfirmForm(PortalForm):
    version = HiddenField()
    submit = SubmitField("Confirm complete", widget=GovSubmitInput())


class ReturnForm(PortalForm):
    version = HiddenField()
    reason = _text("Why the action is returned", "The owner sees this. Say what is still needed.")
    submit = SubmitField("Return to the owner", widget=GovSubmitInput())


class RemoveForm(PortalForm):
    submit = SubmitField("Remove", widget=GovSubmitInput())


class ImportForm(PortalForm):
    """The CSRF token; the file itself is read from ``request.files`` (``template_import.parse_plan`` checks it)."""

    submit = SubmitField("Import the action plan", widget=GovSubmitInput())


class ThemeForm(PortalForm):
    submission = SubmissionField()
    name = StringField(
        "Name of the theme",
        widget=GovTextInput(),
        description="For example: coercive control, risk assessment, information sharing.",
        validators=[Length(max=120, message="The name must be 120 characters or fewer")],
    )
    submit = SubmitField("Add theme", widget=GovSubmitInput())
