"""Sending e-mail through the configured backend (SMTP, or the console in development)."""

from __future__ import annotations

from flask import current_app, render_template
from flask_mailman import EmailMessage


def send_email(to: str, template: str, **context) -> None:
    """Render ``templates/notify/<template>.txt`` (first line is the subject) and send it.

    Templates receive only links and the recipient's own name: nothing about a case.
    """
    text = render_template(f"notify/{template}.txt", service_name=current_app.config["SERVICE_NAME"], **context)
    subject, _, body = text.partition("\n")
    message = EmailMessage(
        subject=subject.strip(),
        body=body.lstrip("\n"),
        from_email=current_app.config["MAIL_DEFAULT_SENDER"],
        to=[to],
    )
    message.send()
