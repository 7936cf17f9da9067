"""Services flush, routes commit: ``save`` is how a route commits what a form asked for.

A service checks its rules, changes rows, records the audit event and flushes; it never
commits, so a refusal anywhere rolls back everything the request did (SECURITY 35). The
route hands the service call to ``save``, which commits it, or rolls it back and shows why:

- a ``FormError`` from the service goes beside the field it names;
- a row saved by someone else meanwhile (``version_id_col``) becomes "changed by someone
  else", with the person's answers kept (SECURITY 30);
- a form that creates something carries a one-time token (``fields.SubmissionField``): the
  same form sent again, by a double click, a replay or a parallel post, is answered with the
  first one's result instead of a second record (SECURITY 31);
- a unique constraint broken by a parallel request is retried once, when the service's own
  checks see the other request's row and refuse with their usual message.

See docs/FORMS.md for how a new form uses it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal.errors import FormError, StaleError
from portal.extensions import db

from . import submissions
from .fields import SubmissionField
from .forms import attach

ALREADY_SAVED = "This form was sent twice. It has been saved once."


@dataclass
class Outcome:
    saved: bool = False
    value: Any = None  # what the change returned (None for a repeated submission)
    repeated: bool = False  # this form had been saved before: nothing new was saved
    url: str | None = None  # for creating forms: where the result is

    def __bool__(self) -> bool:
        return self.saved

    def message(self, describe: Callable[[Any], str]) -> str:
        """What to tell the person: ``describe(value)``, or that the form was sent twice."""
        return ALREADY_SAVED if self.repeated else describe(self.value)


def _token_field(form) -> SubmissionField | None:
    field = getattr(form, "submission", None)
    return field if isinstance(field, SubmissionField) else None


def _user_id():
    return current_user.id if getattr(current_user, "is_authenticated", False) else None


def save(
    form,
    change: Callable[[], Any],
    *,
    result_url: Callable[[Any], str] | None = None,
    stale: Callable[[], None] | None = None,
) -> Outcome:
    """Run ``change`` (service calls that flush) and commit, or roll back and put the reason on ``form``.

    ``result_url(value)`` is where a creating form's result lives (required when the form has a
    ``submission`` token). ``stale()`` runs after a "changed by someone else" refusal, to put
    the record's current version into the form so that sending it again can succeed.
    """
    token = _token_field(form)
    if token is not None and result_url is None:
        raise TypeError("a form with a submission token needs result_url")
    for attempt in range(2):
        if token is not None:
            earlier = submissions.find(token.data)
            if earlier is not None:
                if earlier.user_id == _user_id() and earlier.result_url:
                    return Outcome(saved=True, repeated=True, url=earlier.result_url)
                token.renew()
                attach(form, FormError(SubmissionField.MESSAGE))
                return Outcome()
        try:
            row = submissions.claim(token.data, _user_id()) if token is not None else None
            value = change()
            if row is not None:
                row.result_url = result_url(value)
            db.session.commit()
        except StaleDataError:
            db.session.rollback()
            return _refused(form, StaleError(), stale)
        except FormError as error:
            db.session.rollback()
            return _refused(form, error, stale)
        except IntegrityError:
            db.session.rollback()
            if attempt:
                raise
            continue  # a parallel request saved first; its rows are visible now
        return Outcome(saved=True, value=value, url=row.result_url if row is not None else None)
    raise AssertionError("unreachable")  # pragma: no cover


def _refused(form, error: FormError, stale) -> Outcome:
    attach(form, error)
    if isinstance(error, StaleError) and stale is not None:
        stale()
    return Outcome()
