"""Backup and restore between real databases: a migrated source, an empty target.

Each test gets two databases of its own (two SQLite files, or two new PostgreSQL databases
next to TEST_DATABASE_URL's, dropped afterwards), two document stores in tmp_path, and apps
built on them by ``create_app``. The backup reads the source through other connections
(SQLite's backup API, pg_dump), so nothing here runs in the harness's rolled-back transaction:
the source's rows are really committed. Uploads are scanned by the real clamd of tests/documents.
"""

from __future__ import annotations

import base64
import logging
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import flask_migrate
import psycopg
import pytest
from sqlalchemy.engine import make_url

from portal import create_app
from portal.extensions import db
from tests.conftest import PortalClient
from tests.documents.conftest import _test_routes, clamd  # noqa: F401 - the session's clamd fixture

TEST_URL = os.environ.get("TEST_DATABASE_URL", "")


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


@pytest.fixture
def keep_logging():
    """Alembic's env.py disables every existing logger: put them back afterwards."""
    manager = logging.root.manager
    disabled = {n: lg.disabled for n, lg in manager.loggerDict.items() if isinstance(lg, logging.Logger)}
    root_state = (logging.root.level, list(logging.root.handlers))
    yield
    for name, logger in manager.loggerDict.items():
        if isinstance(logger, logging.Logger):
            logger.disabled = disabled.get(name, False)
    logging.root.setLevel(root_state[0])
    logging.root.handlers[:] = root_state[1]


@dataclass
class Side:
    """One portal installation: its app, database URL and document store."""

    app: object
    url: str
    documents: Path


def _server():
    return make_url(TEST_URL.replace("postgresql+psycopg://", "postgresql://", 1)).set(drivername="postgresql")


def _admin_dsn() -> str:
    return _server().set(database="postgres").render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_kind(request):
    if request.param == "postgresql" and not TEST_URL.startswith("postgresql"):
        pytest.skip("TEST_DATABASE_URL is not set to PostgreSQL")
    return request.param


@pytest.fixture
def new_database(database_kind, tmp_path):
    """Makes empty databases of the test's kind; PostgreSQL ones are dropped at the end."""
    made = []

    def make(label: str) -> str:
        if database_kind == "sqlite":
            return f"sqlite:///{tmp_path / f'{label}.db'}"
        name = f"records_{label}_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(_admin_dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return _server().set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)

    yield make
    if made:
        with psycopg.connect(_admin_dsn(), autocommit=True) as conn:
            for name in made:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def keys():
    return {"DOCUMENTS_KEY": new_key(), "AUDIT_KEY": new_key(), "BACKUP_KEY": new_key(), "TOTP_KEY": new_key()}


@pytest.fixture
def make_side(app_config, new_database, tmp_path, clamd, keys, keep_logging):  # noqa: F811
    apps = []

    def make(label: str, *, migrate: bool, store: dict | None = None) -> Side:
        url = new_database(label)
        documents = tmp_path / f"{label}-documents"
        app = create_app(
            {
                **app_config,
                "PORTAL_ENV": "development",
                "SQLALCHEMY_DATABASE_URI": url,
                "DOCUMENTS_DIR": str(documents),
                "DOCUMENTS_OLD_KEYS": "",
                "AUDIT_OLD_KEYS": "",
                "BACKUP_OLD_KEYS": "",
                "AUDIT_ANCHOR_FILE": "",
                "CLAMD_SOCKET": clamd.socket,
                "CLAMD_HOST": None,
                **keys,
                **(store or {}),  # another document store (an S3 bucket: test_restore_to_s3.py)
            }
        )
        app.register_blueprint(_test_routes())
        app.test_client_class = PortalClient  # sends the CSRF token, one app context per request
        if migrate:
            with app.app_context():
                flask_migrate.upgrade()
                db.session.remove()
        apps.append(app)
        return Side(app, url, documents)

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
