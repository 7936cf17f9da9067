"""Migrations: an empty database upgrades to head, head matches the models, every revision goes down and up.

Runs on a fresh SQLite file always, and on a freshly created PostgreSQL database when
``TEST_DATABASE_URL`` is set (created and dropped here, so the shared test database is untouched).
"""

from __future__ import annotations

import logging
import os
import uuid

import flask_migrate
import pytest
from alembic import command as alembic_command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from portal import create_app
from portal.config import ROOT
from portal.extensions import db


@pytest.fixture(autouse=True)
def keep_logging():
    """Alembic's env.py runs logging.config.fileConfig, which disables every logger that exists.

    Undo that (including for loggers first created during the test), or later tests that read
    the portal's logs would see nothing.
    """
    manager = logging.Logger.manager
    disabled_before = {name for name, lg in manager.loggerDict.items() if getattr(lg, "disabled", False)}
    root_level, root_handlers = logging.root.level, list(logging.root.handlers)
    yield
    for name, logger in list(manager.loggerDict.items()):
        if isinstance(logger, logging.Logger):
            logger.disabled = name in disabled_before
    for handler in list(logging.root.handlers):
        if handler not in root_handlers:
            logging.root.removeHandler(handler)
    logging.root.setLevel(root_level)


def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'migrations.db'}"


@pytest.fixture
def postgres_url():
    """A brand-new PostgreSQL database on the test server, dropped afterwards."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("TEST_DATABASE_URL is not set")
    import psycopg

    server = make_url(base).set(drivername="postgresql")
    name = f"portal_migrations_{uuid.uuid4().hex[:12]}"
    admin_dsn = server.set(database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrated_app(url: str):
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x" * 32})


def differences() -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        return compare_metadata(context, db.metadata)


def tables() -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def current_revision() -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def revisions_base_to_head() -> list[str]:
    script = ScriptDirectory.from_config(flask_migrate.Migrate().get_config(str(ROOT / "migrations")))
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def check_round_trip(url: str):
    app = migrated_app(url)
    with app.app_context():
        assert tables() == set()
        flask_migrate.upgrade()
        model_tables = set(db.metadata.tables)
        assert tables() == model_tables
        assert differences() == []

        # Every revision goes down on its own, then up again on its own.
        revisions = revisions_base_to_head()
        assert current_revision() == revisions[-1]
        for expected in reversed(revisions[:-1]):
            flask_migrate.downgrade(revision="-1")
            assert current_revision() == expected
        flask_migrate.downgrade(revision="base")
        assert current_revision() is None
        assert tables() == set()

        for revision in revisions:
            flask_migrate.upgrade(revision=revision)
            assert current_revision() == revision
        assert tables() == model_tables
        assert differences() == []
        db.engine.dispose()


def test_sqlite_upgrade_matches_models_and_round_trips(tmp_path):
    check_round_trip(sqlite_url(tmp_path))


@pytest.mark.postgres_only
def test_postgresql_upgrade_matches_models_and_round_trips(postgres_url):
    check_round_trip(postgres_url)


@pytest.mark.postgres_only
def test_postgresql_refuses_to_rewrite_the_audit_trail(postgres_url):
    from portal.audit import record

    app = migrated_app(postgres_url)
    with app.app_context():
        flask_migrate.upgrade()
        record("test.event", detail={"n": 1})
        db.session.commit()

        for statement in (
            "UPDATE audit_events SET action = 'edited'",
            "DELETE FROM audit_events",
            "TRUNCATE audit_events",
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()
        assert db.session.execute(text("SELECT action FROM audit_events")).scalars().all() == ["test.event"]

        # Inserting is what the trail is for.
        record("test.event", detail={"n": 2})
        db.session.commit()
        assert db.session.execute(text("SELECT count(*) FROM audit_events")).scalar_one() == 2
        db.session.remove()
        db.engine.dispose()


def test_the_unique_local_reference_revision_names_cases_registered_twice(tmp_path):
    """Revision 0007 adds the index that stops a second local "Case H 2025"; copies made before it
    (by a double click) are named for a person to merge, never deleted by the upgrade."""
    app = migrated_app(sqlite_url(tmp_path))
    with app.app_context():
        flask_migrate.upgrade(revision="0006")
        for letter in ("H", "H", "J"):
            db.session.execute(
                text(
                    "INSERT INTO cases (letter, year, review_type, stage, on_hold, created_at, version) "
                    "VALUES (:letter, 2025, 'undecided', 'referral', false, CURRENT_TIMESTAMP, 1)"
                ),
                {"letter": letter},
            )
        db.session.commit()
        # Alembic itself (Flask-Migrate would log the same message and exit, as the CLI does).
        config = app.extensions["migrate"].migrate.get_config()
        with pytest.raises(RuntimeError, match=r"registered more than once: Case H 2025 \(2 rows\)\. Merge"):
            alembic_command.upgrade(config, "0007")
        db.session.rollback()
        assert current_revision() == "0006"
        db.session.execute(
            text("UPDATE cases SET letter = 'K' WHERE id = (SELECT max(id) FROM cases WHERE letter = 'H')")
        )
        db.session.commit()
        flask_migrate.upgrade(revision="0007")
        assert current_revision() == "0007"
        db.session.remove()
        db.engine.dispose()


def check_register_backfill(url: str):
    """0012 fills in the register's columns of the cases already there, as the portal computes them."""
    from datetime import UTC, date, datetime

    import sqlalchemy as sa

    from portal.clock import as_utc

    app = migrated_app(url)
    with app.app_context():
        flask_migrate.upgrade(revision="0011")
        cases = sa.table(
            "cases",
            *(sa.column(name, sa.Integer) for name in ("id", "year", "version")),
            *(sa.column(name, sa.String) for name in ("letter", "review_type", "stage", "decision_outcome")),
            sa.column("on_hold", sa.Boolean),
            sa.column("created_at", sa.DateTime(timezone=True)),
            *(
                sa.column(name, sa.Date)
                for name in (
                    "csp_notified_on",
                    "stage_entered_on",
                    "decision_on",
                    "home_office_informed_on",
                    "hold_since",
                )
            ),
        )
        history = sa.table(
            "stage_history",
            sa.column("case_id", sa.Integer),
            sa.column("kind", sa.String),
            sa.column("to_stage", sa.String),
            sa.column("occurred_on", sa.Date),
            sa.column("recorded_at", sa.DateTime(timezone=True)),
        )
        updates = sa.table(
            "crg_updates",
            sa.column("case_id", sa.Integer),
            sa.column("meeting_on", sa.Date),
            sa.column("text", sa.String),
            sa.column("created_at", sa.DateTime(timezone=True)),
        )
        base = {"year": 2025, "version": 1, "review_type": "dhr", "decision_outcome": None, "on_hold": False}
        base |= {"decision_on": None, "home_office_informed_on": None, "hold_since": None}
        db.session.execute(
            cases.insert(),
            [
                # Referral: the decision is due a month after the CSP was told.
                base
                | {
                    "id": 1,
                    "letter": "A",
                    "stage": "referral",
                    "created_at": datetime(2025, 1, 6, 9, tzinfo=UTC),
                    "csp_notified_on": date(2025, 1, 6),
                    "stage_entered_on": date(2025, 1, 6),
                },
                # Panel stage, ten days on hold in March: completion due six months after the decision, plus ten days.
                base
                | {
                    "id": 2,
                    "letter": "B",
                    "stage": "in_review",
                    "decision_outcome": "conduct",
                    "created_at": datetime(2025, 1, 6, 9, tzinfo=UTC),
                    "csp_notified_on": date(2025, 1, 6),
                    "decision_on": date(2025, 2, 1),
                    "home_office_informed_on": date(2025, 2, 10),
                    "stage_entered_on": date(2025, 2, 20),
                },
                # On hold now: its clock is paused; no stage date kept, so the day it was created in England.
                base
                | {
                    "id": 3,
                    "letter": "C",
                    "stage": "referral",
                    "on_hold": True,
                    "hold_since": date(2025, 7, 2),
                    "created_at": datetime(2025, 6, 30, 23, 30, tzinfo=UTC),
                    "csp_notified_on": date(2025, 6, 30),
                    "stage_entered_on": None,
                },
            ],
        )
        at = datetime(2025, 3, 11, 10, tzinfo=UTC)
        db.session.execute(
            history.insert(),
            [
                {
                    "case_id": 2,
                    "kind": "hold",
                    "to_stage": "in_review",
                    "occurred_on": date(2025, 3, 1),
                    "recorded_at": at,
                },
                {
                    "case_id": 2,
                    "kind": "resume",
                    "to_stage": "in_review",
                    "occurred_on": date(2025, 3, 11),
                    "recorded_at": at,
                },
                {
                    "case_id": 3,
                    "kind": "hold",
                    "to_stage": "referral",
                    "occurred_on": date(2025, 7, 2),
                    "recorded_at": at,
                },
            ],
        )
        later = datetime(2025, 6, 12, 18, tzinfo=UTC)
        db.session.execute(
            updates.insert(), [{"case_id": 2, "meeting_on": date(2025, 6, 12), "text": "x", "created_at": later}]
        )
        db.session.commit()

        flask_migrate.upgrade(revision="0012")
        read = sa.table(
            "cases",
            sa.column("id", sa.Integer),
            sa.column("stage_since", sa.Date),
            sa.column("next_due_clock", sa.String),
            sa.column("next_due_on", sa.Date),
            sa.column("changed_at", sa.DateTime(timezone=True)),
        )
        rows = {row.id: row for row in db.session.execute(sa.select(read).order_by(read.c.id))}
        assert (rows[1].stage_since, rows[1].next_due_clock, rows[1].next_due_on) == (
            date(2025, 1, 6),
            "decision",
            date(2025, 2, 6),
        )
        assert (rows[2].next_due_clock, rows[2].next_due_on) == ("completion", date(2025, 8, 11))
        assert (rows[3].stage_since, rows[3].next_due_clock, rows[3].next_due_on) == (date(2025, 7, 1), None, None)
        assert rows[1].changed_at is None  # no history row: nothing to show as a change
        assert as_utc(rows[2].changed_at) == later  # the latest of its history and updates
        assert as_utc(rows[3].changed_at) == at
        db.session.remove()
        db.engine.dispose()


def test_sqlite_register_columns_are_filled_in(tmp_path):
    check_register_backfill(sqlite_url(tmp_path))


@pytest.mark.postgres_only
def test_postgresql_register_columns_are_filled_in(postgres_url):
    check_register_backfill(postgres_url)
