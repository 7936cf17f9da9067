"""Migration 0009 (audit lanes): a trail written as one chain before it verifies unchanged after the
upgrade and keeps growing; the downgrade keeps a single lane's events and refuses to squash several
lanes into one chain. On a fresh SQLite file, and on a fresh PostgreSQL database when
``TEST_DATABASE_URL`` is set (with the trigger refusing UPDATE and DELETE in place).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import flask_migrate
import pytest
import sqlalchemy as sa
from sqlalchemy import text

from portal.audit import record, verify
from portal.audit.models import AuditEvent, AuditHead
from portal.audit.services import GENESIS, content_hash, genesis
from portal.extensions import db
from tests.test_migrations import (  # noqa: F401
    current_revision,
    keep_logging,
    migrated_app,
    postgres_url,
    revisions_base_to_head,
)

# Three events as the single chain wrote them before lanes existed: hashes computed by that
# code (portal/audit/services.py before migration 0009), not by the code under test.
BEFORE_LANES = [
    (1, "072d38581f10d83ff17ede6687036341d739a3d7e3099845c7de27521b38b69a"),
    (2, "ccbff6774c75dafeefbc33fddbee6c39dcdc02172588bb89462f7cd8db499111"),
    (3, "57303e4c1e15a011db0e74bf7e59ee2ecef9508c4c0813d5753c588115679f03"),
]
OLD_EVENTS = sa.table(
    "audit_events",
    *(sa.column(name) for name in ("seq", "actor_id", "action", "outcome", "object_type", "object_id")),
    *(sa.column(name) for name in ("case_id", "ip", "prev_hash", "hash")),
    sa.column("occurred_at", sa.DateTime(timezone=True)),
    sa.column("detail", sa.JSON()),
)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'lanes.db'}"
    if not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        pytest.skip("TEST_DATABASE_URL is not set to PostgreSQL")
    return request.getfixturevalue("postgres_url")


def write_the_old_chain() -> None:
    prev = GENESIS
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    for seq, hashed in BEFORE_LANES:
        db.session.execute(
            OLD_EVENTS.insert().values(
                seq=seq,
                occurred_at=start + timedelta(seconds=seq, microseconds=seq * 1001),
                actor_id=None,
                action="test.before_lanes",
                outcome="success",
                object_type="thing",
                object_id=str(seq),
                case_id=None,
                ip="203.0.113.7",
                detail={"n": seq},
                prev_hash=prev,
                hash=hashed,
            )
        )
        prev = hashed
    db.session.execute(text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 3, :hash)"), {"hash": prev})
    db.session.commit()


def test_a_trail_written_before_lanes_verifies_after_the_upgrade_and_grows(url):
    app = migrated_app(url)
    with app.app_context():
        flask_migrate.upgrade(revision="0008")
        write_the_old_chain()
        flask_migrate.upgrade()
        assert current_revision() == revisions_base_to_head()[-1]
        assert verify() is None
        lanes = db.session.execute(text("SELECT DISTINCT lane FROM audit_events")).scalars().all()
        assert lanes == [1]
        record("test.after_lanes")
        db.session.commit()
        rows = db.session.execute(text("SELECT lane, seq, prev_hash FROM audit_events ORDER BY seq")).all()
        assert [tuple(row) for row in rows][-1] == (1, 4, BEFORE_LANES[-1][1])
        # The old rows keep their plain SHA-256 (no key id); the new one is keyed (migration 0010).
        keyed = db.session.execute(text("SELECT key_id IS NOT NULL FROM audit_events ORDER BY seq")).scalars().all()
        assert [bool(k) for k in keyed] == [False, False, False, True]
        assert verify() is None
        db.session.remove()
        db.engine.dispose()


def test_downgrading_a_single_lane_keeps_every_event(url):
    app = migrated_app(url)
    with app.app_context():
        # Events the current code writes are keyed, and migration 0010 refuses to go below
        # itself then; so the lane is written by the code before it.
        flask_migrate.upgrade(revision="0008")
        write_the_old_chain()
        flask_migrate.upgrade()
        flask_migrate.downgrade(revision="0008")
        assert current_revision() == "0008"
        rows = db.session.execute(text("SELECT seq, action FROM audit_events ORDER BY seq")).all()
        assert [tuple(row) for row in rows] == [(n, "test.before_lanes") for n in (1, 2, 3)]
        assert db.session.execute(text("SELECT id, seq FROM audit_head")).all() == [(1, 3)]
        db.session.remove()
        db.engine.dispose()


def test_downgrading_several_lanes_is_refused_and_changes_nothing(url):
    if not url.startswith("postgresql"):
        pytest.skip("several lanes need PostgreSQL")
    app = migrated_app(url)
    with app.app_context():
        flask_migrate.upgrade()
        # Two lanes of plain-hashed events (as before revision 0010, which keeps them so).
        for lane in (1, 2):
            values = {
                "seq": 1,
                "occurred_at": datetime(2026, 3, 2, 9, lane, tzinfo=UTC),
                "actor_id": None,
                "action": "test.event",
                "outcome": "success",
                "object_type": None,
                "object_id": None,
                "case_id": None,
                "ip": None,
                "detail": {},
                "prev_hash": genesis(lane),
            }
            hashed = content_hash(values)
            db.session.execute(sa.insert(AuditEvent).values(lane=lane, hash=hashed, key_id=None, **values))
            db.session.execute(sa.insert(AuditHead).values(id=lane, seq=1, hash=hashed))
        db.session.commit()
        assert verify() is None
        assert db.session.execute(text("SELECT count(DISTINCT lane) FROM audit_events")).scalar_one() == 2
        db.session.remove()
        flask_migrate.downgrade(revision="0009")  # nothing keyed: 0010 goes
        with pytest.raises((RuntimeError, SystemExit)):
            flask_migrate.downgrade(revision="0008")
        assert current_revision() == "0009"
        assert db.session.execute(text("SELECT lane, seq FROM audit_events ORDER BY lane")).all() == [(1, 1), (2, 1)]
        db.session.remove()
        db.engine.dispose()


def test_migration_0010_keeps_old_rows_plain_and_refuses_to_drop_keys_in_use(url):
    app = migrated_app(url)
    with app.app_context():
        flask_migrate.upgrade(revision="0010")
        record("test.keyed")
        db.session.commit()
        db.session.remove()
        with pytest.raises((RuntimeError, SystemExit)):
            flask_migrate.downgrade(revision="0009")
        assert current_revision() == "0010"
        assert verify() is None
        db.session.remove()
        db.engine.dispose()
