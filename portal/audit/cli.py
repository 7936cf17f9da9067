"""``flask audit verify`` and ``flask audit anchor``."""

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from portal.extensions import db

from .anchor import AnchorError, latest_anchor, write_anchor
from .models import AuditEvent, AuditHead
from .services import heads_digest, verify

audit_cli = AppGroup("audit", help="Inspect the audit trail.")


@audit_cli.command("verify")
@click.option(
    "--anchor-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Compare with the last anchor in this file (default: AUDIT_ANCHOR_FILE).",
)
def verify_command(anchor_file):
    """Check the hash chain (HMACs under AUDIT_KEY) and the last anchor; exit 1 naming the first bad row."""
    anchor_file = anchor_file or current_app.config.get("AUDIT_ANCHOR_FILE")
    anchor = None
    if anchor_file:
        try:
            anchor = latest_anchor(anchor_file)
        except (AnchorError, OSError) as exc:
            click.echo(f"Audit anchor REFUSED: {exc}", err=True)
            raise SystemExit(1) from None
    problem = verify(anchor.heads if anchor else None)
    if problem is None:
        events = db.session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
        lanes = db.session.execute(select(func.count()).select_from(AuditHead)).scalar_one()
        unkeyed = db.session.execute(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.key_id.is_(None))
        ).scalar_one()
        click.echo(f"Audit trail verified: the chain is intact ({events} events in {lanes} lanes).")
        if unkeyed:
            click.echo(f"{unkeyed} event(s) from before the chain was keyed are checked by plain SHA-256.")
        if anchor:
            click.echo(f"It matches the anchor of {anchor.anchored_at} (line {anchor.line_number} of {anchor_file}).")
        elif anchor_file:
            click.echo(f"No anchor in {anchor_file} yet: run `flask audit anchor`.")
        else:
            click.echo("Not compared with an anchor: AUDIT_ANCHOR_FILE is not set.")
        # Kept somewhere else (a ticket, a printed report), it shows later that nothing before it was rewritten.
        click.echo(f"Heads digest: {heads_digest()}")
        return
    when = f" (anchor of {anchor.anchored_at})" if anchor else ""
    click.echo(f"Audit trail BROKEN at {problem}{when}", err=True)
    raise SystemExit(1)


@audit_cli.command("anchor")
def anchor_command():
    """Append every lane's head (lane, seq, hash, time) to AUDIT_ANCHOR_FILE and/or syslog."""
    try:
        line, places = write_anchor()
    except (AnchorError, OSError) as exc:
        click.echo(f"Audit anchor NOT written: {exc}", err=True)
        raise SystemExit(1) from None
    click.echo(f"Anchored the audit trail's heads to {', '.join(places)}.")
    click.echo(line)
