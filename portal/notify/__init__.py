"""E-mail. Messages say only that something awaits the reader, with a link: no case data.

- ``enqueue(kind, recipient, link)``: queue an e-mail in the caller's transaction (outbox.py);
- ``register_kind(name)``: declare a message kind and its template (kinds.py);
- ``register_source(name, items)``: chase things with due dates (sources.py, reminders.py);
- ``add_working_days``: default due dates in working days (workdays.py).

``mail.py`` still sends the account e-mails (invitation, reset) directly; they move to the
outbox later.
"""

from .kinds import MessageError, register_kind
from .mail import send_email, send_email_after_response
from .outbox import enqueue, send_pending
from .reminders import last_reminders, run_reminders
from .sources import DueItem, Escalation, register_source, unregister_source
from .workdays import add_working_days, is_working_day, working_days_between

__all__ = [
    "DueItem",
    "Escalation",
    "MessageError",
    "add_working_days",
    "enqueue",
    "init_app",
    "is_working_day",
    "last_reminders",
    "register_kind",
    "register_source",
    "run_reminders",
    "send_email",
    "send_email_after_response",
    "send_pending",
    "unregister_source",
    "working_days_between",
]


def init_app(app) -> None:
    """The CLI groups (the models are imported with the package, for the migrations)."""
    from . import cli, models  # noqa: F401

    cli.init_app(app)
