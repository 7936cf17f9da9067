"""The register's columns on a case, kept up to date whenever the case changes.

The register and the dashboard sort, filter, count and page in SQL, so what they sort and
filter on is stored on the case (``Case.stage_since``, ``next_due_clock``, ``next_due_on``,
``changed_at``). Nobody sets them by hand: after every flush this module works them out again
for each case that was created or changed, or that gained a hold or resume entry, and writes
them with a plain UPDATE (so the case's ``version`` does not move: a CRG update must not make
someone's open edit form "changed by someone else"). Every writer is covered this way (the
lifecycle, the record edit, CRG updates, demo data and ``flask demo generate``).

Why a due date can be stored: a running clock's due date depends only on the case's dates and
its holds, never on today (a current hold pauses the clock, which then has no due date). So
"overdue" is ``next_due_on < today``, worked out in SQL on each request, never a stored flag
that goes stale. The clock due soonest is overdue whenever any clock is.

``CLOCK_TARGETS`` changes due dates: after changing it, run ``flask cases refresh`` (portal/cli.py, which
recomputes every case).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import bindparam, event, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from portal.clock import as_utc, london_date, london_today

from . import clocks as clock_rules
from .models import Case, CrgUpdate, FieldChange, StageHistory

COLUMNS = ("stage_since", "next_due_clock", "next_due_on")
# What the calculation reads from a case (a row with these attributes will do: the migration's).
READS = (
    "id",
    "stage_entered_on",
    "created_at",
    "on_hold",
    "hold_since",
    "csp_notified_on",
    "decision_on",
    "decision_outcome",
    "home_office_informed_on",
    "sent_to_home_office_on",
    "home_office_outcome_on",
)


def values_for(case, hold_events: Iterable, goals: dict, today: date) -> dict:
    """The register's columns for ``case`` (anything with the ``READS`` attributes).

    ``hold_events``: its hold and resume history entries in order (``kind``, ``occurred_on``).
    ``today`` changes no value here (see the module docstring); it is passed because the clocks
    module computes statuses too. A pure function: the migration that added the columns uses it.
    """
    holds = clock_rules.holds_from_history(hold_events, on_hold=bool(case.on_hold), hold_since=case.hold_since)
    due = clock_rules.next_due(clock_rules.case_clocks(case, holds, today, goals))
    if case.stage_entered_on:
        since = case.stage_entered_on
    elif case.created_at:
        since = london_date(case.created_at)
    else:
        since = today
    return {
        "stage_since": since,
        "next_due_clock": due.code if due else None,
        "next_due_on": due.due_on if due else None,
    }


def hold_events(connection, case_ids) -> dict[int, list]:
    """Hold and resume entries of ``case_ids``, in order, keyed by case (one query)."""
    rows = connection.execute(
        select(StageHistory.case_id, StageHistory.kind, StageHistory.occurred_on)
        .where(StageHistory.kind.in_(("hold", "resume")), StageHistory.case_id.in_(list(case_ids)))
        .order_by(StageHistory.case_id, StageHistory.occurred_on, StageHistory.id)
    ).all()
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(row.case_id, []).append(row)
    return grouped


def refresh(connection, case_ids, *, known: dict | None = None) -> dict[int, dict]:
    """Recompute and write the columns of ``case_ids``; returns the values that changed, by case.

    ``known``: the values the caller believes are stored (only changed rows are written).
    """
    ids = sorted(set(case_ids))
    if not ids:
        return {}
    columns = [getattr(Case, name) for name in READS + COLUMNS]
    cases = connection.execute(select(*columns).where(Case.id.in_(ids))).all()
    events = hold_events(connection, ids)
    goals, today = clock_rules.targets(), london_today()
    changed = {}
    for row in cases:
        values = values_for(row, events.get(row.id, []), goals, today)
        stored = (known or {}).get(row.id) or {name: getattr(row, name) for name in COLUMNS}
        if values != stored:
            changed[row.id] = values
    if changed:
        statement = (
            update(Case.__table__)
            .where(Case.__table__.c.id == bindparam("case_id"))
            .values({name: bindparam(name) for name in COLUMNS})
        )
        connection.execute(statement, [{"case_id": case_id, **values} for case_id, values in changed.items()])
    return changed


def _touch(connection, latest: dict[int, datetime]) -> None:
    """``changed_at`` moves forward to the latest activity (never back: demo data is written out of order)."""
    table = Case.__table__
    at = bindparam("at", type_=table.c.changed_at.type)
    statement = (
        update(table)
        .where(table.c.id == bindparam("case_id"))
        .where((table.c.changed_at.is_(None)) | (table.c.changed_at < at))
        .values(changed_at=at)
    )
    connection.execute(statement, [{"case_id": case_id, "at": when} for case_id, when in latest.items()])


def _stamp(obj) -> datetime | None:
    if isinstance(obj, StageHistory):
        return obj.recorded_at
    if isinstance(obj, FieldChange):
        return obj.changed_at
    return obj.created_at


def _after_flush(session: Session, _context) -> None:
    recompute: set[int] = set()
    latest: dict[int, datetime] = {}
    for obj in session.new:
        if isinstance(obj, Case):
            recompute.add(obj.id)
        elif isinstance(obj, StageHistory | FieldChange | CrgUpdate) and obj.case_id is not None:
            at = _stamp(obj)
            if at is not None and (obj.case_id not in latest or as_utc(latest[obj.case_id]) < as_utc(at)):
                latest[obj.case_id] = at
            if isinstance(obj, StageHistory) and obj.kind in ("hold", "resume"):
                recompute.add(obj.case_id)
    for obj in session.dirty:
        if isinstance(obj, Case) and session.is_modified(obj, include_collections=False):
            recompute.add(obj.id)
    for obj in session.deleted:
        if isinstance(obj, StageHistory) and obj.kind in ("hold", "resume"):
            recompute.add(obj.case_id)
    recompute.discard(None)
    if not recompute and not latest:
        return
    connection = session.connection()
    changed = refresh(connection, recompute)
    if latest:
        _touch(connection, latest)
    session.info.setdefault(_PENDING, []).append((changed, set(latest)))


def _after_flush_postexec(session: Session, _context) -> None:
    """Keep loaded cases in step with what was written, without marking them changed."""
    for changed, touched in session.info.pop(_PENDING, []):
        for case_id, values in changed.items():
            case = session.identity_map.get(session.identity_key(Case, case_id))
            if case is not None:
                for name, value in values.items():
                    set_committed_value(case, name, value)
        for case_id in touched:
            case = session.identity_map.get(session.identity_key(Case, case_id))
            if case is not None:
                # The stored value may be later than this flush's (demo data): read it when next asked.
                session.expire(case, ["changed_at"])


_PENDING = "portal.cases.standing"
event.listen(Session, "after_flush", _after_flush)
event.listen(Session, "after_flush_postexec", _after_flush_postexec)
