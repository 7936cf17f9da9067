"""Figures for the business office dashboard, in a fixed number of queries whatever the number of cases.

The counts are SQL aggregates over the register's columns (portal/cases/standing.py): one
query grouped by stage and hold. The lists (overdue clocks, Home Office waits, holds) show the
first ``LISTED`` of each, chosen and ordered in SQL; only their rows have clocks computed. The
figures above them link to the register, which lists every review behind them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Integer, func, select
from sqlalchemy import case as sql_case

from portal.authz import visible_cases
from portal.cases.models import STAGES, Case
from portal.cases.register import Row, holds_for, rows_for
from portal.cases.stages import NOT_CLOSED, OPEN_STAGES
from portal.clock import london_today
from portal.extensions import db

RECENT = 10
LISTED = 10  # rows in each of the lists (overdue clocks, Home Office waits, holds)
# Reviews still running, and those approved or published (whose clocks may still be open).
ACTIVE = NOT_CLOSED
WAITS = ("with_home_office", "awaiting_home_office")


@dataclass
class Waiting:
    row: Row
    waiting_for: str
    since: date | None
    days: int | None


@dataclass
class Overview:
    today: date
    by_stage: list[tuple[str, str, int]]  # code, label, count (not on hold)
    held: list[Row]  # the first LISTED, longest on hold first
    held_count: int
    overdue: list[tuple[Row, object]]  # (row, clock), the first LISTED, most overdue first
    overdue_cases: int
    waiting: list[Waiting]  # the first LISTED, longest wait first
    waiting_count: int
    recent: list[tuple[Case, datetime]]

    @property
    def in_progress(self) -> int:
        return sum(count for code, _label, count in self.by_stage if code in OPEN_STAGES) + self.held_count


def _counts(user, today: date) -> dict[tuple[str, bool], tuple[int, int]]:
    """(stage, on hold) -> (reviews, reviews with an overdue clock), in one query."""
    scoped = visible_cases(user).subquery()
    overdue = func.sum(sql_case((scoped.c.next_due_on < today, 1), else_=0)).cast(Integer)
    rows = db.session.execute(
        select(scoped.c.stage, scoped.c.on_hold, func.count(), overdue).group_by(scoped.c.stage, scoped.c.on_hold)
    ).all()
    return {(stage, bool(on_hold)): (count, late or 0) for stage, on_hold, count, late in rows}


def overview(user) -> Overview:
    today = london_today()
    counts = _counts(user, today)
    by_stage = [(code, label, counts.get((code, False), (0, 0))[0]) for code, label in STAGES.items()]
    held_count = sum(counts.get((code, True), (0, 0))[0] for code in ACTIVE)
    overdue_cases = sum(counts.get((code, hold), (0, 0))[1] for code in ACTIVE for hold in (False, True))
    waiting_count = sum(counts.get((code, hold), (0, 0))[0] for code in WAITS for hold in (False, True))

    active = visible_cases(user).where(Case.stage.in_(ACTIVE))
    held_cases = _cases(active.where(Case.on_hold.is_(True)), func.coalesce(Case.hold_since, today))
    # The most overdue clock of a case is its next due: the first LISTED cases by it hold the
    # first LISTED overdue clocks.
    late_cases = _cases(active.where(Case.next_due_on < today), Case.next_due_on)
    since = sql_case(
        (Case.stage == "with_home_office", func.coalesce(Case.sent_to_home_office_on, today)),
        else_=func.coalesce(Case.stage_since, today),
    )
    waiting_cases = _cases(active.where(Case.stage.in_(WAITS)), since)

    listed = {case.id: case for case in (*held_cases, *late_cases, *waiting_cases)}
    rows = {row.case.id: row for row in rows_for(list(listed.values()), holds_for(list(listed)), today)}
    held = [rows[case.id] for case in held_cases]
    overdue = sorted(
        ((rows[case.id], clock) for case in late_cases for clock in rows[case.id].clocks if clock.overdue),
        key=lambda pair: (pair[1].days_left, pair[0].case.id),
    )[:LISTED]
    waiting = []
    for case in waiting_cases:
        row = rows[case.id]
        if case.stage == "with_home_office":
            clock = next(c for c in row.clocks if c.code == "home_office_outcome")
            waiting.append(Waiting(row, "Quality assurance outcome", clock.starts_on, clock.days))
        else:
            waiting.append(
                Waiting(row, "Response to the decision to hold a review", case.stage_entered_on, row.days_in_stage)
            )
    waiting.sort(key=lambda item: (-(item.days or 0), item.row.case.id))
    return Overview(
        today, by_stage, held, held_count, overdue, overdue_cases, waiting, waiting_count, recently_changed(user)
    )


def _cases(statement, key) -> list[Case]:
    """The first ``LISTED`` cases of ``statement`` by ``key`` (then id)."""
    return list(db.session.execute(statement.order_by(key, Case.id).limit(LISTED)).unique().scalars())


def recently_changed(user, limit: int = RECENT) -> list[tuple[Case, datetime]]:
    """Cases with the latest stage moves, record changes or CRG updates (``Case.changed_at``, indexed)."""
    statement = (
        visible_cases(user).where(Case.changed_at.is_not(None)).order_by(Case.changed_at.desc(), Case.id).limit(limit)
    )
    return [(case, case.changed_at) for case in db.session.execute(statement).unique().scalars()]
