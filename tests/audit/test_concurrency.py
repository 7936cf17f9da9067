"""Writers at the same moment leave an intact trail: in every lane seq 1..n without gaps or forks,
each event exactly once, and it verifies.

Each thread has its own application context, so its own session and database connection,
as separate requests on a real server would. On PostgreSQL writers take different lanes
(the first head row nobody else holds); on SQLite (a file database) the write lock orders
them in one lane, with writers waiting their turn.
"""

from __future__ import annotations

import os
import threading
from collections import defaultdict

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
ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


def _write_concurrently(app, *, threads: int = THREADS, each: int = EACH, empty_trail: bool):
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def writer(number: int):
        try:
            with app.app_context():
                start.wait()
                for i in range(each):
                    record("test.concurrent", object_type="thread", object_id=number, detail={"i": i})
                    db.session.commit()
        except BaseException as exc:  # reported below, with the thread that failed
            errors.append(exc)

    if not empty_trail:
        record("test.before")
        db.session.commit()
    db.session.close()  # release this thread's connection while the writers run
    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in workers), "a writer never finished"
    assert errors == [], errors


def _assert_intact(expected: int, *, threads: int = THREADS, each: int = EACH) -> set[int]:
    """Every event once, every lane gapless and unforked, heads at the lanes' ends; returns the lanes used."""
    rows = events()
    assert len(rows) == expected
    by_lane = defaultdict(list)
    for row in sorted(rows, key=lambda row: (row.lane, row.seq)):
        by_lane[row.lane].append(row)
    heads = {head.id: head for head in db.session.execute(select(AuditHead)).scalars()}
    for lane, lane_rows in by_lane.items():
        assert [row.seq for row in lane_rows] == list(range(1, len(lane_rows) + 1)), f"lane {lane} has a gap"
        assert len({row.prev_hash for row in lane_rows}) == len(lane_rows), f"lane {lane} forked"
        assert (heads[lane].seq, heads[lane].hash) == (len(lane_rows), lane_rows[-1].hash)
    assert sum(head.seq for head in heads.values()) == expected
    assert verify() is None
    per_thread = db.session.execute(
        select(AuditEvent.object_id, func.count())
        .where(AuditEvent.action == "test.concurrent")
        .group_by(AuditEvent.object_id)
    ).all()
    assert sorted(per_thread) == sorted((str(n), each) for n in range(threads))
    return set(by_lane)


def test_concurrent_writers_leave_an_intact_trail(app):
    _write_concurrently(app, empty_trail=False)
    lanes = _assert_intact(1 + THREADS * EACH)
    if not ON_POSTGRES:
        assert lanes == {1}, "SQLite writes one at a time: one lane"


def test_concurrent_first_events_on_an_empty_trail(app):
    """The very first writers race to create the lanes' head rows: they must queue, not fail."""
    _write_concurrently(app, empty_trail=True)
    _assert_intact(THREADS * EACH)


@pytest.mark.postgres_only
@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (TEST_DATABASE_URL)")
def test_sixteen_writers_two_thousand_events_on_postgresql(app):
    """Writers do not queue behind one head row: they spread over lanes, and the trail verifies."""
    _write_concurrently(app, threads=16, each=125, empty_trail=False)
    lanes = _assert_intact(1 + 16 * 125, threads=16, each=125)
    assert len(lanes) > 1, "concurrent writers all waited for one lane"
