"""Signing in as the demo people, as a newcomer trying the portal would (``flask demo load``)."""

from __future__ import annotations

from portal.auth.totp import current_code
from portal.demo.people import DEMO_PASSWORD, PEOPLE, demo_secret
from tests.support import sign_in

EMAILS = {person[0]: person[2] for person in PEOPLE}


def demo_client(app, clock, key: str):
    """A client signed in as the demo person ``key`` (e.g. "agency_contact") with the demo password and code."""
    email = EMAILS[key]
    client = app.test_client()
    clock.advance(seconds=30)  # each code works once: take the next time step
    with app.app_context():
        code = current_code(demo_secret(email))
    response = sign_in(client, email, DEMO_PASSWORD, code)
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    return client
