"""``flask audit verify``."""

import click
from flask.cli import AppGroup

from .services import verify

audit_cli = AppGroup("audit", help="Inspect the audit trail.")


@audit_cli.command("verify")
def verify_command():
    """Check the hash chain; exit 1 naming the first bad row."""
    problem = verify()
    if problem is None:
        click.echo("Audit trail verified: the chain is intact.")
        return
    click.echo(f"Audit trail BROKEN at {problem}", err=True)
    raise SystemExit(1)
