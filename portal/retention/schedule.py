"""When a case ends and when it is due for disposal (UK GDPR storage limitation, SECURITY 34).

A case ends when it reaches an ended stage (``cases.stages.ENDED_STAGES``): closed, or not
progressed (no review held). It is due for disposal ``RETENTION_YEARS`` after that (6 by
default), or on the later date an extension set. A legal hold stops disposal whatever the date.
Dates are worked out here rather than stored, so a changed setting or a reopened case moves them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select
from sqlalchemy import case as sql_case

from portal.authz import visible_cases
from portal.cases.models import Case
from portal.cases.stages import ENDED_STAGES
from portal.clock import london_today
from portal.extensions import db

from .models import CaseRetention

DEFAULT_RETENTION_YEARS = 6


def retention_years() -> int:
    return int(current_app.config.get("RETENTION_YEARS", DEFAULT_RETENTION_YEARS))


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 28 February in a year without it."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier; 29 February becomes 28 February in a year without it."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def latest_end_due_by(day: date, years: int) -> date:
    """The last end date whose default disposal date (``add_years``) is on or before ``day``.

    ``add_years`` never goes down as the end date goes up, so the ended cases due by ``day`` are
    exactly those ended on or before this date: SQL compares end dates, with no date arithmetic of
    its own (SQLite and PostgreSQL would each need theirs, and 29 February its rule)."""
    end = years_before(day, years)
    # An end on 29 February counts as 28 February: it can fall due on the same day as the 28th.
    while add_years(end + timedelta(days=1), years) <= day:
        end += timedelta(days=1)
    return end


def ended_on(case: Case) -> date | None:
    """The day the case reached its ended stage, or None while it is still open."""
    if case.stage == "closed":
        return case.closed_on or case.stage_entered_on
    if case.stage == "not_progressed":
        return case.decision_on or case.stage_entered_on
    return None


@dataclass(frozen=True)
class Schedule:
    """A case's retention as the business office sees it."""

    case: Case
    retention: CaseRetention | None
    ended_on: date | None
    default_date: date | None  # end date + RETENTION_YEARS
    disposal_on: date | None  # the later of the default date and an extension

    @property
    def ended(self) -> bool:
        return self.ended_on is not None

    @property
    def legal_hold(self) -> bool:
        return bool(self.retention and self.retention.legal_hold)

    @property
    def extended(self) -> bool:
        return bool(self.retention and self.retention.keep_until and self.retention.keep_until > self.default_date)

    def due(self, today: date | None = None) -> bool:
        """Past its disposal date (held or not: a held case is listed, and cannot be disposed of)."""
        return self.disposal_on is not None and self.disposal_on <= (today or london_today())

    def blocked_because(self, today: date | None = None) -> str | None:
        """Why it may not be disposed of today, in words for the officer; None when it may."""
        if not self.ended:
            return "The case has not ended: only closed or not progressed cases are disposed of."
        if self.legal_hold:
            return "The case is under a legal hold: lift the hold before disposing of it."
        if self.case.on_hold:
            return "The review is on hold: resume it or close it before disposing of it."
        if not self.due(today):
            return "The case is not yet due for disposal."
        return None


_LOOK_UP = object()


def schedule_for(case: Case, retention=_LOOK_UP, *, years: int | None = None) -> Schedule:
    """``retention``: the case's row when the caller has it (None: it has none); else it is read."""
    if retention is _LOOK_UP:
        retention = db.session.execute(select(CaseRetention).where(CaseRetention.case_id == case.id)).scalar()
    end = ended_on(case)
    default = add_years(end, retention_years() if years is None else years) if end else None
    disposal = default
    if default and retention and retention.keep_until and retention.keep_until > default:
        disposal = retention.keep_until
    return Schedule(case, retention, end, default, disposal)


def ended_cases(user) -> list[Schedule]:
    """Every ended case ``user`` may see, with its schedule, soonest disposal first (one query).

    ``user`` None: every case (``flask retention report``, run by whoever runs the portal).
    """
    cases = select(Case) if user is None else visible_cases(user)
    rows = db.session.execute(
        cases.add_columns(CaseRetention)
        .outerjoin(CaseRetention, CaseRetention.case_id == Case.id)
        .where(Case.stage.in_(ENDED_STAGES))
    ).all()
    years = retention_years()
    schedules = [schedule_for(case, retention, years=years) for case, retention in rows]
    return sorted(schedules, key=lambda s: (s.disposal_on or date.max, s.case.id))


def ended_on_column():
    """``ended_on`` in SQL: NULL for a case that has not ended."""
    return sql_case(
        (Case.stage == "closed", func.coalesce(Case.closed_on, Case.stage_entered_on)),
        (Case.stage == "not_progressed", func.coalesce(Case.decision_on, Case.stage_entered_on)),
        else_=None,
    )


def due_by(user, day: date, *, held: bool = True) -> list[Schedule]:
    """The ended cases ``user`` may see that are due for disposal on or before ``day``, with their
    schedules, soonest disposal first (one query). ``held=False`` leaves out cases under a legal hold.

    Only those cases are read: the disposal date (the later of the default date and an extension)
    is on or before ``day`` exactly when both are, and the default date is when the case ended on
    or before ``latest_end_due_by``. Their order, by the disposal date worked out in Python as
    ``schedule_for`` does, costs what the page shows, not every ended case."""
    years = retention_years()
    conditions = [
        Case.stage.in_(ENDED_STAGES),
        ended_on_column() <= latest_end_due_by(day, years),
        or_(CaseRetention.keep_until.is_(None), CaseRetention.keep_until <= day),
    ]
    if not held:
        conditions.append(or_(CaseRetention.legal_hold.is_(None), CaseRetention.legal_hold.is_(False)))
    cases = select(Case) if user is None else visible_cases(user)
    rows = db.session.execute(
        cases.add_columns(CaseRetention)
        .outerjoin(CaseRetention, CaseRetention.case_id == Case.id)
        .where(and_(*conditions))
    ).all()
    schedules = [schedule_for(case, retention, years=years) for case, retention in rows]
    return sorted(schedules, key=lambda s: (s.disposal_on or date.max, s.case.id))


def due_cases(user, today: date | None = None) -> list[Schedule]:
    return due_by(user, today or london_today())
