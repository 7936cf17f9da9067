"""A reminder source the test controls, a kind to enqueue, and helpers to read what arrived."""

from __future__ import annotations

import re
from datetime import date

import pytest

from portal.clock import london_today
from portal.notify import register_kind, register_source, unregister_source
from portal.notify.kinds import unregister_kind

SOURCE = "test_item"


class Things:
    """The open things the test source reports; tests add, change and close them."""

    def __init__(self):
        self.items = []
        self.asked_with: list[date] = []

    def __call__(self, due_by: date):
        self.asked_with.append(due_by)
        return [item for item in self.items if item.due_on <= due_by]


@pytest.fixture
def things(app):
    """A source named ``test_item`` registered for this test only."""
    source = Things()
    register_source(SOURCE, source)
    yield source
    unregister_source(SOURCE)


@pytest.fixture
def kind(app):
    """A plain message kind (``test_notice``), written with the generic "due" wording."""
    name = "test_notice"
    register_kind(name, templates=("notify/reminder/due.txt",))
    yield name
    unregister_kind(name)


def today():
    return london_today()


def subject(message) -> str:
    """The Subject header unfolded (long subjects arrive folded over two lines)."""
    return re.sub(r"\r?\n[ \t]", " ", str(message["Subject"]))


def subjects_to(inbox, address: str) -> list[str]:
    return [subject(m) for m in inbox.messages if m["To"] == address]


def body(message) -> str:
    return message.get_payload(decode=True).decode()
