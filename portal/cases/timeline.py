"""The timeline of a review: how long it spent in each stage, its holds and its clocks.

Built from the stage history; drawn as server-side SVG (positions as attributes, colours as
classes in static/css/timeline.css: the CSP allows no inline styles) and as a GOV.UK task list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from portal.clock import as_utc, london_today
from portal.extensions import db
from portal.web.filters import LONDON, govuk_date

from . import clocks as clock_rules
from .models import STAGES, Case, CrgUpdate, StageHistory
from .stages import ENDED_STAGES, MAIN_PATH, OPEN_STAGES

WIDTH = 1000
LEFT = 150  # room for row labels
STAGE_ROW_Y, STAGE_ROW_H = 28, 26
HOLD_ROW_Y, HOLD_ROW_H = 58, 10
CLOCK_ROW_Y, CLOCK_ROW_STEP = 92, 24
SHORT_STAGES = {
    "referral": "Referral",
    "awaiting_home_office": "Awaiting Home Office",
    "commissioning": "Commissioning",
    "in_review": "Panel and report",
    "signed_off": "Signed off",
    "with_home_office": "With Home Office",
    "approved": "Approved",
    "published": "Published",
    "closed": "Closed",
    "not_progressed": "Not progressed",
}
SHORT_CLOCKS = {
    "decision": "Decision",
    "home_office_informed": "Home Office told",
    "completion": "Completion",
    "home_office_outcome": "Home Office wait",
}


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

    @property
    def status_tag(self) -> dict:
        text, colour = {
            "done": ("Done", "govuk-tag--green"),
            "in_progress": ("In progress", "govuk-tag--light-blue"),
            "on_hold": ("On hold", "govuk-tag--yellow"),
            "overdue": ("Overdue", "govuk-tag--red"),
            "not_started": ("Not started", "govuk-tag--grey"),
        }[self.status]
        return {"text": text, "classes": colour}


@dataclass
class Timeline:
    case: Case
    history: list[StageHistory]
    segments: list[Segment]
    holds: list[clock_rules.Hold]
    clocks: list[clock_rules.Clock]
    stages: list[StageRow]
    today: date

    @property
    def overdue(self) -> list[clock_rules.Clock]:
        return [clock for clock in self.clocks if clock.overdue]

    @property
    def svg(self) -> dict:
        return _svg(self)


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
    return as_utc(case.created_at).astimezone(LONDON).date() if case.created_at else london_today()


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
    return build(case, load_history([case.id]).get(case.id, []))


# -- SVG ----------------------------------------------------------------------------------------------


def _svg(timeline: Timeline) -> dict:
    today = timeline.today
    dates = [segment.starts_on for segment in timeline.segments]
    for clock in timeline.clocks:
        dates += [d for d in (clock.starts_on, clock.due_on, clock.stopped_on) if d]
    dates += [hold.starts_on for hold in timeline.holds]
    start = min(dates + [today])
    end = max(dates + [today])
    span = max((end - start).days, 30)
    scale = (WIDTH - LEFT - 10) / span

    def x(when: date) -> float:
        return round(LEFT + (when - start).days * scale, 1)

    bars = []
    for segment in timeline.segments:
        x1, x2 = x(segment.starts_on), x(segment.ends_on or today)
        days = segment.days(today)
        bars.append(
            {
                "x": x1,
                "width": max(round(x2 - x1, 1), 2),
                "stage": segment.stage,
                "current": segment.ends_on is None,
                "label": SHORT_STAGES.get(segment.stage, segment.stage),
                "title": f"{segment.label}: {govuk_date(segment.starts_on)} to "
                f"{govuk_date(segment.ends_on) if segment.ends_on else 'today'} ({days} days)",
                "text_x": round(x1 + 3, 1),
                "show_text": (x2 - x1) > 8 * len(SHORT_STAGES.get(segment.stage, segment.stage)),
            }
        )
    holds = []
    for hold in timeline.holds:
        x1, x2 = x(hold.starts_on), x(hold.ends_on or today)
        holds.append(
            {
                "x": x1,
                "width": max(round(x2 - x1, 1), 2),
                "title": f"On hold {govuk_date(hold.starts_on)} to "
                f"{govuk_date(hold.ends_on) if hold.ends_on else 'today'}",
            }
        )
    clock_rows = []
    row = 0
    for clock in timeline.clocks:
        if clock.starts_on is None:
            continue
        y = CLOCK_ROW_Y + row * CLOCK_ROW_STEP
        row += 1
        finish = clock.stopped_on or today
        item = {
            "y": y,
            "label": SHORT_CLOCKS[clock.code],
            "x1": x(clock.starts_on),
            "x2": x(finish),
            "status": clock.status,
            "title": f"{clock.label}: {clock.status_label.lower()}",
        }
        if clock.due_on:
            item["due_x"] = x(clock.due_on)
            item["title"] += f", due {govuk_date(clock.due_on)}"
        if clock.stopped_on:
            item["title"] += f", {govuk_date(clock.stopped_on)}"
        clock_rows.append(item)
    years = []
    for year in range(start.year + 1, end.year + 1):
        years.append({"x": x(date(year, 1, 1)), "label": str(year)})
    height = CLOCK_ROW_Y + row * CLOCK_ROW_STEP + 6
    return {
        "width": WIDTH,
        "height": height,
        "left": LEFT,
        "stage_y": STAGE_ROW_Y,
        "stage_h": STAGE_ROW_H,
        "hold_y": HOLD_ROW_Y,
        "hold_h": HOLD_ROW_H,
        "bars": bars,
        "holds": holds,
        "clocks": clock_rows,
        "years": years,
        "today_x": x(today),
        "start": start,
        "end": end,
    }
