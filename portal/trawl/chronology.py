"""The merged chronology's rows: every row of every accepted return of a review, with its agency.

One query, whatever the number of agencies and rows; filters (agency, subject, period) are in
its WHERE clause. Rows come back as plain ``MergedRow`` objects with the attributes
``merged.py`` and ``exports.py`` read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import select

from portal.admin.models import Organisation
from portal.extensions import db

from .models import ChronologyRow, TrawlRequest, TrawlReturn


@dataclass(frozen=True, slots=True)
class MergedRow:
    occurred_on: date
    occurred_at: time | None
    agency_name: str
    subject: str
    practitioner: str
    contact_type: str
    what_happened: str
    action_taken: str
    source_reference: str


@dataclass(frozen=True)
class Filters:
    agency_id: int | None = None
    subject: str | None = None
    start: date | None = None
    end: date | None = None

    @property
    def active(self) -> bool:
        return any(value is not None for value in (self.agency_id, self.subject, self.start, self.end))

    def audit_detail(self) -> dict:
        """What was filtered on, as ids and dates only (a subject is a pseudonym label: left out)."""
        return {
            "agency_id": self.agency_id,
            "subject": self.subject is not None,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
        }


def merged_rows(case, filters: Filters = Filters()) -> list[MergedRow]:
    statement = (
        select(
            ChronologyRow.occurred_on,
            ChronologyRow.occurred_at,
            Organisation.name,
            ChronologyRow.subject,
            ChronologyRow.practitioner,
            ChronologyRow.contact_type,
            ChronologyRow.what_happened,
            ChronologyRow.action_taken,
            ChronologyRow.source_reference,
        )
        .join(TrawlReturn, TrawlReturn.id == ChronologyRow.return_id)
        .join(TrawlRequest, TrawlRequest.id == TrawlReturn.request_id)
        .join(Organisation, Organisation.id == TrawlRequest.organisation_id)
        .where(TrawlRequest.case_id == case.id, TrawlReturn.status == "accepted")
        .order_by(ChronologyRow.occurred_on, ChronologyRow.occurred_at, Organisation.name, ChronologyRow.id)
    )
    if filters.agency_id is not None:
        statement = statement.where(TrawlRequest.organisation_id == filters.agency_id)
    if filters.subject is not None:
        statement = statement.where(ChronologyRow.subject == filters.subject)
    if filters.start is not None:
        statement = statement.where(ChronologyRow.occurred_on >= filters.start)
    if filters.end is not None:
        statement = statement.where(ChronologyRow.occurred_on <= filters.end)
    return [MergedRow(*row) for row in db.session.execute(statement)]


def accepted_agencies(case) -> list[tuple[int, str]]:
    """The agencies whose return is accepted, for the agency filter (one query)."""
    rows = db.session.execute(
        select(Organisation.id, Organisation.name)
        .join(TrawlRequest, TrawlRequest.organisation_id == Organisation.id)
        .join(TrawlReturn, TrawlReturn.request_id == TrawlRequest.id)
        .where(TrawlRequest.case_id == case.id, TrawlReturn.status == "accepted")
        .distinct()
        .order_by(Organisation.name)
    )
    return [(org_id, name) for org_id, name in rows]


# The page shows the merged chronology in pages of about this many rows (the exports hold all).
ROWS_PER_PAGE = 500


def paged(groups: list, page: int, per_page: int | None = None) -> tuple[list, int]:
    """The day groups on ``page`` (from 1) and the number of pages. A day is never split: a page
    ends after the day that reaches ``per_page`` rows."""
    per_page = per_page or ROWS_PER_PAGE
    pages: list[list] = [[]]
    count = 0
    for group in groups:
        if count >= per_page:
            pages.append([])
            count = 0
        pages[-1].append(group)
        count += len(group.rows)
    page = min(max(page, 1), len(pages))
    return pages[page - 1], len(pages)
