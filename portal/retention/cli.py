"""``flask retention report``: the ended cases due for disposal, for the people who run the portal;
``flask retention dispose REFERENCE --by EMAIL --confirm``: a disposal for scripted use."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from portal.auth.models import User
from portal.clock import london_today
from portal.errors import FormError
from portal.extensions import db

from .schedule import ended_cases, retention_years

retention_cli = AppGroup("retention", help="Retention and disposal of ended cases.")


@retention_cli.command("report")
@click.option("--all", "show_all", is_flag=True, help="List every ended case, not only those due.")
def report_command(show_all):
    """List the ended cases due for disposal: reference, end date, disposal date, legal hold."""
    today = london_today()
    schedules = [s for s in ended_cases(None) if show_all or s.due(today)]
    click.echo(f"Retention period: {retention_years()} years after a case ends. Today: {today.isoformat()}.")
    if not schedules:
        click.echo("No case is due for disposal." if not show_all else "No case has ended.")
        return
    click.echo(f"{'Reference':<40} {'Ended':<10}  {'Disposal':<10}  {'Due':<3}  Legal hold")
    for s in schedules:
        click.echo(
            f"{s.case.reference:<40} {s.ended_on.isoformat():<10}  {s.disposal_on.isoformat():<10}  "
            f"{'yes' if s.due(today) else 'no':<3}  {'ON HOLD' if s.legal_hold else 'no'}"
        )
    due = [s for s in schedules if s.due(today)]
    held = sum(1 for s in due if s.legal_hold)
    click.echo(f"{len(due)} case(s) due for disposal, {held} of them under a legal hold.")


@retention_cli.command("dispose")
@click.argument("reference")
@click.option("--by", "email", required=True, help="The business office officer disposing of it (their e-mail).")
@click.option("--confirm", is_flag=True, help="Required: disposal cannot be undone.")
def dispose_command(reference, email, confirm):
    """Dispose of the ended case REFERENCE, with the checks of the business office's page.

    For scripted use: the case must be ended, due and not under a legal hold, and the officer named
    by --by an active business office account (recorded as who disposed of it).
    """
    from .services import dispose, references_match

    if not confirm:
        click.echo("Nothing done: add --confirm to dispose of the case (it cannot be undone).", err=True)
        raise SystemExit(1)
    officer = db.session.execute(select(User).where(User.email == email.strip().lower())).scalar()
    if officer is None or not officer.active or officer.system_role != "business_office":
        click.echo(f"Nothing done: {email} is not an active business office account.", err=True)
        raise SystemExit(1)
    matches = [s.case for s in ended_cases(None) if references_match(reference, s.case.reference)]
    if len(matches) != 1:
        found = "no ended case" if not matches else f"{len(matches)} ended cases"
        click.echo(f"Nothing done: {found} with the reference {reference!r}.", err=True)
        raise SystemExit(1)
    case = matches[0]
    try:
        kept = dispose(case, actor=officer, confirmation=case.reference)
        db.session.commit()
    except FormError as refusal:
        db.session.rollback()
        click.echo(f"Nothing done: {refusal}", err=True)
        raise SystemExit(1) from None
    click.echo(
        f"{kept.case_reference} disposed of: {kept.rows_total} rows and {kept.documents_destroyed} documents "
        f"removed, {kept.keys_destroyed} data keys destroyed; disposal record {kept.id} kept."
    )
