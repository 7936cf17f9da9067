"""``flask audit verify`` finds an edited, deleted or reordered row and names the first bad one.

The rows are tampered with by raw SQL, as someone with database access would. The test
database is built with ``create_all`` (no trigger), so this works on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from portal.audit import record, verify
from portal.extensions import db
from tests.audit.conftest import events


@pytest.fixture
def chain(app, clock):
    """Ten committed events; returns their (id, seq) pairs in order."""
    for n in range(10):
        clock.advance(seconds=1)
        record("test.event", object_type="thing", object_id=n, detail={"n": n})
        db.session.commit()
    return [(event.id, event.seq) for event in events()]


def run_verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def sql(statement: str, **params) -> None:
    db.session.execute(text(statement), params)
    db.session.commit()
    db.session.expire_all()


def test_an_intact_chain_verifies(app, chain):
    result = run_verify(app)
    assert result.exit_code == 0, result.output
    assert "intact" in result.output
    assert verify() is None


def test_an_empty_trail_verifies(app):
    assert verify() is None
    assert run_verify(app).exit_code == 0


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE audit_events SET detail = '{\"n\": 99}' WHERE id = :id",
        "UPDATE audit_events SET action = 'test.innocent' WHERE id = :id",
        "UPDATE audit_events SET actor_id = NULL, ip = '10.0.0.1' WHERE id = :id",
        "UPDATE audit_events SET outcome = 'success', object_id = '7' WHERE id = :id",
    ],
    ids=["detail", "action", "actor-and-ip", "outcome-and-object"],
)
def test_an_edited_row_is_named(app, chain, change):
    bad_id, bad_seq = chain[4]
    sql(change, id=bad_id)
    problem = verify()
    assert (problem.event_id, problem.seq) == (bad_id, bad_seq)
    assert "changed" in problem.reason
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"row id {bad_id} (seq {bad_seq})" in result.output
    assert "changed" in result.output


def test_an_edited_time_is_named(app, chain):
    bad_id, bad_seq = chain[2]
    sql("UPDATE audit_events SET occurred_at = :when WHERE id = :id", when=datetime(2020, 1, 1, tzinfo=UTC), id=bad_id)
    problem = verify()
    assert (problem.event_id, problem.seq) == (bad_id, bad_seq)


def test_a_row_deleted_in_the_middle_is_named(app, chain):
    gone_id, gone_seq = chain[5]
    next_id, next_seq = chain[6]
    sql("DELETE FROM audit_events WHERE id = :id", id=gone_id)
    problem = verify()
    assert problem.seq == gone_seq
    assert f"row is id {next_id} with seq {next_seq}" in problem.reason
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"seq {gone_seq}: missing" in result.output


def test_the_first_row_deleted_is_named(app, chain):
    sql("DELETE FROM audit_events WHERE id = :id", id=chain[0][0])
    assert verify().seq == 1


def test_a_deleted_last_row_is_named(app, chain):
    gone_id, gone_seq = chain[-1]
    sql("DELETE FROM audit_events WHERE id = :id", id=gone_id)
    problem = verify()
    assert problem.seq == gone_seq and problem.event_id is None
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"seq {gone_seq}: missing" in result.output


def test_a_deleted_middle_row_renumbered_to_close_the_gap_is_named(app, chain):
    # Someone deletes seq 6 and moves every later row down one to hide the gap.
    gone_id, gone_seq = chain[5]
    sql("DELETE FROM audit_events WHERE id = :id", id=gone_id)
    for row_id, seq in chain[6:]:
        sql("UPDATE audit_events SET seq = :seq WHERE id = :id", seq=seq - 1, id=row_id)
    sql("UPDATE audit_head SET seq = seq - 1")
    problem = verify()
    assert problem.event_id == chain[6][0]  # the first row that no longer follows its predecessor
    assert problem.seq == gone_seq


def test_two_rows_with_swapped_seq_values_are_named(app, chain):
    (first_id, first_seq), (second_id, second_seq) = chain[3], chain[4]
    # seq is unique: go through a free value, as anyone doing this would have to.
    sql("UPDATE audit_events SET seq = -1 WHERE id = :id", id=first_id)
    sql("UPDATE audit_events SET seq = :seq WHERE id = :id", seq=first_seq, id=second_id)
    sql("UPDATE audit_events SET seq = :seq WHERE id = :id", seq=second_seq, id=first_id)
    problem = verify()
    # In seq order the first bad row is the later row, now numbered as the earlier one.
    assert (problem.event_id, problem.seq) == (second_id, first_seq)
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"row id {second_id} (seq {first_seq})" in result.output


def test_two_rows_with_swapped_contents_are_named(app, chain):
    """Every column but the id swapped: each row is self-consistent, but stored out of order."""
    (first_id, _), (second_id, _) = chain[3], chain[4]
    columns = [
        "seq",
        "occurred_at",
        "actor_id",
        "action",
        "outcome",
        "object_type",
        "object_id",
        "case_id",
        "ip",
        "detail",
        "prev_hash",
        "hash",
    ]
    select_row = text(f"SELECT {', '.join(columns)} FROM audit_events WHERE id = :id")  # noqa: S608 - fixed names
    rows = {row_id: db.session.execute(select_row, {"id": row_id}).one()._asdict() for row_id in (first_id, second_id)}
    assignments = ", ".join(f"{column} = :{column}" for column in columns)
    sql("UPDATE audit_events SET seq = -1 WHERE id = :id", id=first_id)
    for target, source in ((second_id, first_id), (first_id, second_id)):
        values = dict(rows[source])
        if not isinstance(values["detail"], str):
            values["detail"] = json.dumps(values["detail"])
        sql(f"UPDATE audit_events SET {assignments} WHERE id = :row_id", row_id=target, **values)  # noqa: S608
    problem = verify()
    # The row now holding the later event sits before the row holding the earlier one.
    assert problem.event_id == first_id
    assert "out of order" in problem.reason
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"row id {first_id}" in result.output


def test_a_missing_head_record_is_named(app, chain):
    sql("DELETE FROM audit_head")
    problem = verify()
    assert problem is not None and "head" in problem.reason


def test_verify_passes_again_after_more_events(app, chain, clock):
    """The check reads the chain as written by ``record``: no false alarms as it grows."""
    for _ in range(3):
        record("test.more")
        db.session.commit()
    assert verify() is None
