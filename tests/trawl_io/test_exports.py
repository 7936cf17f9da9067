"""portal/web/exports.py: the shared CSV, Excel and Word builders, read back with csv, openpyxl and python-docx."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time

import docx
import openpyxl
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn

from portal.web.exports import MARKING, Group, csv_bytes, csv_chunks, docx_table, safe_cell, xlsx_bytes

HEADINGS = ["Date", "Time", "Agency", "What happened", "Count"]
XSS = '<script>alert("x")</script>'
ROWS = [
    Group("27 March 2024"),
    [date(2024, 3, 27), time(9, 5), "Police", '=HYPERLINK("http://evil")', 3],
    [date(2024, 3, 27), None, "Health", f"Line one\r\nLine two\x0b{XSS}\x00", -2],
]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+44 116", "'+44 116"),
        ("-5 days", "'-5 days"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTabbed", "'\tTabbed"),
        ("\rReturn", "'\nReturn"),
        ("\nBreak", "'\nBreak"),
        ("\x00=hidden", "'=hidden"),  # a control character is dropped, then the formula is guarded
        ("\x1b[31m", "[31m"),
        ("a=b", "a=b"),
        ("Plain text", "Plain text"),
        ("", ""),
        (None, ""),
        (XSS, XSS),  # escaping HTML is the template's job, not the file's
    ],
    ids=lambda value: repr(value),
)
def test_safe_cell_guards_text(value, expected):
    assert safe_cell(value) == expected


@pytest.mark.parametrize(
    "value",
    [-5, 3.5, True, date(2024, 3, 27), datetime(2024, 3, 27, 9, 5), time(9, 5)],
    ids=["negative", "float", "bool", "date", "datetime", "time"],
)
def test_safe_cell_keeps_numbers_and_dates(value):
    assert safe_cell(value) is value


def test_csv_is_marked_bom_utf8_and_guarded():
    data = csv_bytes(HEADINGS, ROWS)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == [MARKING]
    assert rows[1] == HEADINGS
    assert rows[2] == ["27 March 2024"]
    assert rows[3] == ["2024-03-27", "09:05", "Police", '\'=HYPERLINK("http://evil")', "3"]
    assert rows[4] == ["2024-03-27", "", "Health", f"Line one\nLine two\n{XSS}", "-2"]
    assert len(rows) == 5


def test_csv_chunks_stream_the_same_bytes():
    many = [[date(2024, 1, 1), None, f"Agency {n}", "x", n] for n in range(1200)]
    chunks = list(csv_chunks(HEADINGS, iter(many)))
    assert len(chunks) > 3  # batches, not one string
    assert b"".join(chunks) == csv_bytes(HEADINGS, many)


def test_xlsx_reads_back_with_marking_frozen_bold_headings_and_real_dates():
    data = xlsx_bytes("Merged chronology: DHR 1/2024", HEADINGS, ROWS, widths=[12, 8, 20, 60, 8])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet.title == "Merged chronology  DHR 1 2024"
    assert sheet["A1"].value == MARKING
    assert sheet.oddHeader.center.text == MARKING and sheet.oddFooter.center.text == MARKING
    assert sheet["A2"].value == "Merged chronology: DHR 1/2024"
    assert [cell.value for cell in sheet[3]] == HEADINGS
    assert all(cell.font.b for cell in sheet[3])
    assert sheet.freeze_panes == "A4"
    assert sheet.print_title_rows == "$3:$3"
    assert sheet.column_dimensions["D"].width == 60
    assert sheet["A4"].value == "27 March 2024" and sheet["A4"].font.b
    assert sheet["A5"].value == datetime(2024, 3, 27) and sheet["A5"].is_date
    assert sheet["A5"].number_format == "dd/mm/yyyy"
    assert sheet["B5"].value == time(9, 5)
    assert sheet["D5"].value == '\'=HYPERLINK("http://evil")' and sheet["D5"].data_type == "s"
    assert sheet["E5"].value == 3
    assert sheet["D6"].value == f"Line one\nLine two\n{XSS}"
    assert sheet["B6"].value is None
    assert sheet["E6"].value == -2
    assert sheet.max_row == 6


def test_xlsx_without_rows_still_has_headings():
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes("Empty", HEADINGS, []))).worksheets[0]
    assert [cell.value for cell in sheet[3]] == HEADINGS and sheet.max_row == 3


def _texts(part):
    return [paragraph.text for paragraph in part.paragraphs]


@pytest.mark.parametrize("landscape", [True, False], ids=["landscape", "portrait"])
def test_docx_reads_back_marked_with_repeating_headings(landscape):
    data = docx_table("Merged chronology", HEADINGS, ROWS, landscape=landscape, intro=["Two rows.", XSS])
    document = docx.Document(io.BytesIO(data))
    assert document.core_properties.keywords == MARKING
    for section in document.sections:
        assert MARKING in _texts(section.header) and MARKING in _texts(section.footer)
        assert section.orientation == (WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT)
        assert (section.page_width > section.page_height) is landscape
    paragraphs = _texts(document)
    assert paragraphs[:4] == [MARKING, "Merged chronology", "Two rows.", XSS]
    (table,) = document.tables
    heading = table.rows[0]
    assert [cell.text for cell in heading.cells] == HEADINGS
    assert heading._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(run.bold for cell in heading.cells for run in cell.paragraphs[0].runs)
    group = table.rows[1]
    assert group._tr.find(qn("w:tc")).tcPr.find(qn("w:gridSpan")).get(qn("w:val")) == str(len(HEADINGS))
    assert group.cells[0].text == "27 March 2024"
    assert [cell.text for cell in table.rows[2].cells] == [
        "27 March 2024",
        "09:05",
        "Police",
        '=HYPERLINK("http://evil")',  # Word runs no formulas: the text as typed
        "3",
    ]
    third = table.rows[3].cells
    assert third[1].text == ""
    assert [p.text for p in third[3].paragraphs] == ["Line one", "Line two", XSS]
    assert len(table.rows) == 4


def test_docx_refuses_a_row_of_the_wrong_width():
    with pytest.raises(ValueError, match="2 values for 5 headings"):
        docx_table("T", HEADINGS, [["a", "b"]])


def test_csv_title_line_comes_after_the_marking():
    rows = list(csv.reader(io.StringIO(csv_bytes(HEADINGS, [], title="=Case 1").decode("utf-8-sig"))))
    assert rows == [[MARKING], ["'=Case 1"], HEADINGS]


def test_docx_is_compressed_and_well_formed():
    import zipfile

    from lxml import etree

    many = [[date(2024, 1, 1), None, "Agency", "Same words again. " * 30, n] for n in range(500)]
    data = docx_table("T", HEADINGS, many)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("word/document.xml")
        assert info.compress_type == zipfile.ZIP_DEFLATED and info.compress_size * 5 < info.file_size
        body = etree.fromstring(archive.read("word/document.xml"))  # noqa: S320 - our own file
    assert "portal-table-rows" not in etree.tostring(body).decode()
    assert len(body.findall(".//" + qn("w:tr"))) == 501


def test_xlsx_values_of_every_kind_read_back_in_read_only_mode_too():
    values = [datetime(2024, 3, 27, 14, 30), time(23, 59), True, 2.5, float("nan"), "  spaced  ", "a & b < c > d"]
    headings = [f"H{n}" for n in range(len(values))]
    data = xlsx_bytes("Kinds", headings, [values, Group("Next"), ["x" * 40000]])
    for read_only in (False, True):
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=read_only)
        rows = list(workbook.worksheets[0].iter_rows(min_row=4, values_only=True))
        assert list(rows[0]) == [
            datetime(2024, 3, 27, 14, 30),
            time(23, 59),
            True,
            2.5,
            "nan",
            "  spaced  ",
            "a & b < c > d",
        ]
        assert rows[1][0] == "Next"
        assert len(rows[2][0]) == 32767  # Excel's limit for one cell
        workbook.close()


def test_xlsx_title_and_group_labels_are_guarded_too():
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes("=Title", HEADINGS, [Group("=Group")]))).worksheets[0]
    assert sheet["A2"].value == "'=Title" and sheet["A2"].data_type == "s"
    assert sheet["A4"].value == "'=Group"
