"""The merged chronology: every accepted row of every agency in one order, grouped by day.

Pure: rows are any objects with the attributes of a chronology row and its agency's name
(``occurred_on``, ``occurred_at`` or None, ``agency_name``, ``subject``, ``practitioner``,
``contact_type``, ``what_happened``, ``action_taken``, ``source_reference``), so the page,
the exports and the tests share one ordering. The route filters in SQL where it can;
``filter_rows`` is the same filter in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time
from itertools import groupby
from typing import Any


def sort_key(row) -> tuple:
    """Date, then time (rows without a time first in their day: "some time that day"), then agency."""
    at = row.occurred_at
    return (row.occurred_on, at is not None, at or time.min, (row.agency_name or "").casefold())


def ordered(rows: Iterable) -> list:
    """``rows`` in merged order; Python's sort is stable, so equal rows keep the order given."""
    return sorted(rows, key=sort_key)


@dataclass(frozen=True, slots=True)
class DateGroup:
    """One day of the merged chronology: its rows in order and the agencies they come from."""

    day: date
    rows: tuple[Any, ...]
    agencies: tuple[str, ...]  # distinct, in the order of their first row that day
    several_agencies: bool  # where accounts can meet or conflict


def merge(rows: Iterable) -> list[DateGroup]:
    groups = []
    for day, day_rows in groupby(ordered(rows), key=lambda row: row.occurred_on):
        day_rows = tuple(day_rows)
        agencies = tuple(dict.fromkeys(row.agency_name for row in day_rows))
        groups.append(DateGroup(day=day, rows=day_rows, agencies=agencies, several_agencies=len(agencies) > 1))
    return groups


def _same(a: str | None, b: str) -> bool:
    return (a or "").casefold() == b.casefold()


def filter_rows(
    rows: Iterable,
    *,
    agency: str | Sequence[str] | None = None,
    subject: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> list:
    """The rows of ``agency`` (a name or several), about ``subject``, dated ``start`` to ``end``
    inclusive; names compare without regard to case. None leaves that filter off."""
    agencies = None
    if agency is not None:
        agencies = {name.casefold() for name in ([agency] if isinstance(agency, str) else agency)}
    kept = []
    for row in rows:
        if agencies is not None and (row.agency_name or "").casefold() not in agencies:
            continue
        if subject is not None and not _same(row.subject, subject):
            continue
        if start is not None and row.occurred_on < start:
            continue
        if end is not None and row.occurred_on > end:
            continue
        kept.append(row)
    return kept
