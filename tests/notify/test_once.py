"""Each reminder is sent once: ``flask reminders send`` run twice, or by several machines at once.

The concurrent tests need data that is really committed, seen by several connections: they
build their own app (not the ``app`` fixture, which may run inside a rolled-back transaction),
commit their own accounts, and remove everything they made afterwards. Threads each have their
own app context, so their own session and database connection, like separate machines.
On SQLite the database's write lock orders them; on PostgreSQL the unique key and
``FOR UPDATE SKIP LOCKED`` do.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from portal import create_app
from portal.admin.models import Organisation
from portal.auth.models import User
from portal.clock import london_today
from portal.extensions import db
from portal.notify import DueItem, Escalation, enqueue, register_kind, register_source, run_reminders, send_pending
from portal.notify.kinds import unregister_kind
from portal.notify.models import SENT, OutboxMessage, Reminder
from portal.notify.sources import unregister_source
from tests.notify.conftest import subjects_to, today

THREADS = 4
ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


def test_flask_reminders_send_twice_sends_each_email_once(app, make_user, things, outbox, clock):
    contacts = [make_user(email=f"contact{n}@example.org") for n in range(3)]
    make_user(email="officer@example.org", system_role="business_office")
    for n, contact in enumerate(contacts):
        things.items.append(DueItem(f"test_item:{n}", (contact.id,), today() - timedelta(days=14 * n), f"/cases/{n}"))
    runner = app.test_cli_runner()

    first = runner.invoke(args=["reminders", "send"])
    assert first.exit_code == 0, first.output
    assert "5 new, 0 already sent earlier" in first.output  # 3 contacts, and escalations for items 1 and 2
    second = runner.invoke(args=["reminders", "send"])
    assert second.exit_code == 0, second.output
    assert "0 new, 5 already sent earlier" in second.output
    assert "E-mails sent: 0" in second.output

    assert [subjects_to(outbox, c.email) for c in contacts] == [
        ["Something is due in the Death review portal"],
        ["Something is overdue in the Death review portal"],
        ["Something is overdue in the Death review portal"],
    ]
    assert len(subjects_to(outbox, "officer@example.org")) == 2
    assert db.session.execute(select(func.count()).select_from(Reminder)).scalar() == 5


# -- at the same moment, on committed data --------------------------------------------------------


class Shared:
    """An app of its own with committed accounts and a reminder source; cleans up after itself."""

    def __init__(self, app_config):
        self.app = create_app(app_config)
        self.tag = uuid.uuid4().hex[:10]
        self.items: list[DueItem] = []
        self.user_ids: list[int] = []
        with self.app.app_context():
            organisation = Organisation(name=f"Concurrency test {self.tag}")
            db.session.add(organisation)
            db.session.commit()
            self.organisation_id = organisation.id

    def add_user(self, label: str, **fields) -> tuple[int, str]:
        email = f"{label}-{self.tag}@example.org"
        with self.app.app_context():
            user = User(name=label, email=email, organisation_id=self.organisation_id, active=True, **fields)
            db.session.add(user)
            db.session.commit()
            self.user_ids.append(user.id)
            return user.id, email

    def things(self) -> list[str]:
        return [item.thing for item in self.items]

    def clean_up(self):
        with self.app.app_context():
            db.session.execute(delete(Reminder).where(Reminder.recipient_id.in_(self.user_ids)))
            db.session.execute(delete(OutboxMessage).where(OutboxMessage.recipient_id.in_(self.user_ids)))
            db.session.execute(delete(User).where(User.id.in_(self.user_ids)))
            db.session.execute(delete(Organisation).where(Organisation.id == self.organisation_id))
            db.session.commit()
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def shared(app_config):
    shared = Shared(app_config)
    register_source("test_item", lambda due_by: [item for item in shared.items if item.due_on <= due_by])
    try:
        yield shared
    finally:
        unregister_source("test_item")
        shared.clean_up()


def _at_once(app, work, threads: int = THREADS):
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def worker():
        try:
            with app.app_context():
                start.wait()
                work()
        except BaseException as exc:  # reported below
            errors.append(exc)

    running = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in running), "a run never finished"
    assert errors == [], errors


def _reminders_on_several_machines_send_once(shared: Shared, outbox):
    officer_id, officer_email = shared.add_user("officer")
    people = [shared.add_user(f"contact{n}") for n in range(6)]
    with shared.app.app_context():
        day = london_today()
    for n in range(24):
        recipients = (people[n % 6][0], people[(n + 1) % 6][0])
        overdue = 14 if n % 3 == 0 else 0
        shared.items.append(
            DueItem(
                f"test_item:{shared.tag}-{n}",  # earlier tests' rows may still be in the database
                recipients,
                day - timedelta(days=overdue),
                f"/cases/{n}",
                escalations=(Escalation(to=(officer_id,)),),
            )
        )
    expected = 24 * 2 + 8  # every contact once per thing, the officer once per thing 14 days overdue

    def run():
        run_reminders()
        send_pending()

    _at_once(shared.app, run)

    addresses = {email for _, email in people} | {officer_email}
    delivered = Counter((m["To"], m.get_payload(decode=True).decode()) for m in outbox.messages if m["To"] in addresses)
    assert sum(delivered.values()) == expected
    assert set(delivered.values()) == {1}, "an e-mail was sent twice"
    with shared.app.app_context():
        reminders = db.session.execute(
            select(func.count()).select_from(Reminder).where(Reminder.thing_key.in_(shared.things()))
        ).scalar()
        statuses = db.session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.recipient_id.in_(shared.user_ids))
            .group_by(OutboxMessage.status)
        ).all()
    assert reminders == expected
    assert statuses == [(SENT, expected)]


def _senders_at_once_send_each_message_once(shared: Shared, outbox):
    people = [shared.add_user(f"reader{n}") for n in range(40)]
    with shared.app.app_context():
        register_kind("test_notice", templates=("notify/reminder/due.txt",))
        try:
            for user_id, _ in people:
                enqueue("test_notice", user_id, "/cases/1")
            db.session.commit()
            _at_once(shared.app, lambda: send_pending(limit=None), threads=THREADS)
        finally:
            unregister_kind("test_notice")
    addresses = Counter(m["To"] for m in outbox.messages if m["To"] in {email for _, email in people})
    assert sorted(addresses) == sorted(email for _, email in people)
    assert set(addresses.values()) == {1}, "a message was sent twice"


def test_reminders_run_at_once_send_each_email_once_sqlite(shared, outbox):
    if ON_POSTGRES:
        pytest.skip("the SQLite variant (the PostgreSQL one is test_..._postgresql)")
    _reminders_on_several_machines_send_once(shared, outbox)


def test_senders_at_once_send_each_message_once_sqlite(shared, outbox):
    if ON_POSTGRES:
        pytest.skip("the SQLite variant (the PostgreSQL one is test_..._postgresql)")
    _senders_at_once_send_each_message_once(shared, outbox)


@pytest.mark.postgres_only
@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (TEST_DATABASE_URL)")
def test_reminders_run_at_once_send_each_email_once_postgresql(shared, outbox):
    _reminders_on_several_machines_send_once(shared, outbox)


@pytest.mark.postgres_only
@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (TEST_DATABASE_URL)")
def test_senders_at_once_send_each_message_once_postgresql(shared, outbox):
    _senders_at_once_send_each_message_once(shared, outbox)
