"""Tables as CSV, Excel and Word files, for every area's exports, each marked OFFICIAL-SENSITIVE.

Text is cleaned of control characters in every file (XML refuses them, see
``portal.web.text``); in CSV and Excel, text that a spreadsheet would run as a formula also gets
a leading apostrophe (``safe_cell``), while Word shows it as typed (Word runs no formulas).
Dates stay dates in Excel (real date cells, so they sort and filter), ISO 8601 in CSV (Excel
reads it as a date in every locale) and "25 September 2025" in Word.

The builders take any iterable of rows and never hold more than they must: CSV is written
line by line (``csv_chunks`` streams it); openpyxl and python-docx build the Excel and Word
files around an empty table, and the rows are then streamed into the sheet's or document's
XML as text while the file is zipped (openpyxl's cells took 1 to 2.5 s for 5,000 rows, and an
lxml tree of every Word cell peaked at 100 MB of memory).
bench/chronology_exports.py measures all three.

A row is a sequence of values, or a ``Group``: a label that heads the rows after it (a
merged, shaded row across the table in Word, a bold row in Excel, a row with only its first
cell in CSV).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from portal.clock import LONDON, as_utc
from portal.web.dates import govuk_date
from portal.web.text import printable

MARKING = "OFFICIAL-SENSITIVE"

# A text cell starting with one of these runs as a formula (or DDE command) in Excel, LibreOffice
# and Google Sheets; tab and line breaks are there because spreadsheets trim them first.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


@dataclass(frozen=True, slots=True)
class Group:
    """A row that heads the rows after it (a day of a chronology, a recommendation...)."""

    label: str


def safe_cell(value):
    """``value`` made safe for a spreadsheet cell.

    Text (and anything that is not a number, date or time) comes back as cleaned text, with a
    leading ``'`` if a spreadsheet would read it as a formula; ``None`` becomes ``""``. Numbers,
    booleans, dates and times come back as they are: they are never formulas, and Excel should
    keep them as numbers and dates.
    """
    if value is None:
        return ""
    if isinstance(value, bool | int | float | date | time):
        return value
    text = printable(value)  # drops control characters; CR and CRLF become LF
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _csv_value(value) -> str:
    value = safe_cell(value)
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


class _Line:
    """A file-like object that hands back what csv.writer wrote, one line at a time."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text = text


def csv_chunks(headings: Sequence[str], rows: Iterable, *, title: str | None = None) -> Iterator[bytes]:
    """The CSV file as UTF-8 byte chunks (for a streamed response): BOM, marking line, ``title``
    line if given, headings, rows."""
    line = _Line()
    writer = csv.writer(line)
    writer.writerow([MARKING])
    # The byte order mark makes Excel read the file as UTF-8 (names with accents, curly quotes).
    yield "\ufeff".encode() + line.text.encode()
    if title is not None:
        writer.writerow([_csv_value(title)])
        yield line.text.encode()
    writer.writerow([_csv_value(heading) for heading in headings])
    yield line.text.encode()
    batch: list[str] = []
    for row in rows:
        if isinstance(row, Group):
            writer.writerow([_csv_value(row.label)])
        else:
            writer.writerow([_csv_value(value) for value in row])
        batch.append(line.text)
        if len(batch) >= 500:
            yield "".join(batch).encode()
            batch = []
    if batch:
        yield "".join(batch).encode()


def csv_bytes(headings: Sequence[str], rows: Iterable, *, title: str | None = None) -> bytes:
    """The whole CSV file (see ``csv_chunks``)."""
    return b"".join(csv_chunks(headings, rows, title=title))


# -- Excel -------------------------------------------------------------------------------------

_DATE_FORMAT = "dd/mm/yyyy"
_DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
_TIME_FORMAT = "hh:mm"
_EXCEL_EPOCH = datetime(1899, 12, 30)  # Excel's day 0 (after its 1900 leap-year bug)
_EXCEL_MAX_TEXT = 32767  # characters in one cell; more and Excel "repairs" the file
_SHEET_XML = "xl/worksheets/sheet1.xml"


def _sheet_title(title: str) -> str:
    # Excel refuses []:*?/\ in sheet names and more than 31 characters.
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in printable(title)).strip()
    return (cleaned or "Sheet")[:31]


def _column_letters(count: int) -> list[str]:
    from openpyxl.utils import get_column_letter

    return [get_column_letter(index) for index in range(1, count + 1)]


def marked_sheet(title: str, headings: Sequence[str], *, widths: Sequence[float] | None = None, sheet_title=None):
    """A new openpyxl workbook and its sheet, marked as every portal workbook is: the marking in the
    properties, in the page header and footer of odd and even pages and in cell A1; row 3 the bold,
    shaded ``headings``, frozen and repeated on printed pages; ``widths`` in characters. Row 2 is
    the caller's (a title, a note)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    workbook = Workbook()
    workbook.properties.title = f"{MARKING}: {printable(title)}"
    workbook.properties.keywords = MARKING
    sheet = workbook.active
    sheet.title = _sheet_title(sheet_title or title)
    for header_footer in (sheet.oddHeader, sheet.oddFooter, sheet.evenHeader, sheet.evenFooter):
        header_footer.center.text = MARKING
        header_footer.center.font = "Arial,Bold"
    sheet["A1"] = MARKING
    sheet["A1"].font = Font(bold=True)
    for index, heading in enumerate(headings, 1):
        cell = sheet.cell(row=3, column=index, value=safe_cell(heading))
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D9D9D9")
    for letter, width in zip(_column_letters(max(len(headings), 1)), widths or (), strict=False):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A4"
    sheet.print_title_rows = "3:3"
    return workbook, sheet


def xlsx_bytes(
    title: str,
    headings: Sequence[str],
    rows: Iterable,
    *,
    widths: Sequence[float] | None = None,
    date_format: str = _DATE_FORMAT,
) -> bytes:
    """An Excel workbook of one sheet: the marking in row 1 and in the page header and footer,
    ``title`` in row 2, the bold heading row frozen and repeated on printed pages, dates as dates.

    ``widths`` are column widths in characters (Excel's unit), one per heading. ``date_format``
    is the date cells' number format (e.g. "d mmmm yyyy" where the rest of a sheet's text reads
    "28 November 2026").

    openpyxl builds the workbook (styles, page setup, the first three rows); the data rows are
    then streamed into the sheet's XML as text while the file is zipped. openpyxl's own cells
    cost about 20 microseconds each, so 5,000 rows of 10 columns took 1 to 2.5 s; as text they
    take a fraction of that, and memory holds one batch of rows.
    """
    from openpyxl.cell import Cell
    from openpyxl.styles import Alignment, Font

    workbook, sheet = marked_sheet(title, headings, widths=widths)
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    letters = _column_letters(max(len(headings), 1))
    bold = Font(bold=True)
    sheet["A2"] = safe_cell(title)  # openpyxl would store text starting with = as a formula
    sheet["A2"].font = Font(bold=True, size=14)

    # The data rows' styles, registered with the workbook so that its styles part lists them.
    def style_id(number_format=None, alignment=None, font=None) -> int:
        scratch = Cell(sheet)
        if number_format:
            scratch.number_format = number_format
        if alignment:
            scratch.alignment = alignment
        if font:
            scratch.font = font
        return scratch.style_id

    top = Alignment(vertical="top")
    styles = {
        "datetime": style_id(_DATETIME_FORMAT, top),
        "date": style_id(date_format, top),
        "time": style_id(_TIME_FORMAT, top),
        "number": style_id(None, top),
        "text": style_id(None, Alignment(wrap_text=True, vertical="top")),
        "group": style_id(None, None, bold),
    }

    def body() -> Iterator[str]:
        for number, row in enumerate(rows, 4):
            if isinstance(row, Group):
                yield f'<row r="{number}">{_xlsx_text("A", number, safe_cell(row.label), styles["group"])}</row>'
                continue
            values = list(row)
            if len(values) > len(letters):
                raise ValueError(f"a row has {len(values)} values for {len(headings)} headings")
            cells = [
                _xlsx_cell(letter, number, safe_cell(value), styles)
                for letter, value in zip(letters, values, strict=False)
                if value is not None and value != ""
            ]
            yield f'<row r="{number}">{"".join(cells)}</row>'

    built = io.BytesIO()
    workbook.save(built)

    def insert(xml: bytes) -> tuple[bytes, bytes]:
        head, tail = xml.split(b"</sheetData>", 1)
        # The dimension (the used range) is optional and would say A1 to the third row.
        head = re.sub(rb"<dimension [^>]*/>", b"", head, count=1)
        return head, b"</sheetData>" + tail

    return _stream_into(built.getvalue(), _SHEET_XML, insert, body())


def _xlsx_cell(letter: str, number: int, value, styles: dict[str, int]) -> str:
    if isinstance(value, str):
        return _xlsx_text(letter, number, value, styles["text"])
    if isinstance(value, bool):
        return f'<c r="{letter}{number}" t="b" s="{styles["number"]}"><v>{int(value)}</v></c>'
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=None) - _EXCEL_EPOCH
        serial, style = moment.days + moment.seconds / 86400, styles["datetime"]
    elif isinstance(value, date):
        serial, style = (value - _EXCEL_EPOCH.date()).days, styles["date"]
    elif isinstance(value, time):
        serial, style = (value.hour * 3600 + value.minute * 60 + value.second) / 86400, styles["time"]
    elif isinstance(value, float) and not math.isfinite(value):
        return _xlsx_text(letter, number, str(value), styles["text"])  # Excel has no NaN or infinity
    else:
        serial, style = value, styles["number"]
    return f'<c r="{letter}{number}" s="{style}"><v>{serial!r}</v></c>'


def _xlsx_text(letter: str, number: int, text: str, style: int) -> str:
    text = text[:_EXCEL_MAX_TEXT]
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() or "\n" in text else ""
    return f'<c r="{letter}{number}" t="inlineStr" s="{style}"><is><t{space}>{_xml_escape(text)}</t></is></c>'


def _stream_into(package: bytes, member: str, split, chunks: Iterator[str]) -> bytes:
    """``package`` (a ZIP: docx or xlsx) again, with ``chunks`` of XML text streamed into ``member``
    between the two halves ``split`` cuts it into. Every other member is copied as it was."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != member:
                target.writestr(item, source.read(item.filename))
                continue
            head, tail = split(source.read(item.filename))
            streamed = zipfile.ZipInfo(member, date_time=item.date_time)
            streamed.compress_type = zipfile.ZIP_DEFLATED  # a ZipInfo of its own is stored uncompressed
            with target.open(streamed, "w") as stream:
                stream.write(head)
                batch: list[str] = []
                for chunk in chunks:
                    batch.append(chunk)
                    if len(batch) >= 200:
                        stream.write("".join(batch).encode())
                        batch = []
                stream.write("".join(batch).encode())
                stream.write(tail)
    return out.getvalue()


# -- Word --------------------------------------------------------------------------------------


def _word_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        # Once into London time, then both the date and the time of day from that: a UTC 23:30 in
        # summer is 00:30 on the next day in London, not the next day at 23:30. Naive means UTC,
        # as everything stored is (``as_utc``).
        local = as_utc(value).astimezone(LONDON)
        return f"{govuk_date(local)} {local:%H:%M}"
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return govuk_date(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return printable(value)


def docx_table(
    title: str,
    headings: Sequence[str],
    rows: Iterable,
    *,
    landscape: bool = False,
    intro: str | Sequence[str] | None = None,
    widths: Sequence[float] | None = None,
) -> bytes:
    """A Word document: the marking in every section's header and footer and above the title,
    ``title`` as a heading, ``intro`` paragraphs, then one table whose bold heading row repeats
    on every page. ``widths`` are relative column widths (any unit; they are scaled to the page).

    python-docx builds the document around an empty table; the table's rows are then streamed
    into ``word/document.xml`` as text while the file is zipped, so memory holds one batch of
    rows, not a tree of every cell (5,000 rows of 9 cells as lxml elements peaked at 100 MB).
    """
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt
    from lxml import etree

    document = Document()
    document.core_properties.title = f"{MARKING}: {printable(title)}"
    document.core_properties.keywords = MARKING
    normal = document.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(9 if landscape else 10)
    for section in document.sections:
        if landscape:
            section.orientation = WD_ORIENT.LANDSCAPE
            section.page_width, section.page_height = Mm(297), Mm(210)
        else:
            section.page_width, section.page_height = Mm(210), Mm(297)
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Mm(15))
        for part in (section.header, section.footer):
            part.is_linked_to_previous = False
            paragraph = part.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.add_run(MARKING).bold = True

    marking = document.add_paragraph()
    marking.alignment = WD_ALIGN_PARAGRAPH.CENTER
    marking.add_run(MARKING).bold = True
    document.add_heading(printable(title), level=1)
    for text in [intro] if isinstance(intro, str) else intro or ():
        document.add_paragraph(printable(text))

    columns = len(headings)
    section = document.sections[-1]
    usable = section.page_width - section.left_margin - section.right_margin  # EMU
    twips = int(usable / 635)  # 1 twip = 635 EMU
    shares = list(widths) if widths else [1] * columns
    if len(shares) != columns:
        raise ValueError("one width per heading")
    total = sum(shares)
    grid = [int(twips * share / total) for share in shares]

    table = document.add_table(rows=0, cols=columns)
    table.style = "Table Grid"
    table.autofit = False  # a fixed layout: Word need not measure 5,000 rows to open the file
    tbl = table._tbl
    for col, width in zip(tbl.tblGrid.findall(qn("w:gridCol")), grid, strict=True):
        col.set(qn("w:w"), str(width))
    tbl.append(etree.Comment(_ROWS_MARK))  # where the rows go

    heading_row = _word_row([printable(heading) for heading in headings], bold=True, fill="D9D9D9", header=True)

    def body() -> Iterator[str]:
        yield heading_row
        for row in rows:
            if isinstance(row, Group):
                yield _word_row([printable(row.label)], bold=True, fill="F2F2F2", span=columns)
                continue
            values = list(row)
            if len(values) != columns:
                raise ValueError(f"a row has {len(values)} values for {columns} headings")
            yield _word_row([_word_text(value) for value in values])

    built = io.BytesIO()
    document.save(built)
    return _stream_into(built.getvalue(), "word/document.xml", _at_marker, body())


_ROWS_MARK = "portal-table-rows"


def _at_marker(xml: bytes) -> tuple[bytes, bytes]:
    head, tail = xml.split(f"<!--{_ROWS_MARK}-->".encode(), 1)
    return head, tail


def _word_row(texts: Sequence[str], *, bold=False, fill=None, span=1, header=False) -> str:
    """One table row as WordprocessingML text: a cell per text, one paragraph per line (Word's way).

    Cells carry no widths: the table's fixed layout takes them from its grid."""
    properties = ""
    if header:
        properties = '<w:trPr><w:cantSplit w:val="true"/><w:tblHeader w:val="true"/></w:trPr>'
    elif span > 1:
        properties = '<w:trPr><w:cantSplit w:val="true"/></w:trPr>'
    cell_properties = ""
    if span > 1 or fill:
        cell_properties = (
            "<w:tcPr>"
            + (f'<w:gridSpan w:val="{span}"/>' if span > 1 else "")
            + (f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>' if fill else "")
            + "</w:tcPr>"
        )
    run_properties = "<w:rPr><w:b/></w:rPr>" if bold else ""
    parts = ["<w:tr>", properties]
    for text in texts:
        parts.append("<w:tc>" + cell_properties)
        for line in text.split("\n") if text else ("",):
            if not line:
                parts.append("<w:p/>")
                continue
            space = ' xml:space="preserve"' if line[:1].isspace() or line[-1:].isspace() else ""
            parts.append(f"<w:p><w:r>{run_properties}<w:t{space}>{_xml_escape(line)}</w:t></w:r></w:p>")
        parts.append("</w:tc>")
    parts.append("</w:tr>")
    return "".join(parts)


def _xml_escape(text: str) -> str:
    # Control characters are gone already (``printable``); these three are all a text node needs.
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text
