"""The timeline of a review: how long it spent in each stage, its holds and its clocks.

Built from the stage history; drawn by ``timeline_svg`` (server-side SVG) and as a GOV.UK task
list (its tags: ``presenters``). Other areas mark their own moments on it (a draft circulated,
a pack sent to the Home Office) by registering an event source with ``register_events``: a
function ``(case) -> list[Event]`` run once per case page, in one query of its own. The
timeline is shown only to those who may see the case record (``VIEW_CASE_RECORD``), so an
event must say nothing that the business office, the CSP lead and the author may not read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import select

from portal.clock import london_date, london_today
from portal.extensions import db

from . import clocks as clock_rules
from .models import STAGES, Case, CrgUpdate, StageHistory
from .stages import ENDED_STAGES, MAIN_PATH, OPEN_STAGES


@dataclass(frozen=True)
class Segment:
    stage: str
    starts_on: date
    ends_on: date | None  # None: the current stage

    def days(self, today: date) -> int:
        return ((self.ends_on or today) - self.starts_on).days

    @property
    def label(self) -> str:
        return STAGES.get(self.stage, self.stage)


@dataclass(frozen=True)
class StageRow:
    """One line of the task list: a stage, its status and the time spent in it."""

    stage: str
    label: str
    status: str  # done, in_progress, on_hold, overdue, not_started
    starts_on: date | None
    ends_on: date | None
    days: int | None
    visits: int


EVENTS = "portal.cases.timeline_events"


@dataclass(frozen=True)
class Event:
    """A moment another area marks on the timeline: "Overview Report, draft 2 circulated"."""

    on: date
    label: str
    kind: str  # names its marker's class (app-timeline__event--<kind>)


def register_events(app, key: str, events: Callable[[Case], list[Event]]) -> None:
    sources = app.extensions.setdefault(EVENTS, {})
    if key in sources:
        raise ValueError(f"timeline events {key!r} are registered twice")
    sources[key] = events


def events_of(case: Case) -> list[Event]:
    found = [event for events in current_app.extensions.get(EVENTS, {}).values() for event in events(case)]
    return sorted(found, key=lambda event: (event.on, event.label))


@dataclass
class Timeline:
    case: Case
    history: list[StageHistory]
    segments: list[Segment]
    holds: list[clock_rules.Hold]
    clocks: list[clock_rules.Clock]
    stages: list[StageRow]
    today: date
    events: list[Event] = field(default_factory=list)

    @property
    def overdue(self) -> list[clock_rules.Clock]:
        return [clock for clock in self.clocks if clock.overdue]


def load_history(case_ids) -> dict[int, list[StageHistory]]:
    """Stage history of several cases in one query (ordered), keyed by case id."""
    rows = db.session.execute(
        select(StageHistory)
        .where(StageHistory.case_id.in_(case_ids))
        .order_by(StageHistory.case_id, StageHistory.occurred_on, StageHistory.id)
    ).scalars()
    result: dict[int, list[StageHistory]] = {}
    for row in rows:
        result.setdefault(row.case_id, []).append(row)
    return result


def case_updates(case: Case) -> list[CrgUpdate]:
    return list(
        db.session.execute(
            select(CrgUpdate)
            .where(CrgUpdate.case_id == case.id)
            .order_by(CrgUpdate.meeting_on.desc(), CrgUpdate.id.desc())
        ).scalars()
    )


def stage_start(case: Case) -> date:
    if case.stage_entered_on:
        return case.stage_entered_on
    return london_date(case.created_at) if case.created_at else london_today()


def segments_of(case: Case, history: list[StageHistory]) -> list[Segment]:
    changes = [entry for entry in history if entry.kind in ("created", "move", "reopen") and entry.to_stage]
    if not changes:
        return [Segment(case.stage, stage_start(case), None)]
    segments: list[Segment] = []
    for entry in changes:
        if segments and segments[-1].stage == entry.to_stage:
            continue
        if segments:
            last = segments[-1]
            segments[-1] = Segment(last.stage, last.starts_on, entry.occurred_on)
        segments.append(Segment(entry.to_stage, entry.occurred_on, None))
    return segments


def _stage_rows(case: Case, segments: list[Segment], clocks, today: date) -> list[StageRow]:
    path = list(MAIN_PATH)
    if case.stage == "not_progressed" or any(s.stage == "not_progressed" for s in segments):
        path.insert(1, "not_progressed")
    overdue = any(clock.overdue for clock in clocks)
    rows = []
    for stage in path:
        visits = [segment for segment in segments if segment.stage == stage]
        if not visits:
            rows.append(StageRow(stage, STAGES[stage], "not_started", None, None, None, 0))
            continue
        current = case.stage == stage
        if current and case.on_hold:
            status = "on_hold"
        elif current and overdue and stage in OPEN_STAGES:
            status = "overdue"
        elif current and stage not in ENDED_STAGES:
            status = "in_progress"
        else:
            status = "done"
        ends = None if current else visits[-1].ends_on
        rows.append(
            StageRow(
                stage,
                STAGES[stage],
                status,
                visits[0].starts_on,
                ends,
                sum(segment.days(today) for segment in visits),
                len(visits),
            )
        )
    return rows


def build(case: Case, history: list[StageHistory], today: date | None = None) -> Timeline:
    today = today or london_today()
    holds = clock_rules.holds_from_history(history, on_hold=case.on_hold, hold_since=case.hold_since)
    clocks = clock_rules.case_clocks(case, holds, today)
    segments = segments_of(case, history)
    return Timeline(case, history, segments, holds, clocks, _stage_rows(case, segments, clocks, today), today)


def for_case(case: Case) -> Timeline:
    timeline = build(case, load_history([case.id]).get(case.id, []))
    timeline.events = events_of(case)
    return timeline
