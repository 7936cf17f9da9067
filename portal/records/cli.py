"""``flask backup create DEST`` and ``flask backup restore ARCHIVE`` (the drill: docs/RECORDS.md)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .archive import ArchiveError
from .backup import BackupError, create_backup
from .recover import recover_document
from .restore import RestoreRefused, restore_backup

backup_cli = AppGroup("backup", help="Back up and restore the database and the document store.")


@backup_cli.command("create")
@click.argument("dest", type=click.Path(file_okay=True, dir_okay=True))
@click.option("--work-dir", type=click.Path(file_okay=False), help="Private folder for SQLite's temporary copy.")
def create_command(dest, work_dir):
    """Write one archive (database, documents as stored, manifest), encrypted under BACKUP_KEY.

    DEST is the archive's file name, or a directory to create it in. Safe while the portal serves.
    """
    try:
        result = create_backup(dest, work_dir=work_dir)
    except (BackupError, ArchiveError) as exc:
        click.echo(f"Backup NOT made: {exc}", err=True)
        raise SystemExit(1) from None
    manifest = result.manifest
    rows = sum(manifest["tables"].values())
    click.echo(f"Backup written: {result.path}")
    click.echo(
        f"{len(manifest['tables'])} tables, {rows} rows, {len(manifest['documents'])} document file(s), "
        f"schema revision {manifest['schema_revision']}, {len(manifest['audit_heads'])} audit lane(s)."
    )
    click.echo(f"SHA-256: {result.sha256}")
    if manifest["missing_documents"]:
        click.echo(
            f"WARNING: document(s) {manifest['missing_documents']} have no file in the store and are not in the "
            "backup: run `flask documents verify`.",
            err=True,
        )
        raise SystemExit(1)


@backup_cli.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@click.option("--sha256", "expect_sha256", help="Refuse the archive unless its SHA-256 is this (as printed at backup).")
@click.option("--work-dir", type=click.Path(file_okay=False), help="Folder for SQLite's temporary copy.")
def restore_command(archive, expect_sha256, work_dir):
    """Restore ARCHIVE into the empty database (DATABASE_URL) and empty store (DOCUMENTS_DIR), then check it."""
    try:
        report = restore_backup(archive, work_dir=work_dir, expect_sha256=expect_sha256)
    except (RestoreRefused, ArchiveError, BackupError) as exc:
        click.echo(f"Restore REFUSED: {exc}", err=True)
        raise SystemExit(1) from None
    click.echo(f"Restored {archive} (SHA-256 {report.sha256}), backup of {report.manifest['created_at']}.")
    for check in report.checks:
        click.echo(f"{check.label} {check.name}: {check.detail}", err=not check.ok)
    if not report.ok:
        click.echo("Restore FAILED its checks: do not serve from this copy.", err=True)
        raise SystemExit(1)
    if report.warnings:
        click.echo(
            f"Restore verified: every check passed, with {report.warnings} warning(s): read them before serving."
        )
    else:
        click.echo("Restore verified: every check passed.")


@backup_cli.command("reapply-disposals")
def reapply_disposals_command():
    """Carry out again the disposals in DISPOSAL_LEDGER that this database still holds.

    For a restore from an archive older than the code: `flask db upgrade` first, then this. The
    restore itself does it when the archive is of this code's revision.
    """
    from .disposals import reapply_disposals

    checks = reapply_disposals()
    for check in checks:
        click.echo(f"{check.label} {check.name}: {check.detail}", err=not check.ok)
    if not all(check.ok for check in checks):
        raise SystemExit(1)


@backup_cli.command("restore-document")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@click.argument("document_id", type=int)
def restore_document_command(archive, document_id):
    """Put one missing or damaged document's file back from ARCHIVE (into the live store, checked first)."""
    try:
        recover_document(archive, document_id)
    except (RestoreRefused, ArchiveError) as exc:
        click.echo(f"Document {document_id} NOT restored: {exc}", err=True)
        raise SystemExit(1) from None
    click.echo(f"Document {document_id} restored from {archive} and checked against its record.")
    click.echo("Any damaged copy was left in the store as evidence: `flask documents verify` lists it.")
