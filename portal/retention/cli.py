"""``flask retention report``: the ended cases due for disposal, for the people who run the portal."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.clock import london_today

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
