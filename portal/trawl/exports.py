"""The merged chronology as Word, Excel and CSV files (portal/web/exports.py does the files).

Rows are the merged chronology's rows (see ``portal.trawl.merged``), in any order: each export
puts them in merged order. Word heads each day with a row naming the day and, where several
agencies saw the subjects that day, the agencies, so the author sees where accounts meet or
conflict. Excel and CSV stay flat (one row per entry, ready to sort and filter) and carry the
number of agencies on that date instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from portal.web.dates import govuk_date
from portal.web.exports import Group, csv_bytes, csv_chunks, docx_table, xlsx_bytes

from .chronology_io import HEADINGS as IMPORT_HEADINGS
from .merged import DateGroup, merge

HEADINGS: tuple[str, ...] = (*IMPORT_HEADINGS[:2], "Agency", *IMPORT_HEADINGS[2:])
FLAT_HEADINGS: tuple[str, ...] = (*HEADINGS, "Agencies on this date")
_FIELDS = (
    "occurred_on",
    "occurred_at",
    "agency_name",
    "subject",
    "practitioner",
    "contact_type",
    "what_happened",
    "action_taken",
    "source_reference",
)
# Word: shares of the landscape page; Excel: characters.
_WORD_WIDTHS = (11, 6, 14, 12, 13, 12, 40, 26, 12)
_EXCEL_WIDTHS = (12, 7, 24, 20, 22, 20, 60, 45, 20, 12)


def title(case_reference: str) -> str:
    return f"Merged chronology: {case_reference}"


def _values(row) -> list:
    return [getattr(row, field) for field in _FIELDS]


def day_label(group: DateGroup) -> str:
    """27 March 2024, or 27 March 2024: 3 agencies (Health, Housing, Police)."""
    label = govuk_date(group.day)
    if group.several_agencies:
        label += f": {len(group.agencies)} agencies ({', '.join(group.agencies)})"
    return label


def _intro(groups: Sequence[DateGroup], description: str | None) -> list[str]:
    rows = sum(len(group.rows) for group in groups)
    agencies = len({agency for group in groups for agency in group.agencies})
    shared = sum(1 for group in groups if group.several_agencies)
    lines = [
        f"{rows:,} {'entry' if rows == 1 else 'entries'} from {agencies} "
        f"{'agency' if agencies == 1 else 'agencies'} over {len(groups):,} "
        f"{'day' if len(groups) == 1 else 'days'}; "
        f"{shared:,} {'day has' if shared == 1 else 'days have'} entries from more than one agency."
    ]
    if description:
        lines.append(description)
    return lines


def _grouped(groups: Iterable[DateGroup]) -> Iterator:
    for group in groups:
        yield Group(day_label(group))
        for row in group.rows:
            yield _values(row)


def _flat(groups: Iterable[DateGroup]) -> Iterator[list]:
    for group in groups:
        count = len(group.agencies)
        for row in group.rows:
            yield [*_values(row), count]


def chronology_docx(rows: Iterable, *, case_reference: str, description: str | None = None) -> bytes:
    """Landscape Word table: a heading row for each day, then its entries with their agency.

    ``description`` is one more introductory line (the filters applied, for example)."""
    groups = merge(rows)
    return docx_table(
        title(case_reference),
        HEADINGS,
        _grouped(groups),
        landscape=True,
        intro=_intro(groups, description),
        widths=_WORD_WIDTHS,
    )


def chronology_xlsx(rows: Iterable, *, case_reference: str) -> bytes:
    return xlsx_bytes(title(case_reference), FLAT_HEADINGS, _flat(merge(rows)), widths=_EXCEL_WIDTHS)


def chronology_csv(rows: Iterable, *, case_reference: str) -> bytes:
    """CSV: the marking line, the title line, the headings, one line per entry."""
    return csv_bytes(FLAT_HEADINGS, _flat(merge(rows)), title=title(case_reference))


def chronology_csv_chunks(rows: Iterable, *, case_reference: str) -> Iterator[bytes]:
    """The same CSV as byte chunks, for a streamed response."""
    return csv_chunks(FLAT_HEADINGS, _flat(merge(rows)), title=title(case_reference))
