"""Tables as CSV, Excel and Word files, for every area's exports, each marked OFFICIAL-SENSITIVE.

One rule for every cell of every file (``safe_cell``): text is cleaned of control characters
(XML refuses them, see ``portal.web.text``) and text that a spreadsheet would run as a formula
gets a leading apostrophe. Dates stay dates in Excel (real date cells, so they sort and
filter), ISO 8601 in CSV (Excel reads it as a date in every locale) and "25 September 2025"
in Word.

The builders take any iterable of rows and never hold more than they must: CSV is written
line by line (``csv_chunks`` streams it), Excel through openpyxl's write-only mode (rows go
to a temporary file as they come), and Word rows are built as bare table XML, because
python-docx's ``add_row``/``cell.text`` re-walk the table and take minutes at 5,000 rows
(bench/chronology_exports.py measures all three).

A row is a sequence of values, or a ``Group``: a label that heads the rows after it (a
merged, shaded row across the table in Word, a bold row in Excel, a row with only its first
cell in CSV).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from portal.web.filters import govuk_date
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


def _sheet_title(title: str) -> str:
    # Excel refuses []:*?/\ in sheet names and more than 31 characters.
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in printable(title)).strip()
    return (cleaned or "Sheet")[:31]


def xlsx_bytes(
    title: str,
    headings: Sequence[str],
    rows: Iterable,
    *,
    widths: Sequence[float] | None = None,
) -> bytes:
    """An Excel workbook of one sheet: the marking in row 1 and in the page header and footer,
    ``title`` in row 2, the bold heading row frozen and repeated on printed pages, dates as dates.

    ``widths`` are column widths in characters (Excel's unit), one per heading.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    workbook = Workbook(write_only=True)
    workbook.properties.title = f"{MARKING}: {printable(title)}"
    workbook.properties.keywords = MARKING
    sheet = workbook.create_sheet(_sheet_title(title))
    for header_footer in (sheet.oddHeader, sheet.oddFooter, sheet.evenHeader, sheet.evenFooter):
        header_footer.center.text = MARKING
        header_footer.center.font = "Arial,Bold"
    sheet.freeze_panes = "A4"
    sheet.print_title_rows = "3:3"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if widths:
        from openpyxl.utils import get_column_letter

        for index, width in enumerate(widths, 1):
            sheet.column_dimensions[get_column_letter(index)].width = width

    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    grey = PatternFill("solid", fgColor="D9D9D9")

    def styled(value, *, font=None, fill=None):
        cell = WriteOnlyCell(sheet, value=value)
        if font:
            cell.font = font
        if fill:
            cell.fill = fill
        return cell

    sheet.append([styled(MARKING, font=bold)])
    sheet.append([styled(printable(title), font=Font(bold=True, size=14))])
    sheet.append([styled(safe_cell(heading), font=bold, fill=grey) for heading in headings])

    # A template cell per kind: each row's cells share its style (openpyxl keeps styles as
    # indexes into the workbook's lists, so sharing costs nothing and copying would).
    templates = {}
    for kind, number_format, alignment in (
        ("datetime", _DATETIME_FORMAT, top),
        ("date", _DATE_FORMAT, top),
        ("time", _TIME_FORMAT, top),
        ("text", None, wrap),
    ):
        template = WriteOnlyCell(sheet)
        if number_format:
            template.number_format = number_format
        template.alignment = alignment
        templates[kind] = template._style

    def cell(value):
        value = safe_cell(value)
        if isinstance(value, datetime):
            kind = "datetime"
        elif isinstance(value, date):
            kind = "date"
        elif isinstance(value, time):
            kind = "time"
        else:
            kind = "text"
        made = WriteOnlyCell(sheet)
        made._style = templates[kind]
        made.value = value
        return made

    for row in rows:
        if isinstance(row, Group):
            sheet.append([styled(printable(row.label), font=bold)])
        else:
            sheet.append([cell(value) for value in row])

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# -- Word --------------------------------------------------------------------------------------


def _word_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{govuk_date(value)} {value:%H:%M}"
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
    tbl = table._tbl
    table.autofit = False  # a fixed layout: Word need not measure 5,000 rows to open the file
    for col, width in zip(tbl.tblGrid.findall(qn("w:gridCol")), grid, strict=True):
        col.set(qn("w:w"), str(width))

    # Bare WordprocessingML, built with lxml's factory: the same elements python-docx would
    # make, without its per-cell lookups. One paragraph per line of text (Word's own way).
    W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    make = etree.SubElement
    preserve = "{http://www.w3.org/XML/1998/namespace}space"

    def cell_xml(tr, text: str, width: int, *, bold=False, fill=None, span=1):
        tc = make(tr, W + "tc")
        tc_pr = make(tc, W + "tcPr")
        tc_w = make(tc_pr, W + "tcW")
        tc_w.set(W + "w", str(width))
        tc_w.set(W + "type", "dxa")
        if span > 1:
            make(tc_pr, W + "gridSpan").set(W + "val", str(span))
        if fill:
            shd = make(tc_pr, W + "shd")
            shd.set(W + "val", "clear")
            shd.set(W + "color", "auto")
            shd.set(W + "fill", fill)
        for line in text.split("\n") if text else [""]:
            p = make(tc, W + "p")
            if line:
                r = make(p, W + "r")
                if bold:
                    make(make(r, W + "rPr"), W + "b")
                t = make(r, W + "t")
                t.text = line
                if line[:1].isspace() or line[-1:].isspace():
                    t.set(preserve, "preserve")

    heading_row = make(tbl, W + "tr")
    tr_pr = make(heading_row, W + "trPr")
    make(tr_pr, W + "tblHeader").set(W + "val", "true")  # repeats on every page
    make(tr_pr, W + "cantSplit").set(W + "val", "true")
    for heading, width in zip(headings, grid, strict=True):
        cell_xml(heading_row, printable(heading), width, bold=True, fill="D9D9D9")

    for row in rows:
        tr = make(tbl, W + "tr")
        if isinstance(row, Group):
            make(make(tr, W + "trPr"), W + "cantSplit").set(W + "val", "true")
            cell_xml(tr, printable(row.label), sum(grid), bold=True, fill="F2F2F2", span=columns)
            continue
        values = list(row)
        if len(values) != columns:
            raise ValueError(f"a row has {len(values)} values for {columns} headings")
        for value, width in zip(values, grid, strict=True):
            cell_xml(tr, _word_text(value), width)

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
