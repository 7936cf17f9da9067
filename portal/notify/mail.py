"""Sending e-mail through the configured backend (SMTP, or the console in development)."""

from __future__ import annotations

from flask import after_this_request, current_app, render_template
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


def send_email_after_response(to: str, template: str, **context) -> None:
    """Send once the response has gone, so how long a request takes says nothing about whether
    an e-mail was sent (e.g. a reset link only for addresses that have an account)."""
    app = current_app._get_current_object()

    @after_this_request
    def _defer(response):
        def _send():
            with app.app_context():
                send_email(to, template, **context)

        response.call_on_close(_send)
        return response
