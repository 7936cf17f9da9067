"""Writers at the same moment leave one chain: seq 1..N without gaps or forks, and it verifies.

Each thread has its own application context, so its own session and database connection,
as separate requests on a real server would. On PostgreSQL the head row's lock orders
them; on SQLite (a file database) the write lock does, with writers waiting their turn.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from portal.audit import record, verify
from portal.audit.models import AuditEvent, AuditHead
from portal.extensions import db
from tests.audit.conftest import events

# Each writer thread has its own connection: the data must be really committed.
pytestmark = pytest.mark.committed

THREADS = 8
EACH = 25


def _write_concurrently(app, *, empty_trail: bool):
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def writer(number: int):
        try:
            with app.app_context():
                start.wait()
                for i in range(EACH):
                    record("test.concurrent", object_type="thread", object_id=number, detail={"i": i})
                    db.session.commit()
        except BaseException as exc:  # reported below, with the thread that failed
            errors.append(exc)

    if not empty_trail:
        record("test.before")
        db.session.commit()
    db.session.close()  # release this thread's connection while the writers run
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a writer never finished"
    assert errors == [], errors


def _assert_one_chain(expected: int):
    rows = events()
    assert len(rows) == expected
    assert [row.seq for row in rows] == list(range(1, expected + 1))
    assert len({row.prev_hash for row in rows}) == expected  # nobody extended the same tail twice
    assert db.session.get(AuditHead, 1).seq == expected
    assert verify() is None
    per_thread = db.session.execute(
        select(AuditEvent.object_id, func.count())
        .where(AuditEvent.action == "test.concurrent")
        .group_by(AuditEvent.object_id)
    ).all()
    assert sorted(per_thread) == sorted((str(n), EACH) for n in range(THREADS))


def test_concurrent_writers_leave_one_valid_chain(app):
    _write_concurrently(app, empty_trail=False)
    _assert_one_chain(1 + THREADS * EACH)


def test_concurrent_first_events_on_an_empty_trail(app):
    """The very first writers race to create the head row: they must queue, not fail."""
    _write_concurrently(app, empty_trail=True)
    _assert_one_chain(THREADS * EACH)
