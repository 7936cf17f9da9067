"""On PostgreSQL the migrations install a trigger that refuses UPDATE, DELETE and TRUNCATE
on audit_events. Tested on a fresh database built by the migrations (not ``create_all``).
"""

from __future__ import annotations

import logging
import os
import uuid

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from portal import create_app
from portal.audit import record, verify
from portal.extensions import db

TEST_URL = os.environ.get("TEST_DATABASE_URL", "")

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not TEST_URL.startswith("postgresql"), reason="needs PostgreSQL (TEST_DATABASE_URL)"),
]


def _libpq(url) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def migrated_app(app_config):
    """An app on a new, uniquely named database upgraded to head; dropped afterwards."""
    import flask_migrate

    server = make_url(TEST_URL.replace("postgresql+psycopg://", "postgresql://", 1))
    name = f"audit_trigger_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq(server), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = server.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": url})
    # Alembic's env.py runs logging.fileConfig, which disables every logger that exists:
    # put them back so later tests that read the logs (caplog) still see them.
    manager = logging.root.manager
    disabled = {
        name: logger.disabled for name, logger in manager.loggerDict.items() if isinstance(logger, logging.Logger)
    }
    root_state = (logging.root.level, list(logging.root.handlers))
    try:
        with app.app_context():
            flask_migrate.upgrade()
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        for logger_name, logger in manager.loggerDict.items():
            if isinstance(logger, logging.Logger):
                logger.disabled = disabled.get(logger_name, False)
        logging.root.setLevel(root_state[0])
        logging.root.handlers[:] = root_state[1]
        with psycopg.connect(_libpq(server), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET action = 'test.innocent' WHERE seq = 2",
        "UPDATE audit_events SET detail = '{}'",
        "DELETE FROM audit_events WHERE seq = 3",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
        "TRUNCATE audit_events CASCADE",
    ],
)
def test_the_trigger_refuses_rewriting_the_trail(migrated_app, statement):
    for n in range(3):
        record("test.event", detail={"n": n})
        db.session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(statement))
        db.session.flush()
    db.session.rollback()
    rows = db.session.execute(text("SELECT seq, action FROM audit_events ORDER BY seq")).all()
    assert [tuple(row) for row in rows] == [(1, "test.event"), (2, "test.event"), (3, "test.event")]
    assert verify() is None


def test_appending_still_works_under_the_trigger(migrated_app):
    """The trigger must not stop ``record`` (which only inserts events and moves the head)."""
    for _ in range(3):
        record("test.event")
        db.session.commit()
    assert db.session.execute(text("SELECT count(*) FROM audit_events")).scalar_one() == 3
    assert verify() is None


def test_the_trigger_switched_off_by_a_superuser_still_leaves_the_rewrite_found(migrated_app, tmp_path):
    """The trigger stops the portal's own role; a superuser can switch it off. The HMAC and the
    anchor are what find a rewrite then (tests/audit/test_keyed.py has the other cases)."""
    from tests.audit.test_keyed import rewrite

    migrated_app.config["AUDIT_ANCHOR_FILE"] = str(tmp_path / "anchors.jsonl")
    for n in range(5):
        record("test.event", detail={"n": n})
        db.session.commit()
    runner = migrated_app.test_cli_runner()
    assert runner.invoke(args=["audit", "anchor"]).exit_code == 0
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("UPDATE audit_events SET detail = '{}' WHERE seq = 5"))
    db.session.rollback()
    db.session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_rewrite"))
    rewrite(4)  # the last two rows and the head, in plain SHA-256
    problem = verify()
    assert (problem.seq, "rewritten by someone without AUDIT_KEY" in problem.reason) == (4, True)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "(seq 4)" in result.output
