"""E-mail. Messages say only that something awaits the reader, with a link: no case data."""

from .mail import send_email, send_email_after_response

__all__ = ["send_email", "send_email_after_response"]
