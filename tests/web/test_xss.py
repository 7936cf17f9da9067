"""XSS: what people type renders as text, in pages and in the e-mail, whatever it looks like."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from tests.conftest import page_text
from tests.support import once

PAYLOADS = [
    "<script>alert(1)</script>",
    '" hx-on:click="alert(1)',
    "' onmouseover='alert(1)",
    "{{ 7*7 }} {% if true %}",
    "javascript:alert(1)",
    "<img src=x onerror=alert(1)>",
]


class Markup(HTMLParser):
    """Every element and attribute the browser would build from a page."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        if self.lasttag == "script":
            self.scripts.append(data)


def assert_inert(html: str):
    """No element, attribute, handler or URL came from what was typed."""
    markup = Markup(html)
    for tag, attributes in markup.elements:
        for name, value in attributes.items():
            assert not name.startswith(("on", "hx-on")), (tag, name, value)
            if name in {"href", "src", "action", "formaction"}:
                assert not (value or "").strip().lower().startswith("javascript:"), (tag, name, value)
        if tag == "script":
            assert attributes.get("nonce"), attributes  # ours carry the nonce, which no payload can know
        assert not (tag == "img" and attributes.get("src") == "x")
    assert not any("alert" in script for script in markup.scripts)


def invite(client, org_id: int, name: str, email: str):
    return client.post(
        "/admin/users/invite",
        data={**once(), "name": name, "email": email, "organisation_id": org_id, "system_role": "none"},
    )


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_name_typed_into_the_invite_form_renders_inert(app, make_user, make_org, login_as, outbox, payload):
    admin = make_user(system_role="admin")
    organisation = make_org("Rutland County Council")
    client = login_as(admin)
    response = invite(client, organisation.id, f"Eve {payload}", "eve@example.org")
    assert response.status_code == 302
    user = db.session.execute(select(User).where(User.email == "eve@example.org")).scalar_one()
    assert user.name == f"Eve {payload}"  # stored as typed: escaping is the template's job

    for path in ("/admin/users", f"/admin/users/{user.id}"):
        for headers in ({}, {"HX-Request": "true"}):
            page = client.get(path, headers=headers)
            assert page.status_code == 200
            assert f"Eve {payload}" in page_text(page)  # shown as the text that was typed
            assert_inert(page.get_data(as_text=True))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_payload_echoed_back_into_a_form_with_errors_stays_inside_its_value(
    app, make_user, make_org, login_as, payload
):
    client = login_as(make_user(system_role="admin"))
    organisation = make_org()
    response = invite(client, organisation.id, payload, "not an email address")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert_inert(html)
    [value] = re.findall(r'<input[^>]*name="name"[^>]*value="([^"]*)"', html)
    assert "<" not in value and '"' not in value


def test_a_hostile_name_is_inert_in_the_header_home_and_account_pages(app, make_user, login_as):
    payload = '<script>alert(1)</script>" hx-on:click="alert(1) {{ 7*7 }}'
    client = login_as(make_user(payload))
    for path in ("/home", "/account"):
        page = client.get(path)
        assert payload in page_text(page)  # "{{ 7*7 }}" shown as typed, not evaluated to 49
        assert_inert(page.get_data(as_text=True))


def test_an_organisation_name_is_inert_everywhere_it_appears(app, make_user, make_org, login_as):
    payload = "<script>alert(1)</script> Council"
    admin = make_user(system_role="admin", organisation=make_org(payload))
    client = login_as(admin)
    for path in ("/home", "/account", "/admin/users", f"/admin/users/{admin.id}", "/admin/organisations"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert_inert(page.get_data(as_text=True))


def test_the_invitation_email_carries_the_name_as_plain_text(app, make_user, make_org, login_as, outbox):
    client = login_as(make_user(system_role="admin"))
    invite(client, make_org().id, "<b>Eve</b>", "eve@example.org")
    [message] = outbox.messages
    assert message.get_content_type() == "text/plain"
