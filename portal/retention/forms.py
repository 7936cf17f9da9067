"""Forms of the retention pages (GOV.UK widgets)."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea, GovTextInput
from wtforms import HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from portal.web.fields import GovDateField
from portal.web.forms import PortalForm

REASON_MAX = 2000
NO_NAMES = "Do not include real names: use the case reference or pseudonym."


def _reason(label: str, missing: str) -> TextAreaField:
    return TextAreaField(
        label,
        widget=GovTextArea(),
        description=NO_NAMES,
        validators=[
            InputRequired(message=missing),
            Length(max=REASON_MAX, message=f"The reason must be {REASON_MAX} characters or fewer"),
        ],
    )


def _date_required(form, field):
    # A plain function, not DataRequired: that would set the "required" flag, which the date
    # input's <div> may not carry.
    if field.data is None:
        raise ValidationError("Enter the date to keep the case until")


class ExtendForm(PortalForm):
    version = HiddenField()
    keep_until = GovDateField(
        "Keep the case until",
        description="For example, 1 9 2033",
        years_ahead=50,
        validators=[_date_required],
    )
    reason = _reason("Why the case is kept longer", "Enter why the case is kept longer")
    submit = SubmitField("Extend retention", widget=GovSubmitInput())


class HoldForm(PortalForm):
    version = HiddenField()
    reason = _reason(
        "Reason for the legal hold",
        "Enter the reason for the legal hold",
    )
    submit = SubmitField("Place the legal hold", widget=GovSubmitInput())


class LiftHoldForm(PortalForm):
    version = HiddenField()
    reason = _reason("Why the legal hold is lifted", "Enter why the legal hold is lifted")
    submit = SubmitField("Lift the legal hold", widget=GovSubmitInput())


class DisposeForm(PortalForm):
    confirmation = StringField(
        "Type the case reference to confirm",
        widget=GovTextInput(),
        validators=[InputRequired(message="Type the case reference to confirm the disposal")],
    )
    submit = SubmitField("Dispose of the case", widget=GovSubmitInput())
