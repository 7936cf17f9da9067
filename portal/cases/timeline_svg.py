"""The timeline of a review drawn as server-side SVG: the geometry of its bars, holds and clocks.

Positions are attributes and colours are classes in static/css/timeline.css (the Content Security
Policy allows no inline styles); the template is templates/cases/_timeline.html.
"""

from __future__ import annotations

from datetime import date

from portal.web.dates import govuk_date

from .timeline import Timeline

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


def timeline_svg(timeline: Timeline) -> dict:
    """Positions and titles of the timeline's bars, holds, clocks and years (templates/cases/_timeline.html)."""
    today = timeline.today
    dates = [segment.starts_on for segment in timeline.segments]
    for clock in timeline.clocks:
        dates += [d for d in (clock.starts_on, clock.due_on, clock.stopped_on) if d]
    dates += [hold.starts_on for hold in timeline.holds]
    dates += [event.on for event in timeline.events]
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
    events_y = CLOCK_ROW_Y + row * CLOCK_ROW_STEP
    events = [
        {"x": x(event.on), "kind": event.kind, "title": f"{govuk_date(event.on)}: {event.label}"}
        for event in timeline.events
    ]
    if events:
        row += 1
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
        "events": events,
        "events_y": events_y,
        "years": years,
        "today_x": x(today),
        "start": start,
        "end": end,
    }
