"""The one error a service raises when its rules refuse a change.

Services raise ``FormError`` with words a person can act on, and the name of the form field
the words are about; the route's save helper (``portal.web.saving.save``) rolls the
transaction back and shows the message beside that field, in the GOV.UK error summary.
"""

from __future__ import annotations


class FormError(ValueError):
    """A refused change: ``field`` names the form field the message is about (None: the whole form)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class StaleError(FormError):
    """Someone else saved the record since the form was shown (optimistic locking)."""

    MESSAGE = (
        "This record was changed by someone else while you were working on it. Your answers are below: "
        "check its current details, then submit again."
    )

    def __init__(self, message: str | None = None, field: str | None = None):
        super().__init__(message or self.MESSAGE, field)
