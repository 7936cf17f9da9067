"""portal/trawl/exports.py: the merged chronology's Word, Excel and CSV files, read back."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time

import docx
import openpyxl
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn

from portal.trawl.chronology_io import parse_rows
from portal.trawl.exports import FLAT_HEADINGS, HEADINGS, chronology_csv, chronology_docx, chronology_xlsx
from portal.web.exports import MARKING

from .test_merged import Row

XSS = "<script>alert('x')</script>"
ROWS = [
    Row("b", date(2024, 3, 1), time(9, 0), "Police", what_happened="Attended\r\nat 9"),
    Row("a", date(2024, 3, 1), None, "Health", what_happened=XSS, action_taken="=cmd|' /C calc'!A0"),
    Row("c", date(2024, 3, 4), time(10, 15), "Housing", "Adult A", "Officer \x0bJones", "", "Visited", "None"),
]
for row in ROWS:
    row.subject = "Adult A"
    row.contact_type = row.contact_type or "Visit"
    row.source_reference = f"REF-{row.label}"


def test_word_is_landscape_marked_and_groups_days():
    document = docx.Document(io.BytesIO(chronology_docx(ROWS, case_reference="DHR 7/2024", description="All agencies")))
    (section,) = document.sections
    assert section.orientation == WD_ORIENT.LANDSCAPE and section.page_width > section.page_height
    assert [p.text for p in section.header.paragraphs] == [MARKING]
    assert [p.text for p in section.footer.paragraphs] == [MARKING]
    texts = [p.text for p in document.paragraphs]
    assert texts[:2] == [MARKING, "Merged chronology: DHR 7/2024"]
    assert texts[2] == "3 entries from 3 agencies over 2 days; 1 day has entries from more than one agency."
    assert texts[3] == "All agencies"
    (table,) = document.tables
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    cells = [[cell.text for cell in row.cells] for row in table.rows]
    assert cells[0] == list(HEADINGS)
    assert cells[1] == ["1 March 2024: 2 agencies (Health, Police)"] * len(HEADINGS)  # one merged cell
    assert cells[2] == ["1 March 2024", "", "Health", "Adult A", "", "Visit", XSS, "=cmd|' /C calc'!A0", "REF-a"]
    assert cells[3][:3] == ["1 March 2024", "09:00", "Police"] and cells[3][6] == "Attended\nat 9"
    assert cells[4] == ["4 March 2024"] * len(HEADINGS)
    assert cells[5][:5] == ["4 March 2024", "10:15", "Housing", "Adult A", "Officer \nJones"]
    assert len(cells) == 6


def test_excel_is_flat_with_dates_and_agency_counts():
    sheet = openpyxl.load_workbook(io.BytesIO(chronology_xlsx(ROWS, case_reference="DHR 7/2024"))).worksheets[0]
    assert sheet["A1"].value == MARKING and sheet.oddHeader.center.text == MARKING
    assert sheet["A2"].value == "Merged chronology: DHR 7/2024"
    values = [list(row) for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert values[0] == list(FLAT_HEADINGS)
    assert values[1] == [
        datetime(2024, 3, 1),
        None,
        "Health",
        "Adult A",
        None,
        "Visit",
        XSS,
        "'=cmd|' /C calc'!A0",
        "REF-a",
        2,
    ]
    assert values[2][:3] == [datetime(2024, 3, 1), time(9, 0), "Police"] and values[2][-1] == 2
    assert values[3][:3] == [datetime(2024, 3, 4), time(10, 15), "Housing"] and values[3][-1] == 1
    assert len(values) == 4


def test_csv_is_flat_marked_and_guarded():
    data = chronology_csv(ROWS, case_reference="DHR 7/2024")
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert lines[:3] == [[MARKING], ["Merged chronology: DHR 7/2024"], list(FLAT_HEADINGS)]
    assert lines[3] == ["2024-03-01", "", "Health", "Adult A", "", "Visit", XSS, "'=cmd|' /C calc'!A0", "REF-a", "2"]
    assert [line[2] for line in lines[3:]] == ["Health", "Police", "Housing"]
    assert lines[4][6] == "Attended\nat 9"


def test_an_empty_chronology_exports():
    assert (
        "0 entries from 0 agencies"
        in docx.Document(io.BytesIO(chronology_docx([], case_reference="X"))).paragraphs[2].text
    )
    assert openpyxl.load_workbook(io.BytesIO(chronology_xlsx([], case_reference="X"))).worksheets[0].max_row == 3
    assert chronology_csv([], case_reference="X").decode("utf-8-sig").splitlines()[2] == ",".join(FLAT_HEADINGS)


def test_a_csv_export_without_its_agency_columns_imports_again():
    # What the business office would do to pass an agency its own rows back: drop Agency and the count.
    exported = list(csv.reader(io.StringIO(chronology_csv(ROWS[2:], case_reference="X").decode("utf-8-sig"))))
    out = io.StringIO()
    csv.writer(out).writerows([[*line[:2], *line[3:9]] if len(line) > 2 else line for line in exported])
    result = parse_rows("again.csv", out.getvalue().encode(), ["Adult A"])
    assert result.errors == []
    assert result.rows[0].occurred_on == date(2024, 3, 4) and result.rows[0].practitioner == "Officer Jones"
