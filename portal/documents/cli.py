"""``flask documents ...``: keys, rotation, store checks and the scanner."""

from __future__ import annotations

import base64
import secrets

import click
from flask import current_app
from flask.cli import AppGroup

from .crypto import KeyRing
from .rotation import rotate_key, verify_store
from .scanner import ScannerError
from .services import get_scanner

documents_cli = AppGroup("documents", help="Manage the encrypted document store.")


@documents_cli.command("generate-key")
def generate_key_command():
    """Print a new random key for DOCUMENTS_KEY (base64 of 32 bytes)."""
    click.echo(base64.b64encode(secrets.token_bytes(32)).decode())


@documents_cli.command("rotate-key")
def rotate_key_command():
    """Move every document to the current DOCUMENTS_KEY.

    First move the old key to DOCUMENTS_OLD_KEYS and set DOCUMENTS_KEY to a new one
    (`flask documents generate-key`). A document with its own data key has only that key
    re-wrapped (its file is not touched); a file from before data keys is copied under a new
    data key, verified and switched over. One transaction per document, so the command can be
    interrupted and run again. Remove the old key only after this reports no failures.
    """
    keyring = KeyRing.from_config(current_app.config)
    report = rotate_key()
    click.echo(
        f"Re-encrypted {len(report.rotated)} file(s) under key {keyring.current_id}: "
        f"{len(report.rewrapped)} data key(s) re-wrapped, {len(report.rewritten)} file(s) rewritten with a data key."
    )
    for document_id, problem in report.failed.items():
        click.echo(f"Document {document_id} NOT re-encrypted: {problem}", err=True)
    if report.failed:
        raise SystemExit(1)


@documents_cli.command("verify")
def verify_command():
    """Check every stored file against its record (key, tag of every chunk, size, SHA-256).

    Lists missing and damaged files and stored objects with no record; exits 1 if any file is
    missing or damaged. Files are read a chunk at a time, never whole.
    """
    report = verify_store()
    click.echo(f"Checked {report.checked} document(s).")
    for document_id, problem in report.problems.items():
        click.echo(f"Document {document_id}: {problem}", err=True)
    if report.old_key:
        click.echo(f"{len(report.old_key)} document(s) still under an old key: run `flask documents rotate-key`.")
    if report.derived:
        click.echo(
            f"{len(report.derived)} document(s) written before data keys (readable with the master key alone, "
            "even from old copies): run `flask documents rotate-key`."
        )
    for key in report.orphans:
        click.echo(f"Stored object without a record: {key}")
    if report.problems:
        click.echo(
            f"{len(report.missing)} missing, {len(report.damaged)} damaged: restore them from a backup "
            "(docs/RECORDS.md).",
            err=True,
        )
        raise SystemExit(1)
    click.echo("Every document is present and matches its record.")


@documents_cli.command("check-scanner")
def check_scanner_command():
    """Say whether clamd answers (for deployment checks)."""
    scanner = get_scanner()
    if scanner is None:
        click.echo("No virus scanner configured (CLAMD_SOCKET / CLAMD_HOST).", err=True)
        raise SystemExit(1)
    try:
        click.echo(f"{scanner!r}: {scanner.version()}")
    except ScannerError as exc:
        click.echo(f"{scanner!r} is not answering: {exc}", err=True)
        raise SystemExit(1) from exc
