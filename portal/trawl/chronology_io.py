"""Chronology rows in and out of spreadsheets: the template an agency fills in, and reading it back.

``parse_rows`` is all or nothing: a file with any bad row imports nothing and names every bad
row and column, as the user sees them in their spreadsheet ("Row 4, Date: ..."), so they can
fix the file and send it again. Files come from outside the portal, so reading is defensive
(the file checks, readers and cell parsing are ``portal.web.imports``, shared with other imports):

* only CSV and XLSX; macro-enabled workbooks, password-protected (encrypted) ones and old .xls
  files are refused with a message saying what to do;
* a size cap on the file and on what its ZIP container unpacks to (a zip bomb is small);
* openpyxl in read-only mode (rows streamed, not the whole sheet built), and formulas are
  never evaluated: a formula cell is refused (its value would be whatever Excel last
  computed, or nothing), while text that merely starts with ``=`` in a CSV is kept as text
  (every export guards it again, ``portal.web.exports.safe_cell``);
* text is cleaned as form input is (``portal.web.text.clean``), then trimmed as the inline
  form's fields are, and capped at the same lengths (``LIMITS``).
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import PurePath

from portal.web.exports import csv_bytes, marked_sheet
from portal.web.imports import (
    COMPOUND_FILE,
    MACRO_SUFFIXES,
    CellError,
    Formula,
    Refused,
    RowError,
    blank,
    cell_text,
    check_size,
    csv_rows,
    heading_key,
    parse_date,
    parse_time,
    row_error,
    xlsx_rows,
)
from portal.web.text import clean, multi_line, one_line

MB = 1024 * 1024
MAX_BYTES = 5 * MB
# What an XLSX may unpack to: a generous multiple of any honest 5,000-row chronology.
MAX_UNPACKED = 100 * MB


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    heading: str
    required: bool
    limit: int | None  # characters; None for dates and times
    multi_line: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("occurred_on", "Date", True, None),
    Column("occurred_at", "Time", False, None),
    Column("subject", "Subject", True, 200),
    Column("practitioner", "Practitioner or role", True, 200),
    Column("contact_type", "Event or contact type", True, 200),
    Column("what_happened", "What happened", True, 5000, multi_line=True),
    Column("action_taken", "Action taken or outcome", True, 5000, multi_line=True),
    Column("source_reference", "Source record reference", True, 200),
)
HEADINGS: tuple[str, ...] = tuple(column.heading for column in COLUMNS)
LIMITS: dict[str, int] = {column.key: column.limit for column in COLUMNS if column.limit}
BY_KEY: dict[str, Column] = {column.key: column for column in COLUMNS}

# What "enter ..." says when a required cell is empty.
_MISSING = {
    "occurred_on": "enter the date, for example 27/03/2024",
    "subject": "enter the subject",
    "practitioner": "enter the practitioner or their role",
    "contact_type": "enter the event or contact type",
    "what_happened": "enter what happened",
    "action_taken": "enter the action taken or the outcome",
    "source_reference": "enter the source record reference",
}

NOTE = (
    "One row for each contact or event. Date as DD/MM/YYYY (for example 27/03/2024); time, if known, "
    "as HH:MM in the 24-hour clock (for example 14:30). Subject must be one of the subjects "
    "named in the request. Every other column must be filled in. "
    "Do not change the headings. Up to 5,000 rows in one file."
)


@dataclass(frozen=True, slots=True)
class ImportedRow:
    occurred_on: date
    occurred_at: time | None
    subject: str
    practitioner: str
    contact_type: str
    what_happened: str
    action_taken: str
    source_reference: str


@dataclass(frozen=True, slots=True)
class ImportResult:
    rows: list[ImportedRow]
    errors: list[RowError]

    @property
    def ok(self) -> bool:
        return not self.errors


# -- the template ------------------------------------------------------------------------------


def template_csv() -> bytes:
    """The blank template as CSV: the marking line, then the headings."""
    return csv_bytes(HEADINGS, [])


_WIDTHS = (12, 8, 24, 24, 24, 60, 50, 22)


def template_xlsx(subjects: Sequence[str] = ()) -> bytes:
    """The blank template as Excel: marking, a note, the headings (frozen), Date and Time columns
    formatted as dates and times, and Subject offered as a drop-down of ``subjects`` if given."""
    from openpyxl.styles import Alignment
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook, sheet = marked_sheet("chronology template", HEADINGS, widths=_WIDTHS, sheet_title="Chronology")
    sheet["A2"] = NOTE
    sheet["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(COLUMNS))
    sheet.row_dimensions[2].height = 48
    last = 3 + 5000
    for row in range(4, 4 + 200):  # formats for the first rows people type in
        sheet.cell(row=row, column=1).number_format = "dd/mm/yyyy"
        sheet.cell(row=row, column=2).number_format = "hh:mm"
    dates = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True)
    dates.error, dates.errorTitle = "Enter a real date, for example 27/03/2024", "Date"
    sheet.add_data_validation(dates)
    dates.add(f"A4:A{last}")
    if subjects:
        # The list lives on its own sheet: an inline list is limited to 255 characters and
        # breaks on commas, which subjects' labels can contain.
        lists = workbook.create_sheet("Subjects")
        for index, subject in enumerate(subjects, 1):
            lists.cell(row=index, column=1, value=one_line(clean(subject)))
        lists.sheet_state = "hidden"
        choice = DataValidation(type="list", formula1=f"=Subjects!$A$1:$A${len(subjects)}", allow_blank=True)
        choice.error, choice.errorTitle = "Choose one of the subjects of this review", "Subject"
        sheet.add_data_validation(choice)
        choice.add(f"C4:C{last}")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# -- reading -----------------------------------------------------------------------------------


_HEADING_KEYS = {heading_key(column.heading): column.key for column in COLUMNS}
_HEADING_KEYS.update(
    {
        heading_key("Practitioner"): "practitioner",
        heading_key("Agency practitioner or role"): "practitioner",
        heading_key("Event"): "contact_type",
        heading_key("Contact type"): "contact_type",
        heading_key("Action taken"): "action_taken",
        heading_key("Outcome"): "action_taken",
        heading_key("Source reference"): "source_reference",
        heading_key("Source record"): "source_reference",
    }
)
# The heading row is looked for in the first rows (the template has the marking and a note above it).
_HEADING_SEARCH = 10


def _file_error(message: str) -> ImportResult:
    return ImportResult(rows=[], errors=[RowError(row=None, column="", message=message)])


_NOT_SPREADSHEET = "The selected file must be a CSV or an Excel workbook (.xlsx)"


def parse_rows(
    filename: str,
    data: bytes,
    subjects: Sequence[str],
    *,
    max_rows: int = 5000,
    max_bytes: int = MAX_BYTES,
    today: date | None = None,
) -> ImportResult:
    """The chronology rows of an uploaded CSV or XLSX file, or every reason it cannot be imported.

    ``subjects`` are the labels of the request's subjects (a cell matches one whatever its case and
    becomes that label). ``today``, if given, refuses dates after it.
    """
    suffix = PurePath(filename or "").suffix.casefold()
    try:
        check_size(data, max_bytes)
        if suffix in MACRO_SUFFIXES:
            raise Refused("macros")
        if data.startswith(COMPOUND_FILE):  # whatever its name says
            raise Refused("compound_file")
        if suffix == ".xlsx":
            # MAX_UNPACKED read here, not bound at import: tests lower it.
            table = xlsx_rows(data, max_unpacked=MAX_UNPACKED, sheet="Chronology", max_col=40)
        elif suffix in (".csv", ".txt"):
            table = csv_rows(data, heading_words=("date", "subject"), search=_HEADING_SEARCH)
        else:
            return _file_error(_NOT_SPREADSHEET)
        with closing(table):
            return _read(table, subjects, max_rows=max_rows, today=today)
    except Refused as error:
        return _file_error(error.message)


def _read(table: Iterator[list], subjects: Sequence[str], *, max_rows: int, today: date | None) -> ImportResult:
    # The heading row: the first of the first rows with a cell naming a column.
    heading_row = None
    for number, cells in enumerate(table, 1):
        if any(heading_key(value) in _HEADING_KEYS for value in cells if isinstance(value, str)):
            heading_row = (number, cells)
            break
        if number >= _HEADING_SEARCH:
            break
    if heading_row is None:
        raise Refused("headings", "The selected file must have a row of headings: " + ", ".join(HEADINGS))
    heading_number, headings = heading_row
    positions: dict[str, int] = {}
    unknown, repeated = [], []
    for index, value in enumerate(headings):
        if blank(value):
            continue
        text = one_line(cell_text(value)) if not isinstance(value, Formula) else "a formula"
        key = _HEADING_KEYS.get(heading_key(value) if isinstance(value, str) else "")
        if key is None:
            unknown.append(text)
        elif key in positions:
            repeated.append(text)
        else:
            positions[key] = index
    missing = [column.heading for column in COLUMNS if column.key not in positions]
    problems = []
    if missing:
        problems.append(
            ("The file is missing the column " if len(missing) == 1 else "The file is missing the columns ")
            + ", ".join(missing)
        )
    if unknown:
        problems.append(
            (
                "The file has a column the template does not have: "
                if len(unknown) == 1
                else "The file has columns the template does not have: "
            )
            + ", ".join(unknown)
        )
    if repeated:
        problems.append("The file has a heading more than once: " + ", ".join(repeated))
    if problems:
        raise Refused("headings", ". ".join(problems) + ". Use the headings of the template: " + ", ".join(HEADINGS))

    by_label = {one_line(clean(subject)).casefold(): one_line(clean(subject)) for subject in subjects}
    rows: list[ImportedRow] = []
    errors: list[RowError] = []
    count = 0
    for number, cells in enumerate(table, heading_number + 1):
        values = {key: (cells[index] if index < len(cells) else None) for key, index in positions.items()}
        if all(blank(value) for value in values.values()):
            continue  # blank rows between entries are harmless
        count += 1
        if count > max_rows:
            raise Refused(
                "too_many_rows",
                f"The file has more than {max_rows:,} rows. Import at most {max_rows:,} rows in one file",
            )
        row, row_errors = _row(number, values, by_label, today)
        if row_errors:
            errors.extend(row_errors)
        elif not errors:
            rows.append(row)
    if not count:
        raise Refused("no_rows", "The selected file has no chronology rows under its headings")
    if errors:
        return ImportResult(rows=[], errors=errors)
    return ImportResult(rows=rows, errors=[])


def _row(number: int, values: dict, subjects: dict[str, str], today: date | None):
    errors: list[RowError] = []
    out: dict = {}

    def fail(key: str, reason: str) -> None:
        errors.append(row_error(number, BY_KEY[key].heading, reason))

    for column in COLUMNS:
        key, value = column.key, values[column.key]
        if isinstance(value, Formula):
            fail(key, "the cell holds a formula. Enter the value itself, not a formula")
            continue
        if key == "occurred_on":
            parsed, reason = _date(value, today)
        elif key == "occurred_at":
            parsed, reason = _time(value)
        else:
            parsed, reason = _text(column, value)
        if reason:
            fail(key, reason)
            continue
        if parsed in (None, "") and column.required:
            fail(key, _MISSING[key])
            continue
        if key == "subject":
            label = subjects.get(parsed.casefold())
            if label is None:
                fail(
                    key,
                    "enter one of the subjects of the request: " + ", ".join(subjects.values())
                    if subjects
                    else "the request has no subjects",
                )
                continue
            parsed = label
        out[key] = parsed
    if errors:
        return None, errors
    out.setdefault("occurred_at", None)
    when = values["occurred_on"]
    if out["occurred_at"] is None and isinstance(when, datetime) and when.time() != time.min:
        out["occurred_at"] = when.time().replace(second=0, microsecond=0)  # a date and time in one cell
    return ImportedRow(**out), []


_REAL_DATE = "enter a real date, for example 27/03/2024"
_YEARS = range(1900, 10000)  # before 1900 is a typing slip (and before Excel's day one)


def _date(value, today: date | None) -> tuple[date | None, str | None]:
    try:
        day = parse_date(value, years=_YEARS)
    except CellError as error:
        if error.reason == "short_year":
            return None, "enter the year with 4 digits, for example 27/03/2024"
        return None, _REAL_DATE
    if day is not None and today is not None and day > today:
        return None, "the date must be today or in the past"
    return day, None


_REAL_TIME = "enter a real time in the 24-hour clock, for example 14:30, or leave it empty"


def _time(value) -> tuple[time | None, str | None]:
    try:
        return parse_time(value), None
    except CellError:
        return None, _REAL_TIME


def _text(column: Column, value) -> tuple[str, str | None]:
    text = cell_text(value)
    text = multi_line(text) if column.multi_line else one_line(text)
    if column.limit and len(text) > column.limit:
        return None, f"must be {column.limit:,} characters or fewer (it has {len(text):,})"
    return text, None
