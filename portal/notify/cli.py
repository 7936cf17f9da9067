"""``flask reminders send``, ``flask outbox send``, ``flask outbox status``, ``flask outbox retry``.

Meant to run on a schedule (see docs/REMINDERS.md); every command is safe to run on
several machines at once.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.extensions import db

from . import outbox
from .reminders import rules_for, run_reminders
from .sources import registered_sources

reminders_cli = AppGroup("reminders", help="Chase due and overdue work by e-mail.")
outbox_cli = AppGroup("outbox", help="The queue of e-mails the portal sends.")


def _echo_send(report: outbox.SendReport) -> None:
    click.echo(
        f"E-mails sent: {report.sent}; waiting to retry: {report.retrying}; failed: {report.failed}; "
        f"cancelled (account deactivated): {report.cancelled}."
    )
    if report.server_unavailable:
        click.echo("The mail server could not be reached: the e-mails wait for their next attempt.", err=True)


@reminders_cli.command("send")
def reminders_send():
    """Queue the reminders owed today from every area, then send the outbox."""
    report = run_reminders()
    click.echo(
        f"Reminders for {report.today:%-d %B %Y}: {report.queued} new, {report.already_sent} already sent earlier."
    )
    for name, count in sorted(report.by_source.items()):
        click.echo(f"  {name}: {count}")
    _echo_send(outbox.send_pending())
    if report.failed_things or report.failed_sources:
        click.echo(
            f"Could not queue reminders for {len(report.failed_things)} items and {len(report.failed_sources)} "
            "sources (see the log); the next run tries again.",
            err=True,
        )
        raise SystemExit(1)


@reminders_cli.command("sources")
def reminders_sources():
    """List the registered reminder sources and the rules each uses (in days; 0 = off)."""
    sources = registered_sources()
    if not sources:
        click.echo("No reminder sources are registered.")
    for source in sources:
        rules = rules_for(source)
        click.echo(
            f"{source.name}: reminder {rules.lead_days} days before, repeat every {rules.repeat_days} days "
            f"while overdue, escalate after {rules.escalate_days} days overdue"
        )


@outbox_cli.command("send")
@click.option("--limit", type=click.IntRange(min=1), help="Send at most this many.")
def outbox_send(limit):
    """Send the e-mails that are due (new ones, and retries whose back-off has passed)."""
    _echo_send(outbox.send_pending(limit=limit))


@outbox_cli.command("status")
def outbox_status():
    """Count messages by status and list failed ones; exits 1 when any have failed (for monitoring)."""
    counts = outbox.status_counts()
    click.echo(", ".join(f"{status}: {count}" for status, count in counts.items()))
    oldest = outbox.oldest_pending_at()
    if oldest is not None:
        click.echo(f"Oldest message waiting was queued at {oldest:%Y-%m-%d %H:%M} UTC.")
    failed = outbox.failed_messages()
    if failed:
        click.echo("Failed (the mail server refused them or was down for every attempt):")
        for message in failed:
            click.echo(
                f"  #{message.id} {message.kind} to user {message.recipient_id}, "
                f"{message.attempts} attempts, last error: {message.last_error or '-'}"
            )
        click.echo("Once the cause is fixed: flask outbox retry --all-failed (or the message numbers).")
        raise SystemExit(1)


@outbox_cli.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all-failed", is_flag=True, help="Every failed message.")
def outbox_retry(ids, all_failed):
    """Queue failed messages again, with a fresh set of attempts."""
    if not ids and not all_failed:
        raise click.UsageError("name the failed messages to retry, or pass --all-failed")
    count = outbox.retry_failed(None if all_failed else list(ids))
    db.session.commit()
    click.echo(f"{count} failed messages queued again; `flask outbox send` sends them.")


def init_app(app) -> None:
    app.cli.add_command(reminders_cli)
    app.cli.add_command(outbox_cli)
