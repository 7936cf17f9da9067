"""Reading spreadsheets people upload: the defensive part every import shares.

An import module (``portal.trawl.chronology_io``, ``portal.actions.template_io``) knows its
columns and rules; what is here knows files from outside the portal:

* ``check_size`` refuses an empty or oversized upload;
* ``xlsx_rows`` reads an Excel workbook row by row, refusing Compound Files (old .xls, and any
  encrypted Office file, which is an OLE container, not a ZIP), macro-enabled and damaged files,
  and ZIPs that unpack to more than a cap (a zip bomb is small). openpyxl runs in read-only mode
  (rows streamed, not a sheet built) with formulas kept as formulas: a formula cell comes back as a
  ``Formula`` for the module to refuse, never evaluated and never trusted for its cached value;
* ``csv_rows`` reads a CSV in the encodings and delimiters spreadsheets write;
* ``parse_date``, ``parse_time``, ``cell_text`` and ``heading_key`` read cells the same way
  everywhere (DD/MM/YYYY, ISO, "27 March 2024" and real Excel dates; text cleaned as form input is).

A refusal is a ``Refused`` exception with a ``reason`` (a short key) and a default ``message``; a
module may word a reason its own way (its users' instructions differ), keyed by ``reason``. A bad
cell is a ``CellError`` with a ``reason`` likewise, so each module says what to type instead.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from portal.documents.errors import human_size
from portal.web.text import clean, one_line

COMPOUND_FILE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE: old .xls/.doc, or any encrypted Office file
ZIP = b"PK\x03\x04"
MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlam")

# What each refusal says unless the module words it its own way.
MESSAGES = {
    "empty": "The selected file is empty",
    "too_big": "The selected file must be smaller than {limit}",
    "compound_file": "The selected file is password protected or an old Excel file (.xls). "
    "Remove the password and save it as an Excel workbook (.xlsx) or CSV",
    "macros": "The selected file contains macros. Save it as an Excel workbook (.xlsx) or CSV",
    "not_zip": "The selected file could not be read. Save it again as an Excel workbook (.xlsx)",
    "unpacked_too_big": "The selected file is too large to read. Save fewer rows in each file",
    "not_workbook": "The selected file is not an Excel workbook. Save it as an Excel workbook (.xlsx) or CSV",
    "damaged": "The selected file could not be read. Save it again as an Excel workbook (.xlsx)",
    "not_csv": "The selected file is not a CSV. Choose a CSV or an Excel workbook (.xlsx)",
    "not_text": "The selected file could not be read. Save it as CSV UTF-8 and try again",
    "csv_syntax": "The selected file could not be read near line {line}. "
    "Check its quotation marks, or save it again as CSV UTF-8",
}


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in an imported file. ``row`` is the row number the person sees in their
    spreadsheet (None for the file as a whole); ``column`` the heading ("" or None for the whole
    file or row); ``message`` the full sentence to show in the GOV.UK error summary."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        return self.message


def row_error(row: int | None, column: str | None, reason: str) -> RowError:
    """A ``RowError`` whose message names the row and column as the person sees them:
    "Row 4, Date: enter a real date"; a file-level error (``row`` None) is ``reason`` as it is."""
    if row is None:
        return RowError(None, column, reason)
    where = f"Row {row}, {column}" if column else f"Row {row}"
    return RowError(row, column, f"{where}: {reason}")


class Refused(Exception):
    """The file as a whole cannot be read. ``reason`` is a key of ``MESSAGES`` (whose text, filled
    in with ``values``, is the message), or a module's own key with its own ``message``."""

    def __init__(self, reason: str, message: str | None = None, **values) -> None:
        self.reason = reason
        self.values = values
        self.message = message if message is not None else MESSAGES[reason].format(**values)
        super().__init__(self.message)

    def worded(self, wording: dict[str, str]) -> str:
        """The message in a module's own ``wording`` (same keys and placeholders), else the default."""
        return wording[self.reason].format(**self.values) if self.reason in wording else self.message


class CellError(ValueError):
    """A cell that cannot be read as what its column holds. ``reason``: ``not_a_date`` (a number or
    other value that is no date), ``not_real`` (text that is no real date), ``short_year`` (a
    two-digit year), ``unlikely_year`` (``day`` is outside the years allowed), ``not_a_time``."""

    def __init__(self, reason: str, day: date | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.day = day


@dataclass(frozen=True, slots=True)
class Formula:
    """A formula cell, as its formula text: never evaluated, for the module to refuse."""

    text: str


def blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_size(data: bytes, max_bytes: int) -> None:
    if not data:
        raise Refused("empty")
    if len(data) > max_bytes:
        raise Refused("too_big", limit=human_size(max_bytes))


# -- Excel -------------------------------------------------------------------------------------

# Excel writes characters XML cannot hold as _xHHHH_ (a line break pasted from Word is _x000B_),
# and openpyxl hands them over as written.
_XML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    OSError,
    KeyError,
    RuntimeError,  # an encrypted member
    EOFError,
    ValueError,
    NotImplementedError,  # a compression method zipfile lacks
)


def xlsx_rows(
    data: bytes, *, max_unpacked: int, sheet: str | None = None, max_col: int | None = None
) -> Iterator[list]:
    """The rows of an Excel workbook's sheet, each a list of cell values (``None`` for empty cells,
    a ``Formula`` for a formula cell, text with Excel's _xHHHH_ escapes decoded), every row of the
    sheet in order, so a row's position is the row number Excel shows.

    The sheet is the visible one titled ``sheet`` (any case), else the first visible one. Rows
    have ``max_col`` cells if given. Raises ``Refused`` (when iterated: the checks run on the
    first row asked for) for anything but an honest .xlsx; close the iterator (``contextlib.closing``)
    if not reading it to the end, to close the workbook.
    """
    workbook = _open_xlsx(data, max_unpacked=max_unpacked)
    try:
        sheets = [each for each in workbook.worksheets if each.sheet_state == "visible"] or workbook.worksheets
        named = [each for each in sheets if sheet is not None and each.title.casefold() == sheet.casefold()]
        if not sheets:
            return
        try:
            for cells in (named or sheets)[0].iter_rows(max_col=max_col):
                yield [_xlsx_value(cell) for cell in cells]
        except Exception:  # the sheet is parsed as it is read: openpyxl raises many kinds for a damaged one
            raise Refused("damaged") from None
    finally:
        workbook.close()


def _open_xlsx(data: bytes, *, max_unpacked: int):
    import openpyxl

    if data.startswith(COMPOUND_FILE):
        raise Refused("compound_file")
    if not data.startswith(ZIP[:2]):
        raise Refused("not_zip")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            names = [member.filename for member in members]
            if any(name.casefold().endswith("vbaproject.bin") for name in names):
                raise Refused("macros")
            # Declared sizes: zipfile never unpacks a member past its declared size, so this bounds
            # what openpyxl can unpack, before anything is unpacked.
            if sum(member.file_size for member in members) > max_unpacked:
                raise Refused("unpacked_too_big")
            types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    except _ZIP_ERRORS:
        raise Refused("not_zip") from None
    if b"macroEnabled" in types:
        raise Refused("macros")
    if "xl/workbook.xml" not in names:
        raise Refused("not_workbook")
    try:
        # read_only streams rows; data_only=False keeps formulas as formulas, so they are seen and refused.
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception:  # openpyxl raises many kinds for a damaged or disguised file; all mean the same
        raise Refused("damaged") from None


def _xlsx_value(cell):
    value = cell.value
    if getattr(cell, "data_type", None) == "f":
        return Formula(str(value))
    if isinstance(value, str) and "_x" in value:
        return _XML_ESCAPE.sub(lambda match: chr(int(match[1], 16)), value)
    return value


# -- CSV ---------------------------------------------------------------------------------------

_UTF16 = (b"\xff\xfe", b"\xfe\xff")


def csv_rows(data: bytes, *, heading_words: Sequence[str], search: int = 10) -> Iterator[list]:
    """The rows of a CSV file, each a list of strings. UTF-8 (with or without BOM), UTF-16 (some
    spreadsheets' "Unicode" CSV) and Windows-1252 (Excel's plain "CSV (Comma delimited)") are read;
    the delimiter is a comma unless the heading line (the first of the first ``search`` lines
    holding every one of ``heading_words``) is split by semicolons (Excel where the decimal point is
    a comma) or tabs. Raises ``Refused`` for a file that is not CSV text, when iterated."""
    if data.startswith(COMPOUND_FILE):
        raise Refused("compound_file")
    if data.startswith(ZIP):
        raise Refused("not_csv")
    head = data[:8192]
    utf16 = head.startswith(_UTF16)
    if head.count(b"\x00") * 100 > len(head) and not utf16:
        # Text has no NUL bytes (a stray one is cleaned away later); a binary file has many.
        raise Refused("not_csv")
    try:
        text = data.decode("utf-16" if utf16 else "utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise Refused("not_text") from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text, heading_words, search), strict=True)
    try:
        yield from reader
    except csv.Error:
        raise Refused("csv_syntax", line=reader.line_num) from None


def _delimiter(text: str, heading_words: Sequence[str], search: int) -> str:
    for line in text.splitlines()[:search]:
        if all(word.casefold() in line.casefold() for word in heading_words):
            counts = {delimiter: line.count(delimiter) for delimiter in (",", ";", "\t")}
            best = max(counts, key=counts.get)
            return best if counts[best] else ","
    return ","


# -- Cells -------------------------------------------------------------------------------------


def heading_key(value) -> str:
    """A heading as compared with a template's: case, spacing and punctuation aside, "/" as "or"
    and "&" as "and", a trailing note in brackets or a "*" or ":" dropped ("Target date*",
    "Scope of recommendation (local / regional / national)")."""
    if value is None or isinstance(value, Formula):
        return ""
    text = one_line(clean(str(value))).casefold()
    text = re.sub(r"\s*\(.*\)[\s*:]*$", "", text)
    text = text.replace("/", " or ").replace("&", " and ")
    return " ".join(re.sub(r"[^\w ]", " ", text).split())


def cell_text(value) -> str:
    """A cell's value as text, as the person sees it in Excel: control characters cleaned out
    (``portal.web.text.clean``), line breaks as ``\\n``; not trimmed. Whole numbers Excel stored as
    numbers lose their ".0"; dates read DD/MM/YYYY (with HH:MM if they have a time), times HH:MM."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"  # as Excel shows it
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a record number Excel stored as a number
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M") if value.time() != time.min else value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, Formula):
        value = value.text
    text = clean(str(value))
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})")
_HM = re.compile(r"(\d{1,2})[:.](\d{2})(?::(\d{2}))?")


def parse_date(value, *, years: range | None = None) -> date | None:
    """The date in a cell, or None for a blank one: a real Excel date (openpyxl reads its number
    format; a date and time gives its date), or text as 27/03/2024 (also with . or -), 2024-03-27,
    27 March 2024 or 27 Mar 2024. Raises ``CellError``; ``years``, if given, are the years allowed."""
    if blank(value):
        return None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, str):
        day = _date_text(" ".join(value.split()))
    else:  # a number not formatted as a date, a boolean, a formula...
        raise CellError("not_a_date")
    if years is not None and day.year not in years:
        raise CellError("unlikely_year", day)
    return day


def _date_text(text: str) -> date:
    if match := _ISO.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _DMY.fullmatch(text):
        if len(match[3]) != 4:
            raise CellError("short_year")
        day, month, year = (int(part) for part in match.groups())
    else:
        for pattern in ("%d %B %Y", "%d %b %Y"):  # 27 March 2024 (as Word shows it), 27 Mar 2024
            try:
                return datetime.strptime(text, pattern).date()
            except ValueError:
                continue
        raise CellError("not_real")
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError("not_real") from None


# A time typed into Excel alone comes back on Excel's day zero (1899-12-30, or 1900-01-01 in
# some writers); any other date with it is a date and time, not a time.
_EXCEL_DAY_ZERO = (date(1899, 12, 30), date(1899, 12, 31), date(1900, 1, 1))


def parse_time(value) -> time | None:
    """The time of day in a cell, to the minute, or None for a blank one: a real Excel time (also one
    formatted as a duration, [h]:mm) or text as 14:30, 9.05 or 14:30:00. Raises ``CellError``."""
    if blank(value):
        return None
    if isinstance(value, datetime):
        if value.date() not in _EXCEL_DAY_ZERO:
            raise CellError("not_a_time")
        value = value.time()
    if isinstance(value, timedelta):
        if not timedelta(0) <= value < timedelta(days=1):
            raise CellError("not_a_time")
        value = (datetime.min + value).time()
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    if isinstance(value, str) and (match := _HM.fullmatch(value.strip())):
        hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
        if hours < 24 and minutes < 60 and seconds < 60:
            return time(hours, minutes)
    raise CellError("not_a_time")
