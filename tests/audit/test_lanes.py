"""The trail's lanes (portal/audit/services.py): writers that overlap take different lanes, a rolled-back
event leaves no gap, and ``verify`` still names an edited, deleted, moved or reordered row in any lane,
the newest rows included (what a sealer design would call "not yet sealed": here every row is chained
when it is written, so there is no such row to take on trust).

Rows are tampered with by raw SQL, as someone with database access would (the test database has no
trigger). Several lanes only happen on PostgreSQL, where a writer skips the lanes other transactions
hold: the tests hold lanes open in other connections, as requests in progress would.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

import pytest
from sqlalchemy import text

from portal.audit import record, verify
from portal.audit.services import genesis
from portal.extensions import db
from tests.audit.conftest import events

ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")
postgres_only = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not ON_POSTGRES, reason="several lanes need PostgreSQL (TEST_DATABASE_URL)"),
]


def sql(statement: str, **params) -> None:
    db.session.execute(text(statement), params)
    db.session.commit()
    db.session.expire_all()


def run_verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


@contextmanager
def lanes_held(*lanes: int):
    """Other transactions holding these lanes' head rows, as requests between record and commit do."""
    conn = db.engine.connect()
    transaction = conn.begin()
    try:
        for lane in lanes:
            conn.execute(text("SELECT id FROM audit_head WHERE id = :lane FOR UPDATE"), {"lane": lane})
        yield
    finally:
        transaction.rollback()
        conn.close()


def write(count: int, clock, **fields) -> None:
    for n in range(count):
        clock.advance(seconds=1)
        record("test.event", detail={"n": n}, **fields)
        db.session.commit()


def lane_rows(lane: int) -> list:
    return [event for event in events() if event.lane == lane]


@pytest.fixture
def three_lanes(app, clock):
    """Five events in lane 1, then four in lane 2 (lane 1 busy), then three in lane 3 (1 and 2 busy)."""
    write(5, clock)
    with lanes_held(1):
        write(4, clock)
    with lanes_held(1, 2):
        write(3, clock)
    assert [len(lane_rows(lane)) for lane in (1, 2, 3)] == [5, 4, 3]
    assert verify() is None
    return {lane: [(event.id, event.seq) for event in lane_rows(lane)] for lane in (1, 2, 3)}


# -- on both databases ---------------------------------------------------------------------------------


def test_a_rolled_back_event_leaves_no_gap(app, clock):
    """The number is taken under the lane's lock and rolls back with it: a gap can only be a deletion."""
    write(2, clock)
    record("test.rolled_back")
    db.session.rollback()
    write(2, clock)
    assert [(event.lane, event.seq) for event in events()] == [(1, 1), (1, 2), (1, 3), (1, 4)]
    assert "test.rolled_back" not in {event.action for event in events()}
    assert verify() is None


def test_events_of_one_transaction_follow_each_other_in_one_lane(app, clock):
    record("test.first")
    record("test.second")
    db.session.commit()
    first, second = events()
    assert (first.lane, first.seq, second.lane, second.seq) == (1, 1, 1, 2)
    assert second.prev_hash == first.hash
    assert verify() is None


def test_the_newest_row_edited_is_named(app, clock):
    write(4, clock)
    newest_id, newest_seq = events()[-1].id, events()[-1].seq
    sql("UPDATE audit_events SET action = 'test.innocent' WHERE id = :id", id=newest_id)
    problem = verify()
    assert (problem.lane, problem.event_id, problem.seq) == (1, newest_id, newest_seq)
    assert "changed" in problem.reason


def test_verify_reports_the_lanes_and_a_digest_of_their_heads(app, clock):
    write(3, clock)
    result = run_verify(app)
    assert result.exit_code == 0, result.output
    assert "intact (3 events in" in result.output
    digest = result.output.split("Heads digest: ")[1].strip()
    write(1, clock)
    assert run_verify(app).output.split("Heads digest: ")[1].strip() != digest, "the digest follows the heads"


# -- several lanes (PostgreSQL) ---------------------------------------------------------------------------


@postgres_only[0]
@postgres_only[1]
@pytest.mark.committed  # a second connection holds a lane while this one writes
class TestSeveralLanes:
    def test_a_writer_does_not_wait_for_another_writers_commit(self, app, clock):
        """A request between its event and its commit holds its lane; the next writer takes another at once."""
        write(1, clock)
        other = db.engine.connect()
        other_transaction = other.begin()
        try:
            # Another request: its event written, not yet committed (its lane stays locked).
            other.execute(text("SELECT id FROM audit_head WHERE id = 1 FOR UPDATE"))
            db.session.execute(text("SET LOCAL lock_timeout = '2s'"))  # waiting would fail, not hang
            record("test.meanwhile")
            db.session.commit()
        finally:
            other_transaction.rollback()
            other.close()
        [meanwhile] = events(action="test.meanwhile")
        assert (meanwhile.lane, meanwhile.seq, meanwhile.prev_hash) == (2, 1, genesis(2))
        assert verify() is None

    @pytest.mark.parametrize("lane", [2, 3])
    @pytest.mark.parametrize("position", ["middle", "newest"])
    def test_an_edited_row_in_any_lane_is_named(self, app, three_lanes, lane, position):
        bad_id, bad_seq = three_lanes[lane][1 if position == "middle" else -1]
        sql("UPDATE audit_events SET detail = '{\"n\": 99}' WHERE id = :id", id=bad_id)
        problem = verify()
        assert (problem.lane, problem.event_id, problem.seq) == (lane, bad_id, bad_seq)
        assert "changed" in problem.reason
        result = run_verify(app)
        assert result.exit_code == 1
        assert f"lane {lane}, row id {bad_id} (seq {bad_seq})" in result.output

    def test_a_row_deleted_in_the_middle_of_a_lane_is_named(self, app, three_lanes):
        gone_id, gone_seq = three_lanes[2][1]
        sql("DELETE FROM audit_events WHERE id = :id", id=gone_id)
        problem = verify()
        assert (problem.lane, problem.seq, problem.event_id) == (2, gone_seq, None)
        assert "missing" in problem.reason
        assert f"lane 2, seq {gone_seq}: missing" in run_verify(app).output

    def test_the_newest_row_of_a_lane_deleted_is_named(self, app, three_lanes):
        gone_id, gone_seq = three_lanes[3][-1]
        sql("DELETE FROM audit_events WHERE id = :id", id=gone_id)
        problem = verify()
        assert (problem.lane, problem.seq, problem.event_id) == (3, gone_seq, None)
        assert "missing (deleted)" in problem.reason

    def test_every_row_of_a_lane_deleted_is_named(self, app, three_lanes):
        sql("DELETE FROM audit_events WHERE lane = 3")
        problem = verify()
        assert (problem.lane, problem.seq) == (3, 1)
        assert "missing (deleted)" in problem.reason

    def test_a_lanes_head_deleted_is_named(self, app, three_lanes):
        sql("DELETE FROM audit_head WHERE id = 2")
        problem = verify()
        assert problem.lane == 2 and "head record is missing" in problem.reason

    def test_a_row_moved_to_the_end_of_another_lane_is_named(self, app, three_lanes):
        """Taken from lane 2 and renumbered to extend lane 3, both heads adjusted to match: still found."""
        moved_id, _ = three_lanes[2][-1]
        moved = next(event for event in lane_rows(2) if event.id == moved_id)
        new_end_of_two = lane_rows(2)[-2].hash
        sql("UPDATE audit_events SET lane = 3, seq = 4 WHERE id = :id", id=moved_id)
        sql("UPDATE audit_head SET seq = 3, hash = :hash WHERE id = 2", hash=new_end_of_two)
        sql("UPDATE audit_head SET seq = 4, hash = :hash WHERE id = 3", hash=moved.hash)
        problem = verify()
        assert (problem.lane, problem.event_id, problem.seq) == (3, moved_id, 4)
        assert "out of order" in problem.reason  # written before lane 3's rows; its link is wrong too

    def test_the_first_rows_of_two_lanes_swapped_are_named(self, app, clock):
        """Each lane starts from its own genesis value, so even single-row lanes cannot trade rows."""
        write(1, clock)
        with lanes_held(1):
            write(1, clock)
        with lanes_held(1, 2):
            write(1, clock)
        two, three = lane_rows(2)[0].id, lane_rows(3)[0].id
        sql("UPDATE audit_events SET lane = -1 WHERE id = :id", id=two)
        sql("UPDATE audit_events SET lane = 2 WHERE id = :id", id=three)
        sql("UPDATE audit_events SET lane = 3 WHERE id = :id", id=two)
        problem = verify()
        assert (problem.lane, problem.event_id) == (2, three)
        assert "does not follow" in problem.reason

    def test_two_rows_of_a_lane_with_swapped_seq_values_are_named(self, app, three_lanes):
        (first_id, first_seq), (second_id, second_seq) = three_lanes[2][1], three_lanes[2][2]
        sql("UPDATE audit_events SET seq = -1 WHERE id = :id", id=first_id)
        sql("UPDATE audit_events SET seq = :seq WHERE id = :id", seq=first_seq, id=second_id)
        sql("UPDATE audit_events SET seq = :seq WHERE id = :id", seq=second_seq, id=first_id)
        problem = verify()
        assert (problem.lane, problem.event_id, problem.seq) == (2, second_id, first_seq)

    def test_rows_stored_out_of_order_across_a_lane_are_named(self, app, three_lanes):
        """The newest row of lane 3 given the id of an older row elsewhere: it now sits before its predecessor."""
        (_, _), (middle_id, _), (newest_id, _) = three_lanes[3]
        free_id = three_lanes[1][0][0] - 1000
        sql("UPDATE audit_events SET id = :free WHERE id = :id", free=free_id, id=newest_id)
        problem = verify()
        assert (problem.lane, problem.event_id) == (3, free_id)
        assert "out of order" in problem.reason
        assert f"row id {middle_id}" in problem.reason
