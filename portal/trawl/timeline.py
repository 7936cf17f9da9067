"""The trawl's moments on the case timeline (``portal.cases.timeline.register_events``).

The timeline is shown to everyone who may see the case record (the business office, the CSP
lead, the author), so its marks are counts and dates only: no agency names, no narrative.
One query a case page: the moments of the requests, returns and IMRs in one UNION ALL.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import literal, select, union_all

from portal.cases.timeline import Event
from portal.clock import london_date
from portal.extensions import db

from .models import Imr, TrawlRequest, TrawlReturn


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def timeline_events(case) -> list[Event]:
    moments = union_all(
        select(literal("sent").label("kind"), TrawlRequest.sent_at.label("at")).where(TrawlRequest.case_id == case.id),
        select(literal("accepted"), TrawlReturn.decided_at)
        .join(TrawlRequest, TrawlReturn.request_id == TrawlRequest.id)
        .where(TrawlRequest.case_id == case.id, TrawlReturn.status == "accepted"),
        select(literal("imr_requested"), Imr.requested_at).where(Imr.case_id == case.id),
        select(literal("imr_accepted"), Imr.accepted_at).where(Imr.case_id == case.id, Imr.accepted_at.is_not(None)),
    )
    counts = Counter((kind, london_date(at)) for kind, at in db.session.execute(moments).all() if at)
    sent_days = sorted(day for kind, day in counts if kind == "sent")
    events = []
    for (kind, day), count in counts.items():
        if kind == "sent":
            # The first day is the circulation; agencies asked later are "more".
            label = (
                f"Trawl circulated to {_plural(count, 'agency', 'agencies')}"
                if day == sent_days[0]
                else f"Trawl sent to {_plural(count, 'more agency', 'more agencies')}"
            )
            events.append(Event(day, label, "trawl"))
        elif kind == "accepted":
            events.append(Event(day, f"{_plural(count, 'return', 'returns')} accepted", "trawl-return"))
        elif kind == "imr_requested":
            events.append(Event(day, f"{_plural(count, 'IMR', 'IMRs')} requested", "trawl-imr"))
        else:
            events.append(Event(day, f"{_plural(count, 'IMR', 'IMRs')} accepted", "trawl-imr"))
    return events
