"""Choosing the board report's date and the CRG meeting whose updates it uses."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from wtforms import SelectField, SubmitField

from portal.web.fields import GovDateField
from portal.web.forms import PortalForm


class BoardReportForm(PortalForm):
    report_date = GovDateField("Date of the board meeting", description="The date printed on the report.")
    meeting = SelectField(
        "CRG meeting whose case updates to use",
        widget=GovSelect(),
        validate_choice=False,
        description="Each case shows its update for this meeting, or its latest earlier one.",
    )
    submit = SubmitField("Show the report", widget=GovSubmitInput())
