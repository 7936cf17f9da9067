"""The board report as a Word document (python-docx): landscape A4, a real table with the paper's columns."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from portal.web.dates import govuk_date
from portal.web.text import printable

from .board import COLUMN_CODES, MARKING, OTHER_AREAS_COLUMN, OTHER_AREAS_HEADING, BoardReport


def _marking(paragraph) -> None:
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(MARKING)
    run.bold = True


def _repeat_header(row) -> None:
    # The header row repeats on every page of a long table.
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _shade(cell, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _bold(cell, text: str) -> None:
    cell.text = ""
    cell.paragraphs[0].add_run(printable(text)).bold = True


def _put(cell, text) -> None:
    # Every text from the database goes through ``printable``: XML refuses control characters,
    # and one saved in an update (before input was cleaned) made the whole file fail.
    cell.text = printable(text)


def render(report: BoardReport) -> bytes:
    document = Document()
    document.core_properties.title = f"{MARKING}: L&R Domestic Abuse Related Death Reviews"
    document.core_properties.keywords = MARKING
    style = document.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(10)
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(15))
    _marking(section.header.paragraphs[0])
    _marking(section.footer.paragraphs[0])

    _marking(document.add_paragraph())
    document.add_paragraph(printable(report.board_name).upper()).runs[0].bold = True
    document.add_paragraph(govuk_date(report.report_date).upper()).runs[0].bold = True
    document.add_heading("L&R Domestic Abuse Related Death Reviews", level=1)
    for text in report.paragraphs:
        document.add_paragraph(printable(text))

    document.add_heading("DHRs / DARDRs currently in progress", level=2)
    headers = report.headers
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        _bold(cell, text)
        _shade(cell, "D9D9D9")
    _repeat_header(table.rows[0])
    for year in report.years:
        cells = table.add_row().cells
        year_cell = cells[0].merge(cells[-1])  # the year heads its rows across the table
        _bold(year_cell, year.label)
        _shade(year_cell, "F2F2F2")
        for month in year.months:
            for index, entry in enumerate(month.entries):
                cells = table.add_row().cells
                if index == 0:
                    _put(cells[0], month.label)
                _put(cells[1 + COLUMN_CODES.index(entry.column)], entry.case.reference)
                update = entry.update_text
                note = entry.update_note(report.meeting)
                _put(cells[-1], f"{update} {note}".strip())

    document.add_paragraph()
    other = document.add_table(rows=1, cols=2)
    other.style = "Table Grid"
    _bold(other.rows[0].cells[0], OTHER_AREAS_HEADING)
    _bold(other.rows[0].cells[1], OTHER_AREAS_COLUMN)
    for entry in report.other_areas:
        cells = other.add_row().cells
        _put(cells[0], entry.case.reference)
        _put(cells[1], entry.case.lead_area)
    if not report.other_areas:
        other.add_row().cells[0].text = "None"

    for extra in report.sections:  # other areas' tables (board.register_section)
        document.add_heading(printable(extra.heading), level=2)
        table = document.add_table(rows=1, cols=len(extra.headers))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, extra.headers, strict=True):
            _bold(cell, text)
            _shade(cell, "D9D9D9")
        _repeat_header(table.rows[0])
        for row in extra.rows:
            for cell, text in zip(table.add_row().cells, row, strict=True):
                _put(cell, text)
        if not extra.rows:
            table.add_row().cells[0].text = printable(extra.empty)

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
