"""Chronology rows in and out of spreadsheets: the template an agency fills in, and reading it back.

``parse_rows`` is all or nothing: a file with any bad row imports nothing and names every bad
row and column, as the user sees them in their spreadsheet ("Row 4, Date: ..."), so they can
fix the file and send it again. Files come from outside the portal, so reading is defensive:

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

import csv
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import PurePath

from portal.documents.errors import human_size
from portal.web.exports import MARKING, csv_bytes
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
class RowError:
    """``row`` is the row number the user sees in their spreadsheet, None for the whole file;
    ``column`` the heading ("" for the whole file or row); ``message`` the full sentence to show."""

    row: int | None
    column: str
    message: str


@dataclass(frozen=True, slots=True)
class ImportResult:
    rows: list[ImportedRow]
    errors: list[RowError]

    @property
    def ok(self) -> bool:
        return not self.errors


class _FileError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# -- the template ------------------------------------------------------------------------------


def template_csv() -> bytes:
    """The blank template as CSV: the marking line, then the headings."""
    return csv_bytes(HEADINGS, [])


_WIDTHS = (12, 8, 24, 24, 24, 60, 50, 22)


def template_xlsx(subjects: Sequence[str] = ()) -> bytes:
    """The blank template as Excel: marking, a note, the headings (frozen), Date and Time columns
    formatted as dates and times, and Subject offered as a drop-down of ``subjects`` if given."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    workbook.properties.title = f"{MARKING}: chronology template"
    workbook.properties.keywords = MARKING
    sheet = workbook.active
    sheet.title = "Chronology"
    for header_footer in (sheet.oddHeader, sheet.oddFooter):
        header_footer.center.text = MARKING
    sheet["A1"] = MARKING
    sheet["A1"].font = Font(bold=True)
    sheet["A2"] = NOTE
    sheet["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(COLUMNS))
    sheet.row_dimensions[2].height = 48
    for index, (column, width) in enumerate(zip(COLUMNS, _WIDTHS, strict=True), 1):
        cell = sheet.cell(row=3, column=index, value=column.heading)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D9D9D9")
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A4"
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


def _normal(heading) -> str:
    text = one_line(clean(str(heading))) if heading is not None else ""
    text = text.replace("/", " or ").replace("&", " and ")
    return " ".join(re.sub(r"[^\w ]", " ", text.casefold()).split())


_HEADING_KEYS = {_normal(column.heading): column.key for column in COLUMNS}
_HEADING_KEYS.update(
    {
        _normal("Practitioner"): "practitioner",
        _normal("Agency practitioner or role"): "practitioner",
        _normal("Event"): "contact_type",
        _normal("Contact type"): "contact_type",
        _normal("Action taken"): "action_taken",
        _normal("Outcome"): "action_taken",
        _normal("Source reference"): "source_reference",
        _normal("Source record"): "source_reference",
    }
)
# The heading row is looked for in the first rows (the template has the marking and a note above it).
_HEADING_SEARCH = 10


def _file_error(message: str) -> ImportResult:
    return ImportResult(rows=[], errors=[RowError(row=None, column="", message=message)])


_NOT_SPREADSHEET = "The selected file must be a CSV or an Excel workbook (.xlsx)"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Compound File: old .xls, or any encrypted Office file


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
    if not data:
        return _file_error("The selected file is empty")
    if len(data) > max_bytes:
        return _file_error(f"The selected file must be smaller than {human_size(max_bytes)}")
    suffix = PurePath(filename or "").suffix.casefold()
    try:
        if suffix in (".xlsm", ".xltm", ".xlam"):
            raise _FileError("The selected file contains macros. Save it as an Excel workbook (.xlsx) or CSV")
        if data.startswith(_OLE):
            raise _FileError(
                "The selected file is password protected or an old Excel file (.xls). "
                "Remove the password and save it as an Excel workbook (.xlsx) or CSV"
            )
        if suffix == ".xlsx":
            table = _xlsx_rows(data)
        elif suffix in (".csv", ".txt"):
            if data.startswith(b"PK\x03\x04"):
                raise _FileError("The selected file is not a CSV. Choose a CSV or an Excel workbook (.xlsx)")
            table = _csv_rows(data)
        else:
            raise _FileError(_NOT_SPREADSHEET)
        return _read(table, subjects, max_rows=max_rows, today=today)
    except _FileError as error:
        return _file_error(error.message)


def _csv_rows(data: bytes) -> Iterator[list]:
    head = data[:8192]
    if head.count(b"\x00") * 100 > len(head) and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Text has no NUL bytes (a stray one is cleaned away below); a binary file has many.
        raise _FileError("The selected file is not a CSV. Choose a CSV or an Excel workbook (.xlsx)")
    try:
        # UTF-16 is some spreadsheets' "Unicode" CSV; UTF-8 (with or without BOM) everyone else's.
        utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
        text = data.decode("utf-16" if utf16 else "utf-8-sig")
    except UnicodeDecodeError:
        try:  # Excel's plain "CSV (Comma delimited)" on Windows
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise _FileError("The selected file could not be read. Save it as CSV UTF-8 and try again") from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)

    def rows():
        try:
            yield from reader
        except csv.Error:
            raise _FileError(
                f"The selected file could not be read near line {reader.line_num}. "
                "Check its quotation marks, or save it again as CSV UTF-8"
            ) from None

    return rows()


def _delimiter(text: str) -> str:
    """Comma, unless the heading line is split by semicolons (Excel in locales with a decimal comma) or tabs."""
    for line in text.splitlines()[:_HEADING_SEARCH]:
        if "date" in line.casefold() and "subject" in line.casefold():
            counts = {delimiter: line.count(delimiter) for delimiter in (",", ";", "\t")}
            best = max(counts, key=counts.get)
            return best if counts[best] else ","
    return ","


def _xlsx_rows(data: bytes) -> Iterator[list]:
    import openpyxl

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
        unpacked = sum(info.file_size for info in archive.infolist())
        types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, KeyError, RuntimeError, EOFError):
        raise _FileError("The selected file could not be read. Save it again as an Excel workbook (.xlsx)") from None
    if any(name.casefold().endswith("vbaproject.bin") for name in names) or b"macroEnabled" in types:
        raise _FileError("The selected file contains macros. Save it as an Excel workbook (.xlsx) or CSV")
    if unpacked > MAX_UNPACKED:
        raise _FileError("The selected file is too large to read. Save fewer rows in each file")
    if "xl/workbook.xml" not in names:
        raise _FileError("The selected file is not an Excel workbook. Save it as an Excel workbook (.xlsx) or CSV")
    try:
        # read_only streams rows; data_only=False keeps formulas as formulas, so they are seen and refused.
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception:  # openpyxl raises many kinds for a damaged file; all mean the same to the user
        raise _FileError("The selected file could not be read. Save it again as an Excel workbook (.xlsx)") from None
    sheets = [sheet for sheet in workbook.worksheets if sheet.sheet_state == "visible"] or workbook.worksheets
    named = [sheet for sheet in sheets if sheet.title.casefold() == "chronology"]
    sheet = (named or sheets)[0]

    def rows():
        try:
            for cells in sheet.iter_rows(max_col=40):
                yield [_Formula() if cell.data_type == "f" else cell.value for cell in cells]
        except _FileError:
            raise
        except Exception:
            raise _FileError(
                "The selected file could not be read. Save it again as an Excel workbook (.xlsx)"
            ) from None
        finally:
            workbook.close()

    return rows()


class _Formula:
    """Stands for a formula cell: never evaluated, always refused."""


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _read(table: Iterator[list], subjects: Sequence[str], *, max_rows: int, today: date | None) -> ImportResult:
    # The heading row: the first of the first rows with a cell naming a column.
    heading_row = None
    for number, cells in enumerate(table, 1):
        if any(_normal(value) in _HEADING_KEYS for value in cells if isinstance(value, str)):
            heading_row = (number, cells)
            break
        if number >= _HEADING_SEARCH:
            break
    if heading_row is None:
        raise _FileError("The selected file must have a row of headings: " + ", ".join(HEADINGS))
    heading_number, headings = heading_row
    positions: dict[str, int] = {}
    unknown, repeated = [], []
    for index, value in enumerate(headings):
        if _blank(value):
            continue
        text = one_line(clean(str(value))) if not isinstance(value, _Formula) else "a formula"
        key = _HEADING_KEYS.get(_normal(value) if isinstance(value, str) else "")
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
        raise _FileError(". ".join(problems) + ". Use the headings of the template: " + ", ".join(HEADINGS))

    by_label = {one_line(clean(subject)).casefold(): one_line(clean(subject)) for subject in subjects}
    rows: list[ImportedRow] = []
    errors: list[RowError] = []
    count = 0
    for number, cells in enumerate(table, heading_number + 1):
        values = {key: (cells[index] if index < len(cells) else None) for key, index in positions.items()}
        if all(_blank(value) for value in values.values()):
            continue  # blank rows between entries are harmless
        count += 1
        if count > max_rows:
            raise _FileError(f"The file has more than {max_rows:,} rows. Import at most {max_rows:,} rows in one file")
        row, row_errors = _row(number, values, by_label, today)
        if row_errors:
            errors.extend(row_errors)
        elif not errors:
            rows.append(row)
    if not count:
        raise _FileError("The selected file has no chronology rows under its headings")
    if errors:
        return ImportResult(rows=[], errors=errors)
    return ImportResult(rows=rows, errors=[])


def _row(number: int, values: dict, subjects: dict[str, str], today: date | None):
    errors: list[RowError] = []
    out: dict = {}

    def fail(key: str, reason: str) -> None:
        heading = BY_KEY[key].heading
        errors.append(RowError(row=number, column=heading, message=f"Row {number}, {heading}: {reason}"))

    for column in COLUMNS:
        key, value = column.key, values[column.key]
        if isinstance(value, _Formula):
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


_DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_HM = re.compile(r"(\d{1,2})[:.](\d{2})(?::(\d{2}))?")
_REAL_DATE = "enter a real date, for example 27/03/2024"


def _date(value, today: date | None) -> tuple[date | None, str | None]:
    if _blank(value):
        return None, None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, str):
        text = value.strip()
        if match := _ISO.fullmatch(text):
            year, month, day_of_month = (int(part) for part in match.groups())
        elif match := _DMY.fullmatch(text):
            day_of_month, month, year = (int(part) for part in match.groups())
            if len(match.group(3)) != 4:
                return None, "enter the year with 4 digits, for example 27/03/2024"
        else:
            for pattern in ("%d %B %Y", "%d %b %Y"):  # 27 March 2024, 27 Mar 2024
                try:
                    return _checked(datetime.strptime(" ".join(text.split()), pattern).date(), today)
                except ValueError:
                    continue
            return None, _REAL_DATE
        try:
            day = date(year, month, day_of_month)
        except ValueError:
            return None, _REAL_DATE
    else:  # a number not formatted as a date, a boolean...
        return None, _REAL_DATE
    return _checked(day, today)


def _checked(day: date, today: date | None) -> tuple[date | None, str | None]:
    if day.year < 1900:
        return None, _REAL_DATE
    if today is not None and day > today:
        return None, "the date must be today or in the past"
    return day, None


_REAL_TIME = "enter a real time in the 24-hour clock, for example 14:30, or leave it empty"


def _time(value) -> tuple[time | None, str | None]:
    if _blank(value):
        return None, None
    if isinstance(value, datetime):
        # A time typed into Excel alone comes back on Excel's day zero; a full date and time is a mistake.
        if value.date() not in (date(1899, 12, 30), date(1899, 12, 31), date(1900, 1, 1)):
            return None, _REAL_TIME
        value = value.time()
    if isinstance(value, timedelta):  # a cell formatted as a duration, [h]:mm
        if not timedelta(0) <= value < timedelta(days=1):
            return None, _REAL_TIME
        value = (datetime.min + value).time()
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0, tzinfo=None), None
    if isinstance(value, str) and (match := _HM.fullmatch(value.strip())):
        hours, minutes = int(match.group(1)), int(match.group(2))
        seconds = int(match.group(3) or 0)
        if hours < 24 and minutes < 60 and seconds < 60:
            return time(hours, minutes), None
    return None, _REAL_TIME


def _text(column: Column, value) -> tuple[str, str | None]:
    if value is None:
        return "", None
    if isinstance(value, bool):
        value = "TRUE" if value else "FALSE"  # as Excel shows it
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a record number Excel stored as a number
    if isinstance(value, datetime):
        text = value.strftime("%d/%m/%Y %H:%M") if value.time() != time.min else value.strftime("%d/%m/%Y")
    elif isinstance(value, date):
        text = value.strftime("%d/%m/%Y")
    elif isinstance(value, time):
        text = value.strftime("%H:%M")
    else:
        text = clean(str(value))
    text = multi_line(text.replace("\r\n", "\n").replace("\r", "\n")) if column.multi_line else one_line(text)
    if column.limit and len(text) > column.limit:
        return None, f"must be {column.limit:,} characters or fewer (it has {len(text):,})"
    return text, None
