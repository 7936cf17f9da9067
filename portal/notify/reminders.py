"""The reminder engine: what to send, to whom, on which day, exactly once.

For a thing due on day D, with lead time L, repeat interval N and escalation delay M (days):
- ``upcoming`` on D - L (only one, whatever day within the lead time the engine first sees it);
- ``due`` on D (or, if the engine missed D, on its first run before D + N, then worded as
  overdue);
- ``overdue`` on D + N, D + 2N, ... while it stays open;
- ``escalation`` once, on D + M, to the business office (or the source's escalation people).
A rule set to 0 is off. If the engine did not run for some days it sends only the latest
reminder that is owed, never a backlog.

Each reminder is a row whose unique key is (thing, kind, due date, occasion, recipient). It
is inserted with INSERT .. ON CONFLICT DO NOTHING in the same transaction as its outbox row,
so running ``flask reminders send`` twice, or on two machines at the same moment, sends each
e-mail once: the second insert of a key finds the first (on PostgreSQL it waits for the other
transaction and then does nothing) and no second e-mail is queued. A new due date (an
extension) starts a new schedule.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from portal.clock import as_utc, london_today, utcnow
from portal.extensions import db

from .models import Reminder
from .outbox import enqueue
from .sources import DueItem, Escalation, ReminderSource, registered_sources

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rules:
    lead_days: int
    repeat_days: int
    escalate_days: int


def rules_for(source: ReminderSource) -> Rules:
    """The environment's per-source setting, else the source's own, else the portal default."""
    config = current_app.config

    def pick(rule: str, own: int | None) -> int:
        override = config.get(f"REMINDER_{source.name.upper()}_{rule}_DAYS")
        if override is not None:
            return override
        return own if own is not None else config[f"REMINDER_{rule}_DAYS"]

    return Rules(
        lead_days=pick("LEAD", source.lead_days),
        repeat_days=pick("REPEAT", source.repeat_days),
        escalate_days=pick("ESCALATE", source.escalate_days),
    )


@dataclass(frozen=True)
class Planned:
    stage: str
    occasion_on: date
    recipients: tuple[int, ...] | None  # None: the business office
    # The wording, when it differs from the stage: a "due" reminder first sent after the due
    # date (the engine missed the day) keeps its "due" key, so it still goes once, but must
    # say the thing is overdue, not "now due".
    wording: str | None = None

    @property
    def message_stage(self) -> str:
        return self.wording or self.stage


def plan(item: DueItem, today: date, rules: Rules) -> list[Planned]:
    """The reminders ``item`` is owed on ``today`` (before de-duplication against those sent)."""
    overdue_by = (today - item.due_on).days
    planned: list[Planned] = []
    if overdue_by < 0:
        if rules.lead_days and -overdue_by <= rules.lead_days:
            planned.append(Planned("upcoming", item.due_on - timedelta(days=rules.lead_days), item.recipients))
    elif overdue_by == 0 or not rules.repeat_days or overdue_by < rules.repeat_days:
        # On the day; or the day after, if the engine did not run on the day (sent once either way).
        planned.append(Planned("due", item.due_on, item.recipients, "overdue" if overdue_by > 0 else None))
    else:
        step = overdue_by // rules.repeat_days * rules.repeat_days
        planned.append(Planned("overdue", item.due_on + timedelta(days=step), item.recipients))
    levels = item.escalations if item.escalations is not None else (Escalation(),)
    for level in levels:
        after = level.after_days if level.after_days is not None else rules.escalate_days
        if after and overdue_by >= after:
            planned.append(Planned("escalation", item.due_on + timedelta(days=after), level.to))
    return planned


@dataclass
class RunReport:
    today: date | None = None
    queued: int = 0  # new reminders, each with its e-mail in the outbox
    already_sent: int = 0  # owed today, but another run (or machine) had already queued them
    failed_things: list[str] = field(default_factory=list)  # their reminders are retried next run
    failed_sources: list[str] = field(default_factory=list)
    by_source: dict[str, int] = field(default_factory=dict)


def _insert_reminder(**key) -> int | None:
    """Insert the reminder unless its key exists; the new row's id, or None if it existed."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the portal runs on PostgreSQL and SQLite only
        raise RuntimeError(f"reminders need INSERT .. ON CONFLICT, which {dialect} lacks here")
    statement = (
        insert(Reminder)
        .values(**key, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["thing_key", "kind", "due_on", "occasion_on", "recipient_id"])
        .returning(Reminder.id)
    )
    return db.session.execute(statement).scalar()


class _People:
    """Active accounts, looked up once per run: reminders go only to people who can sign in."""

    def __init__(self):
        from portal.auth.models import User

        rows = db.session.execute(select(User.id, User.system_role).where(User.active.is_(True))).all()
        self.active = {user_id for user_id, _ in rows}
        self.business_office = tuple(sorted(user_id for user_id, role in rows if role == "business_office"))

    def resolve(self, recipients: tuple[int, ...] | None) -> list[int]:
        chosen = self.business_office if recipients is None else recipients
        return [user_id for user_id in chosen if user_id in self.active]


def _remind(source: ReminderSource, item: DueItem, today: date, rules: Rules, people: _People) -> tuple[int, int]:
    """Insert the reminders ``item`` is owed with their outbox rows; (queued, already sent)."""
    queued = already_sent = 0
    for planned in plan(item, today, rules):
        kind = source.kind(planned.stage)
        message_kind = source.kind(planned.message_stage)
        for recipient_id in people.resolve(planned.recipients):
            reminder_id = _insert_reminder(
                thing_key=item.thing,
                kind=kind,
                due_on=item.due_on,
                occasion_on=planned.occasion_on,
                recipient_id=recipient_id,
            )
            if reminder_id is None:
                already_sent += 1
                continue
            message = enqueue(message_kind, recipient_id, item.link)
            db.session.execute(update(Reminder).where(Reminder.id == reminder_id).values(outbox_id=message.id))
            queued += 1
    return queued, already_sent


def run_reminders(today: date | None = None) -> RunReport:
    """Queue every reminder owed today by every registered source; commit after each thing.

    Idempotent and safe to run on several machines at once. Things are handled in key order,
    so two runs meet on the same rows in the same order and wait for each other instead of
    deadlocking. Sends nothing itself: ``flask reminders send`` then sends the outbox.
    """
    today = today or london_today()
    report = RunReport(today=today)
    people = _People()
    db.session.commit()  # do not hold a read transaction (SQLite: a lock) while sources run
    for source in registered_sources():
        rules = rules_for(source)
        try:
            items = list(source.items(today + timedelta(days=rules.lead_days)))
            db.session.commit()
        except Exception:  # a broken source must not stop the other areas' reminders
            db.session.rollback()
            log.exception("reminder source %s failed", source.name)
            report.failed_sources.append(source.name)
            continue
        for item in sorted(items, key=lambda each: (each.thing, each.due_on)):
            try:
                queued, already_sent = _remind(source, item, today, rules, people)
                db.session.commit()
            except Exception:  # one broken thing must not stop everyone else's reminders
                db.session.rollback()
                log.exception("reminders for %s could not be queued", item.thing)
                report.failed_things.append(item.thing)
                continue
            report.queued += queued
            report.already_sent += already_sent
            if queued:
                report.by_source[source.name] = report.by_source.get(source.name, 0) + queued
    log.info("reminders for %s: %s queued, %s already sent", today.isoformat(), report.queued, report.already_sent)
    return report


def last_reminders(thing_keys: Iterable[str]) -> dict[str, datetime]:
    """When each thing was last reminded about (for trackers: "last reminder sent"), one query."""
    keys = list(set(thing_keys))
    if not keys:
        return {}
    rows = db.session.execute(
        select(Reminder.thing_key, func.max(Reminder.created_at))
        .where(Reminder.thing_key.in_(keys))
        .group_by(Reminder.thing_key)
    )
    return {key: as_utc(when) for key, when in rows}
