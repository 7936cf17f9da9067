"""portal/web/exports.py marked_sheet: the marking every portal workbook carries, exports and templates alike."""

from __future__ import annotations

import io

import openpyxl
import pytest

from portal.trawl.chronology_io import HEADINGS, template_xlsx
from portal.web.exports import MARKING, xlsx_bytes


@pytest.mark.parametrize(
    ("data", "sheet_title", "first_heading"),
    [
        pytest.param(xlsx_bytes("Plan", ["=One", "Two"], [["a", "b"]]), "Plan", "'=One", id="export"),
        pytest.param(template_xlsx(["Adult A"]), "Chronology", HEADINGS[0], id="chronology-template"),
    ],
)
def test_workbooks_are_marked_on_every_page_and_in_row_1(data, sheet_title, first_heading):
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    assert sheet.title == sheet_title
    assert workbook.properties.title.startswith(f"{MARKING}: ") and workbook.properties.keywords == MARKING
    for header_footer in (sheet.oddHeader, sheet.oddFooter, sheet.evenHeader, sheet.evenFooter):
        assert header_footer.center.text == MARKING
    assert sheet["A1"].value == MARKING and sheet["A1"].font.bold
    assert sheet["A3"].value == first_heading and sheet["A3"].font.bold  # a heading is guarded like any cell
    assert sheet.freeze_panes == "A4" and sheet.print_title_rows == "$3:$3"
