"""``flask backup create``: one encrypted archive of the database and the document store.

Consistency while the portal serves. The database is copied from one snapshot: SQLite's
online backup API (a page-by-page copy that starts again if another connection writes
meanwhile, so the copy is one committed state), or ``pg_dump`` run on a snapshot exported by a
REPEATABLE READ transaction of ours (``--snapshot``). The manifest's row counts, audit heads and
the list of documents are read from that very snapshot, and only the documents whose records
are in it are archived. A document's file is committed to the store (written, fsynced,
renamed) *before* its record commits, so every record in the snapshot has its whole file; an
upload whose record committed after the snapshot is not in the backup at all, record or file.
Files are never changed in place (rotation writes a new object), so each is read whole.

Documents go into the archive as they are at rest: still encrypted under DOCUMENTS_KEY. The
archive as a whole is encrypted under BACKUP_KEY (``archive.py``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import text

from portal.clock import utcnow
from portal.documents.services import get_storage
from portal.documents.storage import StorageError
from portal.extensions import db

from .archive import BLOCK, SUFFIX, ArchiveWriter, keyring
from .snapshot import State, read_state, sqlite_quote

FORMAT = 1


class BackupError(RuntimeError):
    """The backup could not be made (nothing is left at the destination)."""


@dataclass
class BackupResult:
    path: Path
    sha256: str
    manifest: dict


def pg_tool(name: str) -> str:
    """The full path of ``pg_dump`` / ``pg_restore`` (the postgresql-client package)."""
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client tools (postgresql-client)")
    return found


def libpq_url(url) -> tuple[str, dict]:
    """A URL for pg_dump / pg_restore without the password, and the environment carrying it
    (a password on the command line would show in the process list)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _destination(dest: str | os.PathLike) -> Path:
    path = Path(dest)
    if path.is_dir():
        path = path / f"portal-backup-{utcnow().strftime('%Y%m%dT%H%M%SZ')}{SUFFIX}"
    if path.exists():
        raise BackupError(f"{path} already exists: a backup never overwrites another")
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent} is not a directory")
    return path


def _file_blocks(path: Path):
    with path.open("rb") as handle:
        while block := handle.read(BLOCK):
            yield block


def _documents(writer: ArchiveWriter, state: State) -> tuple[list[dict], list[int]]:
    """Every document of the snapshot, as stored; returns (their entries, ids with no file)."""
    storage = get_storage()
    entries, missing = [], []
    for record in state.documents:
        try:
            handle = storage.open(record["storage_key"])
        except StorageError:
            missing.append(record["id"])
            continue
        digest, size = hashlib.sha256(), 0

        def blocks(handle=handle, digest=digest):
            nonlocal size
            with handle:
                while block := handle.read(BLOCK):
                    digest.update(block)
                    size += len(block)
                    yield block

        writer.member({"kind": "document", "id": record["id"], "storage_key": record["storage_key"]}, blocks())
        entries.append({**record, "size": size, "sha256": digest.hexdigest()})
    return entries, missing


def _sqlite(writer: ArchiveWriter, work_dir: str | None) -> State:
    source_path = db.engine.url.database
    with tempfile.TemporaryDirectory(prefix="portal-backup-", dir=work_dir) as private:  # 0700
        copy_path = Path(private) / "portal.db"
        source = sqlite3.connect(source_path)
        copy = sqlite3.connect(copy_path)
        try:
            source.backup(copy)  # the online backup API: one committed state of the database
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file

            def execute(sql):
                return copy.execute(sql).fetchall()

            state = read_state(execute, "sqlite", sqlite_quote)
        finally:
            copy.close()
            source.close()
        writer.member({"kind": "database", "dialect": "sqlite", "format": "sqlite3"}, _file_blocks(copy_path))
    return state


def _postgresql(writer: ArchiveWriter, work_dir: str | None) -> State:
    url, env = libpq_url(db.engine.url)
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
        conn.execute(text("SET TRANSACTION READ ONLY"))
        snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        quote = conn.dialect.identifier_preparer.quote

        def execute(sql):
            return conn.execute(text(sql)).all()

        state = read_state(execute, "postgresql", quote)
        with tempfile.TemporaryFile(dir=work_dir) as errors:
            process = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
                [pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}", url],
                stdout=subprocess.PIPE,
                stderr=errors,
                env=env,
            )
            try:
                writer.member(
                    {"kind": "database", "dialect": "postgresql", "format": "pg_dump custom"},
                    iter(lambda: process.stdout.read(BLOCK), b""),
                )
            finally:
                process.stdout.close()
                code = process.wait()
            if code != 0:
                errors.seek(0)
                raise BackupError(f"pg_dump failed ({code}): {errors.read().decode(errors='replace').strip()}")
    return state


def create_backup(dest: str | os.PathLike, *, work_dir: str | None = None) -> BackupResult:
    """Write the archive to ``dest`` (a file name, or a directory to name it in)."""
    ring = keyring()
    path = _destination(dest)
    partial = path.with_name(path.name + ".part")
    dialect = db.engine.dialect.name
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb", buffering=BLOCK) as target:
            writer = ArchiveWriter(target, ring)
            if dialect == "sqlite":
                state = _sqlite(writer, work_dir)
            elif dialect == "postgresql":
                state = _postgresql(writer, work_dir)
            else:  # pragma: no cover - the portal runs on PostgreSQL and SQLite only
                raise BackupError(f"backups of {dialect} are not supported")
            documents, missing = _documents(writer, state)
            manifest = {
                "format": FORMAT,
                "created_at": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
                "database": dialect,
                "schema_revision": state.schema_revision,
                "tables": state.tables,
                "documents": documents,
                "missing_documents": missing,
                "audit_heads": state.audit_heads,
                "backup_key_id": ring.current_id,
            }
            writer.member({"kind": "manifest"}, _json(manifest))
            sha256 = writer.close()
            target.flush()
            os.fsync(target.fileno())
        os.replace(partial, path)
        _fsync_dir(path.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    current_app.logger.info("backup written: %s (%s documents)", path.name, len(documents))
    return BackupResult(path, sha256, manifest)


def _json(value) -> bytes:
    return json.dumps(value, sort_keys=True, indent=1).encode()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
