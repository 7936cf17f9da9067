"""The keyed, anchored audit trail: a rewrite by someone with write access to the database is found.

The attacker here has the database and nothing else (not AUDIT_KEY, not the anchor file): they
rewrite the last rows of a lane and its head row with raw SQL, recomputing the chain with plain
SHA-256 as the code before revision 0010 did, and on PostgreSQL switch off the trigger first
as a superuser would. Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL says so (the
harness database has no trigger; ``test_the_trigger_switched_off_by_a_superuser...`` uses a
migrated one that has it).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket

import pytest
from sqlalchemy import select, text, update

from portal.audit import keys, record, verify
from portal.audit.anchor import latest_anchor
from portal.audit.models import AuditEvent, AuditHead
from portal.audit.services import HASHED, content_hash, genesis, keyed_hash
from portal.documents.crypto import key_id_for
from portal.extensions import db


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


@pytest.fixture
def audit_key(app):
    """A key of this test's own, as an operator would set AUDIT_KEY."""
    app.config.update(AUDIT_KEY=new_key(), AUDIT_OLD_KEYS="")
    return app.config["AUDIT_KEY"]


@pytest.fixture
def anchor_file(app, tmp_path):
    path = tmp_path / "anchors" / "audit-anchors.jsonl"
    path.parent.mkdir()
    app.config["AUDIT_ANCHOR_FILE"] = str(path)
    return path


def write(count: int, clock, start: int = 0) -> None:
    for n in range(start, start + count):
        clock.advance(seconds=1)
        record("test.event", object_type="thing", object_id=n, detail={"n": n})
        db.session.commit()


def lane_rows(lane: int = 1) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.lane == lane).order_by(AuditEvent.seq)))


def cli(app, *args):
    return app.test_cli_runner().invoke(args=["audit", *args])


def switch_off_the_trigger() -> None:
    # What a superuser can do; the harness database has no trigger, the migrated one has it.
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))


def rewrite(from_seq: int, *, lane: int = 1, key_id="plain", hasher=None) -> None:
    """The attack: change each row from ``from_seq`` on, re-link and re-hash it, move the head.

    ``key_id="plain"`` puts NULL in the key id (as a row from before keying); ``"keep"`` leaves
    the row's key id and writes a plain SHA-256 anyway. ``hasher`` replaces plain SHA-256 (an
    attacker who also stole the key).
    """
    switch_off_the_trigger()
    rows = lane_rows(lane)
    prev = rows[from_seq - 2].hash if from_seq > 1 else genesis(lane)
    for row in rows[from_seq - 1 :]:
        values = {name: getattr(row, name) for name in HASHED}
        values["detail"] = {"n": "nothing happened here"}
        values["prev_hash"] = prev
        new_key_id = None if key_id == "plain" else row.key_id
        hashed = hasher(values, new_key_id) if hasher else content_hash(values)
        db.session.execute(
            update(AuditEvent.__table__)
            .where(AuditEvent.__table__.c.id == row.id)
            .values(detail=values["detail"], prev_hash=prev, hash=hashed, key_id=new_key_id)
        )
        prev = hashed
    db.session.execute(update(AuditHead.__table__).where(AuditHead.__table__.c.id == lane).values(hash=prev))
    db.session.commit()
    db.session.expire_all()


def test_new_events_are_keyed_with_an_hmac_under_audit_key(app, clock, audit_key):
    write(3, clock)
    rows = lane_rows()
    assert {row.key_id for row in rows} == {key_id_for(base64.b64decode(audit_key))}
    for row in rows:
        values = {name: getattr(row, name) for name in HASHED}
        assert row.hash != content_hash(values)  # not plain SHA-256 any more
        assert row.hash == keyed_hash(values, row.key_id, base64.b64decode(audit_key))
    assert verify() is None
    assert cli(app, "verify").exit_code == 0


@pytest.mark.parametrize("key_id", ["plain", "keep"], ids=["key-id-removed", "key-id-kept"])
def test_a_rewrite_of_the_last_rows_and_the_head_in_plain_sha256_is_found_through_the_hmac(
    app, clock, audit_key, key_id
):
    write(8, clock)
    first_rewritten = lane_rows()[5]
    rewrite(6, key_id=key_id)
    problem = verify()
    assert (problem.lane, problem.seq, problem.event_id) == (1, 6, first_rewritten.id)
    expected = "rewritten by someone without AUDIT_KEY" if key_id == "plain" else "HMAC does not match"
    assert expected in problem.reason
    result = cli(app, "verify")
    assert result.exit_code == 1
    assert f"row id {first_rewritten.id} (seq 6)" in result.output and expected in result.output


@pytest.mark.parametrize("later", [0, 2], ids=["nothing-after-the-anchor", "rows-after-the-anchor"])
def test_a_whole_lane_rewritten_in_plain_sha256_is_found_through_the_anchor(app, clock, audit_key, anchor_file, later):
    write(5, clock)
    assert cli(app, "anchor").exit_code == 0
    write(later, clock, start=5)
    rewrite(1)  # every row: the lane now looks like one from before keying
    # Without the anchor nothing in the database tells it from an old lane (docs/RECORDS.md)...
    assert verify() is None
    # ...the anchor does: the anchored row's hash changed, or plain rows follow it.
    result = cli(app, "verify")
    assert result.exit_code == 1
    if later:
        assert "(seq 6): has no audit key although it comes after the anchored seq 5" in result.output
    else:
        assert "lane 1, seq 5: rewritten since it was anchored" in result.output


def test_plain_rows_after_the_anchored_head_are_found(app, clock, audit_key, anchor_file):
    write(4, clock)
    assert cli(app, "anchor").exit_code == 0
    write(3, clock, start=4)
    # Only the rows after the anchor, re-linked to the anchored row: the anchored row is untouched.
    rewrite(5)
    result = cli(app, "verify")
    assert result.exit_code == 1
    assert "row id" in result.output and "(seq 5)" in result.output
    assert "rewritten by someone without AUDIT_KEY" in result.output


def test_an_attacker_with_the_key_is_still_found_through_the_anchor(app, clock, audit_key, anchor_file):
    write(6, clock)
    assert cli(app, "anchor").exit_code == 0
    key = base64.b64decode(audit_key)
    rewrite(3, key_id="keep", hasher=lambda values, key_id: keyed_hash(values, key_id, key))
    assert verify() is None  # the HMACs are right: only the anchor can tell
    result = cli(app, "verify")
    assert result.exit_code == 1
    assert "lane 1, seq 6: rewritten since it was anchored" in result.output


def test_rows_deleted_back_past_the_anchor_are_found(app, clock, audit_key, anchor_file):
    write(5, clock)
    assert cli(app, "anchor").exit_code == 0
    switch_off_the_trigger()
    last_two = [row.id for row in lane_rows()[3:]]
    db.session.execute(text("DELETE FROM audit_events WHERE id IN (:a, :b)"), {"a": last_two[0], "b": last_two[1]})
    db.session.execute(text("UPDATE audit_head SET seq = 3, hash = :h WHERE id = 1"), {"h": lane_rows()[2].hash})
    db.session.commit()
    assert verify() is None  # a consistent, shorter chain
    result = cli(app, "verify")
    assert result.exit_code == 1
    assert "lane 1, seq 5: missing" in result.output


def test_anchor_appends_one_json_line_per_anchor_and_verify_uses_the_last(app, clock, audit_key, anchor_file):
    write(2, clock)
    first = cli(app, "anchor")
    assert first.exit_code == 0, first.output
    write(2, clock, start=2)
    assert cli(app, "anchor").exit_code == 0
    lines = anchor_file.read_text().splitlines()
    assert len(lines) == 2
    body = json.loads(lines[0])
    heads = {head["lane"]: head for head in body["heads"]}
    assert heads[1]["seq"] == 2 and body["anchored_at"].endswith("Z")
    assert json.loads(lines[1])["heads"][0]["seq"] == 4
    assert latest_anchor(anchor_file).heads[1][0] == 4
    result = cli(app, "verify")
    assert result.exit_code == 0, result.output
    assert "matches the anchor" in result.output and "line 2" in result.output


def test_an_edited_anchor_line_is_refused(app, clock, audit_key, anchor_file):
    write(3, clock)
    assert cli(app, "anchor").exit_code == 0
    body = json.loads(anchor_file.read_text())
    body["heads"][0]["seq"] = 2
    body["heads"][0]["hash"] = lane_rows()[1].hash
    anchor_file.write_text(json.dumps(body) + "\n")
    result = cli(app, "verify")
    assert result.exit_code == 1
    assert "altered" in result.output


def test_anchor_without_a_destination_is_refused(app, audit_key):
    app.config.update(AUDIT_ANCHOR_FILE="", AUDIT_ANCHOR_SYSLOG="")
    result = cli(app, "anchor")
    assert result.exit_code == 1
    assert "AUDIT_ANCHOR_FILE" in result.output


def test_anchor_to_syslog_over_udp(app, clock, audit_key):
    write(2, clock)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as collector:
        collector.bind(("127.0.0.1", 0))
        collector.settimeout(5)
        app.config.update(AUDIT_ANCHOR_FILE="", AUDIT_ANCHOR_SYSLOG=f"127.0.0.1:{collector.getsockname()[1]}")
        result = cli(app, "anchor")
        assert result.exit_code == 0, result.output
        message = collector.recv(65536).decode()
    assert "darr-portal-audit-anchor:" in message
    line = message.split("darr-portal-audit-anchor: ", 1)[1].strip("\x00\n")
    assert json.loads(line)["heads"][0]["seq"] == 2


def test_key_rotation_keeps_older_rows_verifiable(app, clock, audit_key):
    write(3, clock)
    old_id = key_id_for(base64.b64decode(audit_key))
    # Rotate: a new AUDIT_KEY, the old one moved to AUDIT_OLD_KEYS.
    app.config.update(AUDIT_KEY=new_key(), AUDIT_OLD_KEYS=audit_key)
    write(3, clock, start=3)
    new_id = key_id_for(base64.b64decode(app.config["AUDIT_KEY"]))
    assert [row.key_id for row in lane_rows()] == [old_id] * 3 + [new_id] * 3
    assert verify() is None
    assert cli(app, "verify").exit_code == 0
    # Forgetting the old key makes its rows uncheckable, and says which key is missing.
    app.config["AUDIT_OLD_KEYS"] = ""
    problem = verify()
    assert problem.seq == 1 and old_id in problem.reason and "AUDIT_OLD_KEYS" in problem.reason


def test_plain_rows_from_before_keying_still_verify_and_the_chain_goes_on_keyed(app, clock, audit_key):
    """Rows as revision 0010 found them (plain SHA-256, no key id), then keyed rows after them."""
    prev = genesis(1)
    for seq in (1, 2):
        values = {name: None for name in HASHED} | {
            "seq": seq,
            "occurred_at": clock.now,
            "action": "test.old",
            "outcome": "success",
            "detail": {},
            "prev_hash": prev,
        }
        hashed = hashlib.sha256(json.dumps(
            [values[n] if n != "occurred_at" else values[n].strftime("%Y-%m-%dT%H:%M:%S.%fZ") for n in HASHED],
            sort_keys=True, separators=(",", ":"),
        ).encode()).hexdigest()  # fmt: skip
        db.session.add(AuditEvent(lane=1, key_id=None, hash=hashed, **values))
        prev = hashed
    db.session.add(AuditHead(id=1, seq=2, hash=prev))
    db.session.commit()
    write(2, clock)
    assert [row.key_id is None for row in lane_rows()] == [True, True, False, False]
    assert verify() is None
    result = cli(app, "verify")
    assert result.exit_code == 0 and "2 event(s) from before the chain was keyed" in result.output


def test_keys_are_cached_per_setting(app, audit_key):
    assert keys.keyring() is keys.keyring()
    app.config["AUDIT_KEY"] = new_key()
    assert keys.keyring().current_id == key_id_for(base64.b64decode(app.config["AUDIT_KEY"]))


def test_development_generates_audit_and_backup_keys_into_an_existing_secrets_file(tmp_path, monkeypatch):
    from portal import config as portal_config

    monkeypatch.setattr(portal_config, "INSTANCE", tmp_path)
    for name in ("AUDIT_KEY", "BACKUP_KEY"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "secrets.json"
    older = {"SECRET_KEY": "kept-" + "x" * 40, "DOCUMENTS_KEY": new_key(), "TOTP_KEY": new_key()}
    path.write_text(json.dumps(older))  # an install from before the audit trail was keyed
    config = portal_config.load_config("development")
    after = json.loads(path.read_text())
    assert {name: after[name] for name in older} == older
    assert config["AUDIT_KEY"] == after["AUDIT_KEY"] and len(base64.b64decode(after["AUDIT_KEY"])) == 32
    assert config["BACKUP_KEY"] == after["BACKUP_KEY"] != after["AUDIT_KEY"]
    assert portal_config.load_config("development")["AUDIT_KEY"] == after["AUDIT_KEY"]  # kept, not replaced
