"""No case data can reach an e-mail: templates see only the service name, the reader's name
and a link; callers name a kind and cannot pass text; links are portal pages with numeric ids."""

from __future__ import annotations

import inspect
from datetime import date, timedelta

import pytest
from jinja2 import meta

from portal.cases.models import Case, RestrictedIdentity
from portal.config import ROOT
from portal.extensions import db
from portal.notify import DueItem, MessageError, enqueue, send_pending
from portal.notify.kinds import KINDS, TEMPLATE_VARIABLES, get_kind, render
from tests.notify.conftest import today

NOTIFY_TEMPLATES = sorted((ROOT / "templates" / "notify").rglob("*.txt"))


@pytest.mark.parametrize("path", NOTIFY_TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_message_templates_use_only_the_name_and_the_link(app, path):
    source = path.read_text()
    names = meta.find_undeclared_variables(app.jinja_env.parse(source))
    assert names <= TEMPLATE_VARIABLES, f"{path.name} uses {sorted(names - TEMPLATE_VARIABLES)}"
    # No includes, imports or extends: another file could bring in anything.
    assert list(meta.find_referenced_templates(app.jinja_env.parse(source))) == []
    assert source.splitlines()[0].strip(), "the first line is the subject"


def test_every_registered_kind_writes_only_what_it_was_given(app, things):
    assert KINDS, "the reminder kinds are registered"
    for name in KINDS:
        subject, body = render(get_kind(name), name="READER-NAME", link_path="/cases/424242")
        text = subject + "\n" + body
        assert "READER-NAME" in body
        assert "http://portal.test/cases/424242" in body
        assert "{{" not in text and "}}" not in text


def test_enqueue_takes_a_kind_a_recipient_and_a_link_and_nothing_else(app, make_user, kind):
    assert list(inspect.signature(enqueue).parameters) == ["kind", "recipient", "link"]
    user = make_user()
    with pytest.raises(TypeError):
        enqueue(kind, user, "/cases/1", subject="Case X 2021: Adult M")  # type: ignore[call-arg]
    with pytest.raises(MessageError, match="unknown message kind"):
        enqueue("Your request about Case X 2021 is overdue", user, "/cases/1")
    with pytest.raises(MessageError, match="a user"):
        enqueue(kind, "someone@example.org", "/cases/1")


@pytest.mark.parametrize(
    "link",
    [
        "/cases/Smith",  # text in the path
        "/cases/1?victim=Smith",  # a query
        "/cases/1#Adult-M",  # a fragment
        "/cases/1%20Smith",
        "https://evil.example/cases/1",  # not a portal path
        "//evil.example/cases/1",
        "cases/1",
        "/no-such-page/1",  # not a page of the portal
        "/assets/Adult-M.txt",  # a file path, not a page
        "/cases/1/changes/Smith",  # a text variable
        "/sign-out",  # not a page you can open (POST only)
        None,
    ],
)
def test_links_must_be_portal_pages_with_numeric_ids(app, make_user, kind, link):
    user = make_user()
    with pytest.raises(MessageError):
        enqueue(kind, user, link)


def test_no_case_reference_pseudonym_or_real_name_reaches_any_email(app, make_user, things, outbox, clock):
    from portal.admin.models import CSP

    csp = CSP(name="Zanzibar Vale Community Safety Partnership", area="Zanzibar Vale")
    db.session.add(csp)
    db.session.flush()
    case = Case(
        letter="Q",
        year=2025,
        review_type="dardr",
        pseudonym="Adult Peregrine",
        csp_id=csp.id,
        stage="in_review",
        death_on=date(2025, 1, 2),
    )
    db.session.add(case)
    db.session.flush()
    db.session.add_all(
        [
            RestrictedIdentity(case_id=case.id, role="victim", full_name="Marguerite Oakenshield"),
            RestrictedIdentity(case_id=case.id, role="perpetrator", full_name="Thaddeus Blackwood"),
        ]
    )
    db.session.commit()
    forbidden = [
        case.reference,
        "Case Q 2025",
        "Adult Peregrine",
        "Peregrine",
        "Marguerite",
        "Oakenshield",
        "Thaddeus",
        "Blackwood",
        "Zanzibar",
        "in_review",
        "2 January 2025",
        "test_item",
    ]

    contact = make_user("Ada Contact", email="contact@example.org")
    make_user("Bea Officer", email="officer@example.org", system_role="business_office")
    things.items.append(
        DueItem(f"test_item:{case.id}", (contact.id,), today() + timedelta(days=5), f"/cases/{case.id}")
    )
    runner = app.test_cli_runner()
    for _ in range(5 + 14 + 1):  # upcoming, due, overdue and escalation
        assert runner.invoke(args=["reminders", "send"]).exit_code == 0
        clock.advance(days=1)
    send_pending()

    assert len(outbox.messages) == 5  # upcoming, due, two overdue, escalation
    for message in outbox.messages:
        raw = message.as_string()
        for text in forbidden:
            assert text.lower() not in raw.lower(), f"{text!r} reached an e-mail"
        assert f"http://portal.test/cases/{case.id}" in raw
