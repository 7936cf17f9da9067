"""``flask backup restore``: an archive back into an empty database and an empty document store.

Order, so that nothing is restored from an archive that cannot be trusted:

1. the whole archive is decrypted once without keeping anything (every chunk authenticated
   under BACKUP_KEY or BACKUP_OLD_KEYS, the end where it was sealed); a corrupted or truncated
   archive is refused here, before anything is written;
2. the target must be empty: no table in the database, no file in the document store (a
   restore never merges into or overwrites live records);
3. the database is loaded (SQLite: the online backup API, from a copy next to the target;
   PostgreSQL: ``pg_restore --single-transaction`` fed from the archive, no plaintext copy on
   disk) and every document is put back under its own object name;
4. then everything is checked against the manifest: schema revision, row count of every
   table, each document's record and the SHA-256 of its file, the audit heads, ``flask audit
   verify`` (with the manifest's heads as its anchor), and every document decrypting under the
   configured DOCUMENTS_KEY. Any difference is reported and fails the restore;
5. then every disposal in the disposal ledger (DISPOSAL_LEDGER, portal/retention/ledger.py)
   whose case or documents the archive still holds is carried out again: a case disposed of
   after the backup was made is removed again and its documents' wrapped data keys destroyed
   again (portal/retention/reapply.py), and the audit chain and the documents are checked once
   more. The report lists each re-applied disposal.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import inspect, text

from portal.audit import verify as verify_audit
from portal.config import ROOT
from portal.documents.crypto import KeyConfigError
from portal.documents.rotation import verify_store
from portal.documents.services import get_storage
from portal.documents.storage import StorageError
from portal.extensions import db

from .archive import BLOCK, ArchiveError, authenticate, keyring, read_archive
from .backup import FORMAT, libpq_url, pg_tool
from .snapshot import read_state, sqlite_quote


class RestoreRefused(Exception):
    """Nothing was restored: the archive or the target is not fit for it (the message says why)."""


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    # Passed, but something the operator must know (a development restore without a ledger).
    warning: bool = False

    @property
    def label(self) -> str:
        return "DIFFERENT" if not self.ok else "WARNING" if self.warning else "ok  "


@dataclass
class RestoreReport:
    sha256: str
    manifest: dict
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def warnings(self) -> int:
        return sum(1 for check in self.checks if check.ok and check.warning)


def _refuse_unless_empty() -> None:
    reasons = []
    tables = inspect(db.engine).get_table_names()
    if tables:
        shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        reasons.append(f"the database already has {len(tables)} table(s) ({shown})")
    storage = get_storage()
    root = getattr(storage, "root", None)
    if root is not None:
        files = [path for path in root.rglob("*") if path.is_file()] if root.exists() else []
        if files:
            reasons.append(f"the document store {root} already holds {len(files)} file(s)")
    else:  # an object store (portal/documents/s3.py): its listing is every object it holds
        count = sum(1 for _ in storage.list_keys())
        if count:
            reasons.append(f"the document store {storage!r} already holds {count} object(s)")
    if reasons:
        raise RestoreRefused(
            "; ".join(reasons) + ". A restore goes only into an empty database and an empty document store, "
            "so that it can never overwrite or mix with live records: create a new database and point "
            "DATABASE_URL and DOCUMENTS_DIR (or DOCUMENTS_S3_BUCKET) at it and an empty directory (or bucket)."
        )


def _load_sqlite(member, work_dir: str | None) -> None:
    target = Path(db.engine.url.database)
    db.session.remove()
    db.engine.dispose()
    fd, staging = tempfile.mkstemp(prefix=".restore-", suffix=".db", dir=work_dir or target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            for block in member.blocks():
                handle.write(block)
        source, destination = sqlite3.connect(staging), sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            destination.close()
            source.close()
    finally:
        Path(staging).unlink(missing_ok=True)
    db.engine.dispose()


def _load_postgresql(member, work_dir: str | None) -> None:
    url, env = libpq_url(db.engine.url)
    db.session.remove()
    db.engine.dispose()
    with tempfile.TemporaryFile(dir=work_dir) as errors:
        process = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
            [
                pg_tool("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={url}",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env=env,
        )
        try:
            for block in member.blocks():
                process.stdin.write(block)
        except BrokenPipeError:
            pass  # pg_restore stopped: its exit status and message say why
        finally:
            with contextlib.suppress(BrokenPipeError):
                process.stdin.close()
            code = process.wait()
        if code != 0:
            errors.seek(0)
            raise RestoreRefused(
                f"pg_restore failed ({code}), nothing was loaded: {errors.read().decode(errors='replace').strip()}"
            )


def _load_document(member, storage) -> None:
    key = member.header["storage_key"]
    try:
        with storage.restore_object(key) as target:
            for block in member.blocks():
                target.write(block)
            target.commit()
    except StorageError as exc:
        raise RestoreRefused(f"document {member.header.get('id')} could not be put back: {exc}") from None


def restore_backup(archive: str | os.PathLike, *, work_dir: str | None = None, expect_sha256: str | None = None):
    """Restore ``archive`` into the app's (empty) database and store, then check it; returns a report."""
    ring = keyring()
    path = Path(archive)
    if not path.is_file():
        raise RestoreRefused(f"{path} is not a file")
    with path.open("rb") as source:
        try:
            sha256, header = authenticate(source, ring)
        except ArchiveError as exc:
            raise RestoreRefused(f"the archive is refused: {exc}") from None
        if expect_sha256 and not hmac.compare_digest(sha256, expect_sha256.strip().lower()):
            raise RestoreRefused(f"the archive's SHA-256 is {sha256}, not {expect_sha256}: it is not the one expected")
        _refuse_unless_empty()
        dialect = db.engine.dialect.name
        storage = get_storage()
        manifest = None
        try:
            for member in read_archive(source, ring, header):
                if member.kind == "database":
                    if member.header.get("dialect") != dialect:
                        raise RestoreRefused(
                            f"the archive holds a {member.header.get('dialect')} database; the target is {dialect}"
                        )
                    (_load_sqlite if dialect == "sqlite" else _load_postgresql)(member, work_dir)
                elif member.kind == "document":
                    _load_document(member, storage)
                elif member.kind == "manifest":
                    manifest = json.loads(member.read_all())
        except ArchiveError as exc:
            raise RestoreRefused(f"the archive could not be read to the end: {exc}") from None
    if manifest is None or manifest.get("format") != FORMAT:
        raise RestoreRefused("the archive has no manifest of a known format")
    report = RestoreReport(sha256, manifest)
    report.checks = check_restored(manifest)
    from .disposals import reapply_disposals

    report.checks += reapply_disposals(manifest.get("audit_heads", []))
    return report


def _code_heads() -> set[str]:
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory(str(ROOT / "migrations")).get_heads())


def check_restored(manifest: dict) -> list[Check]:
    """Compare the restored database and store with the manifest; one Check per thing compared."""
    db.session.remove()
    db.engine.dispose()
    checks = []
    with db.engine.connect() as conn:
        quote = sqlite_quote if conn.dialect.name == "sqlite" else conn.dialect.identifier_preparer.quote
        state = read_state(lambda sql: conn.execute(text(sql)).all(), conn.dialect.name, quote)

    revision = manifest.get("schema_revision")
    detail = f"revision {state.schema_revision}"
    if revision and not set(revision.split(",")) <= _code_heads():
        detail += " (older than this code's: run `flask db upgrade` before serving)"
    checks.append(
        Check(
            "schema revision",
            state.schema_revision == revision,
            detail if state.schema_revision == revision else f"{state.schema_revision}, the backup had {revision}",
        )
    )

    expected = manifest.get("tables", {})
    differences = [
        f"{name}: {state.tables.get(name, 'no table')} row(s), the backup had {expected.get(name, 'no table')}"
        for name in sorted(set(expected) | set(state.tables))
        if state.tables.get(name) != expected.get(name)
    ]
    total = sum(state.tables.values())
    checks.append(
        Check("row counts", not differences, "; ".join(differences) or f"{len(state.tables)} tables, {total} rows")
    )

    checks.append(_check_files(manifest, state))

    heads_equal = state.audit_heads == manifest.get("audit_heads", [])
    checks.append(
        Check(
            "audit heads",
            heads_equal,
            f"{len(state.audit_heads)} lane(s) as in the backup"
            if heads_equal
            else "the audit heads differ from the backup's",
        )
    )
    anchor = {head["lane"]: (head["seq"], head["hash"]) for head in manifest.get("audit_heads", [])}
    problem = verify_audit(anchor)
    checks.append(
        Check("audit verify", problem is None, "the chain is intact" if problem is None else f"BROKEN at {problem}")
    )

    if state.schema_revision and set(state.schema_revision.split(",")) != _code_heads():
        # This code's models do not match an older schema's tables: check after the upgrade.
        checks.append(
            Check(
                "documents decrypt",
                False,
                f"not checked: the database is at revision {state.schema_revision}, older than this code's. Run "
                "`flask db upgrade`, then `flask documents verify` and `flask backup reapply-disposals`",
            )
        )
        return checks
    try:
        store = verify_store()
    except KeyConfigError as exc:
        checks.append(Check("documents decrypt", False, f"cannot be checked: {exc}"))
    else:
        problems = "; ".join(f"document {i}: {p}" for i, p in store.problems.items())
        checks.append(
            Check(
                "documents decrypt",
                not store.problems,
                problems or f"{store.checked} document(s) decrypt and match their records under the configured keys",
            )
        )
    return checks


def _check_files(manifest: dict, state) -> Check:
    storage = get_storage()
    wanted = manifest.get("documents", [])
    problems = []
    missing_at_backup = manifest.get("missing_documents", [])
    if missing_at_backup:
        problems.append(f"document(s) {missing_at_backup} had no file when the backup was made")
    recorded = {(d["id"], d["storage_key"]) for d in state.documents}
    archived = {(d["id"], d["storage_key"]) for d in wanted}
    if recorded - archived - {(i, k) for i, k in recorded if i in missing_at_backup}:
        problems.append(f"{len(recorded - archived)} restored record(s) have no file in the backup")
    if archived - recorded:
        problems.append(f"{len(archived - recorded)} archived file(s) have no restored record")
    for entry in wanted:
        digest, size = hashlib.sha256(), 0
        try:
            with storage.open(entry["storage_key"]) as handle:
                while block := handle.read(BLOCK):
                    digest.update(block)
                    size += len(block)
        except StorageError:
            problems.append(f"document {entry['id']}: file not restored")
            continue
        if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
            problems.append(f"document {entry['id']}: checksum differs from the backup's")
    return Check(
        "document files",
        not problems,
        "; ".join(problems) or f"{len(wanted)} file(s), each with the SHA-256 recorded at backup",
    )
