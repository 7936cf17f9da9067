"""Figures for the business office dashboard, in a fixed number of queries whatever the number of cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, union_all

from portal.authz import visible_cases
from portal.cases.models import STAGES, Case, CrgUpdate, FieldChange, StageHistory
from portal.cases.register import Row, holds_for, rows_for
from portal.cases.stages import OPEN_STAGES
from portal.clock import london_today
from portal.extensions import db

RECENT = 10


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
    held: list[Row]
    overdue: list[tuple[Row, object]]  # (row, clock), most overdue first
    waiting: list[Waiting]
    recent: list[tuple[Case, datetime]]

    @property
    def in_progress(self) -> int:
        return sum(count for code, _label, count in self.by_stage if code in OPEN_STAGES) + len(self.held)

    @property
    def overdue_cases(self) -> int:
        return len({row.case.id for row, _clock in self.overdue})


def overview(user) -> Overview:
    today = london_today()
    scoped = visible_cases(user).subquery()
    counts = dict(
        db.session.execute(
            select(scoped.c.stage, func.count()).where(scoped.c.on_hold.is_(False)).group_by(scoped.c.stage)
        ).all()
    )
    by_stage = [(code, label, counts.get(code, 0)) for code, label in STAGES.items()]

    # Reviews still running (and those approved or published, whose clocks may still be open).
    statement = visible_cases(user).where(Case.stage.in_((*OPEN_STAGES, "approved", "published", "not_progressed")))
    cases = list(db.session.execute(statement).unique().scalars())
    rows = rows_for(cases, holds_for(statement), today)
    held = sorted((row for row in rows if row.case.on_hold), key=lambda row: row.case.hold_since or today)
    overdue = sorted(
        ((row, clock) for row in rows for clock in row.clocks if clock.overdue),
        key=lambda pair: pair[1].days_left,
    )
    waiting = []
    for row in rows:
        case = row.case
        if case.stage == "with_home_office":
            clock = next(c for c in row.clocks if c.code == "home_office_outcome")
            waiting.append(Waiting(row, "Quality assurance outcome", clock.starts_on, clock.days))
        elif case.stage == "awaiting_home_office":
            waiting.append(
                Waiting(row, "Response to the decision to hold a review", case.stage_entered_on, row.days_in_stage)
            )
    waiting.sort(key=lambda item: -(item.days or 0))
    return Overview(today, by_stage, held, overdue, waiting, recently_changed(user))


def recently_changed(user, limit: int = RECENT) -> list[tuple[Case, datetime]]:
    """Cases with the latest stage moves, record changes or CRG updates (one query)."""
    activity = union_all(
        select(StageHistory.case_id.label("case_id"), StageHistory.recorded_at.label("at")),
        select(FieldChange.case_id, FieldChange.changed_at),
        select(CrgUpdate.case_id, CrgUpdate.created_at),
    ).subquery()
    latest = select(activity.c.case_id, func.max(activity.c.at).label("at")).group_by(activity.c.case_id).subquery()
    scoped = visible_cases(user).subquery()
    statement = (
        select(Case, latest.c.at)
        .join(latest, latest.c.case_id == Case.id)
        .where(Case.id.in_(select(scoped.c.id)))
        .order_by(latest.c.at.desc(), Case.id)
        .limit(limit)
    )
    return [(case, at) for case, at in db.session.execute(statement).unique().all()]
