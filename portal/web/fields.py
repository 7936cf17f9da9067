"""Form fields the GOV.UK way, shared by every area."""

from __future__ import annotations

import re
import secrets
from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from wtforms import Field, HiddenField, IntegerField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from portal.clock import london_today

from .dates import govuk_date

# No date in a review is older than this: the statutory reviews began in 2011, and the
# earliest background (a date of birth is not asked for) stays well after it.
EARLIEST = date(1990, 1, 1)
_DIGITS = re.compile(r"[0-9]+")


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class GovDateField(Field):
    """A date typed as day, month and year boxes, with the Design System's error messages.

    All three boxes empty means "no date" (``None``); ``DataRequired``/``InputRequired``
    then decide whether that is allowed. Accepts "9" or "09"; month names are not accepted,
    nor digits other than 0 to 9 (Python's ``int`` takes full-width and Arabic-Indic ones).

    Every date must be on or after ``earliest`` (``EARLIEST`` unless the field is about a life,
    as a date of birth is) and at most ``years_ahead`` years from today; ``not_future`` dates
    (things that have happened) must be today or earlier.
    """

    widget = GovDateInput()

    def __init__(
        self,
        label=None,
        validators=None,
        *,
        not_future: bool = False,
        years_ahead: int = 1,
        earliest: date = EARLIEST,
        **kwargs,
    ):
        super().__init__(label, validators, **kwargs)
        self.earliest = earliest
        self.not_future = not_future
        self.years_ahead = years_ahead
        self._problem = None

    @property
    def _name(self) -> str:
        return self.label.text.removesuffix(" (optional)")

    def _value(self):
        return self.data.strftime("%d %m %Y") if self.data else ""

    def process_formdata(self, valuelist):
        self._problem = None
        parts = [value.strip() for value in (list(valuelist) + ["", "", ""])[:3]]
        # The widget re-displays exactly three boxes, even when the browser sent none.
        self.raw_data = parts
        if not any(parts):
            self.data = None
            return
        names = ("a day", "a month", "a year")
        missing = [name for name, part in zip(names, parts, strict=True) if not part]
        if missing:
            self._problem = f"{self._name} must include {' and '.join(missing)}"
            return
        if not all(_DIGITS.fullmatch(part) for part in parts):
            self._problem = f"{self._name} must be a real date, in numbers from 0 to 9"
            return
        try:
            day, month, year = (int(part) for part in parts)
            if len(parts[2]) != 4:
                raise ValueError
            self.data = date(year, month, day)
        except ValueError:
            self._problem = f"{self._name} must be a real date"

    def pre_validate(self, form):
        if self._problem:
            raise ValidationError(self._problem)
        if self.data is None:
            return
        today = london_today()
        if self.data < self.earliest:
            raise ValidationError(f"{self._name} must be the same as or after {govuk_date(self.earliest)}")
        if self.not_future and self.data > today:
            raise ValidationError(f"{self._name} must be today or in the past")
        latest = _years_after(today, self.years_ahead)
        if self.data > latest:
            raise ValidationError(f"{self._name} must be the same as or before {govuk_date(latest)}")


class NumberField(IntegerField):
    """A whole number typed with the digits 0 to 9 (``int`` would also take "２０２５", "+7" or "1_000")."""

    def __init__(self, label=None, validators=None, *, message: str = "Enter a whole number", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.message = message

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        if not _DIGITS.fullmatch(valuelist[0].strip()):
            self.data = None
            raise ValueError(self.message)
        self.data = int(valuelist[0].strip())


def _new_token() -> str:
    from .page_cache import one_time_token  # (the page cache imports the clock and the database)

    # In a page that may be kept, a placeholder that each response replaces with its own token.
    return one_time_token() or secrets.token_urlsafe(24)


class SubmissionField(HiddenField):
    """A one-time token in each form that creates something: it is what makes a second click,
    a replayed post or two parallel posts of the same form save once (``saving.save``).

    A new page gets a new token; a form shown again with errors keeps its token, since
    nothing was saved under it. A post without a well-formed token is refused, with a new one.
    """

    PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")
    MESSAGE = "This page was out of date, so nothing was saved. Check your answers, then send the form again."

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", _new_token)
        super().__init__(*args, **kwargs)
        self.missing = False

    def process_formdata(self, valuelist):
        token = valuelist[0] if valuelist else ""
        self.missing = not self.PATTERN.fullmatch(token)
        if not self.missing:
            self.data = token  # else keep the fresh default, for the form shown again

    def renew(self) -> None:
        """A new token (the old one belongs to a submission that cannot be reused)."""
        self.data = secrets.token_urlsafe(24)

    def pre_validate(self, form):
        if self.missing:
            raise ValidationError(self.MESSAGE)


def options(pairs) -> list[SelectChoice]:
    """Choices for select, radio and checkbox fields (WTForms 3.3 wants ``SelectChoice``, not tuples)."""
    return [SelectChoice(value=value, label=label) for value, label in pairs]
