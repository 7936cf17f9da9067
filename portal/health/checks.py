"""What ``/readyz`` checks: each service a request may need, with a short timeout.

A node is ready when it can serve every page: the database answers (and has the schema),
the rate-limit store answers when it is Redis (sign-in throttling needs it), the document
store can be reached (its folder writable, or its bucket answering), and clamd answers PONG
whenever uploads would be scanned. Each check raises on failure; ``failures`` collects what
failed, for the log only.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import literal, select

from portal.auth.models import User
from portal.documents.scanner import ClamdScanner
from portal.documents.services import get_storage, scanning_required
from portal.documents.storage import FilesystemStorage, new_key
from portal.extensions import db, limiter


class NotReady(Exception):
    """A service this node needs did not answer as it should."""


def check_database() -> None:
    # A row read from a real table, not ``SELECT 1``: that proves the schema is there, and on
    # SQLite only reading a table takes the lock that a stuck writer or backup would hold.
    try:
        db.session.execute(select(literal(1)).select_from(User.__table__).limit(1)).all()
    finally:
        db.session.rollback()


def _where(uri: str) -> str:
    """host:port of a storage URI, without any password in it (the log is not a secrets store)."""
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or ''}"


def check_rate_limit_store() -> None:
    uri = current_app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    if uri.startswith("memory://"):
        return  # in the process itself: nothing to reach
    if not limiter.storage.check():
        raise NotReady(f"rate-limit store at {_where(uri)} did not answer")


def check_document_store() -> None:
    storage = get_storage()
    if isinstance(storage, FilesystemStorage):
        # The volume may be unmounted or read-only: uploads would fail on the first write.
        if not storage.root.is_dir() or not os.access(storage.root, os.W_OK | os.X_OK):
            raise NotReady(f"document store {storage.root} is not a writable directory")
        return
    check = getattr(storage, "check", None)
    if check is not None:
        # An object store (s3.py): HEAD on the bucket, one try, within the health-check timeout.
        try:
            check(float(current_app.config.get("HEALTH_CHECK_TIMEOUT") or 3))
        except Exception as exc:
            raise NotReady(f"document store {storage!r} did not answer: {type(exc).__name__}: {exc}") from exc
        return
    # Any other backend: asking for an object that does not exist is a round trip to the store.
    storage.exists(new_key())


def check_scanner() -> None:
    config = current_app.config
    scanner = ClamdScanner.from_config(config)
    if scanner is None:
        if scanning_required():
            raise NotReady("no virus scanner is configured (CLAMD_SOCKET or CLAMD_HOST)")
        return  # development without clamd: uploads are not scanned, so it is not needed
    # A health check must answer before the load balancer gives up: never the scan timeout.
    scanner.timeout = min(scanner.timeout, float(config.get("HEALTH_CHECK_TIMEOUT") or 3))
    if not scanner.ping():
        raise NotReady(f"virus scanner {scanner!r} did not answer PONG")


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "rate-limit store": check_rate_limit_store,
    "document store": check_document_store,
    "virus scanner": check_scanner,
}


def failures() -> dict[str, str]:
    """Each check that failed, with why (for the log). Every check runs, so the log says all that is wrong."""
    failed = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - any failure means not ready; the log says which
            failed[name] = f"{type(exc).__name__}: {exc}"
    return failed
