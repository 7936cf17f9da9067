"""The audit trail's search form: a GET form, so a search is a link that can be shared or reloaded."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovTextInput
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from portal.auth.services import email_fingerprint
from portal.web.fields import GovDateField
from portal.web.forms import PortalForm

from . import queries

ANY = ""


class _FilterDate(GovDateField):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "GovDateField"  # the error summary links a date to its day box by this name

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if not valuelist:
            # A GET form without this field (e.g. only ``?page=2``): render empty boxes. The
            # GOV.UK widget unpacks ``raw_data`` into three boxes and fails on an empty list.
            self.raw_data = None


class _Choice(SelectField):
    """A select whose unknown values get a GOV.UK message instead of WTForms' "Not a valid choice"."""

    def __init__(self, label, message: str, **kwargs):
        super().__init__(label, widget=GovSelect(), validate_choice=False, default=ANY, **kwargs)
        self.message = message

    def pre_validate(self, form):
        if self.data not in {choice.value for choice in self.choices}:
            raise ValidationError(self.message)


def _action_option(name: str) -> str:
    label = queries.action_label(name)
    return name if label == name else f"{label} ({name})"


class AuditSearchForm(PortalForm):
    class Meta:
        csrf = False  # a search changes nothing; it is a GET like any link

    user_id = _Choice("Person", "Select a person from the list")
    email = StringField(
        "Or their email address",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=254, message="Email address must be 254 characters or fewer")],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    case = StringField(
        "Case",
        description="A reference, for example DHR Case H 2022, or a case number",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=80, message="Case must be 80 characters or fewer")],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    action = _Choice("Action", "Select an action from the list")
    outcome = _Choice(
        "Outcome",
        "Select an outcome from the list",
        choices=[SelectChoice(ANY, "Any outcome")]
        + [SelectChoice(value, label) for value, label in queries.OUTCOME_LABELS.items()],
    )
    start = _FilterDate("Start date", description="For example, 2 3 2026")
    end = _FilterDate("End date", description="For example, 31 3 2026")

    def __init__(self, formdata):
        super().__init__(formdata=formdata)
        self.user_id.choices = [SelectChoice(ANY, "Anyone")] + [
            SelectChoice(str(user.id), f"{user.name} ({user.email})") for user in queries.people()
        ]
        self.action.choices = [SelectChoice(ANY, "Any action")] + [
            SelectChoice(name, _action_option(name)) for name in queries.action_names()
        ]
        self._case_ids = None

    def validate_email(self, field):
        if field.data and self.user_id.data:
            raise ValidationError("Select a person or enter an email address, not both")

    def validate_case(self, field):
        if field.data:
            self._case_ids = queries.find_case_ids(field.data)
            if not self._case_ids:
                raise ValidationError("No case has that reference. Enter a reference such as DHR Case H 2022")

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("End date must be the same as or after the start date")

    def criteria(self) -> queries.Criteria:
        """What the (validated) form asks for."""
        start, end = queries.london_bounds(self.start.data, self.end.data)
        criteria = queries.Criteria(
            case_ids=self._case_ids,
            action=self.action.data or None,
            outcome=self.outcome.data or None,
            start=start,
            end=end,
        )
        if self.user_id.data:
            criteria.user_id = int(self.user_id.data)
        elif self.email.data:
            person = queries.user_by_email(self.email.data)
            criteria.user_id = person.id if person else None
            criteria.email_fingerprint = email_fingerprint(self.email.data)
        return criteria
