"""The comments log exports, read back with python-docx and openpyxl."""

from __future__ import annotations

import enum
import io
from dataclasses import dataclass
from datetime import UTC, datetime

import docx
import openpyxl

from portal.drafts.comments_export import HEADINGS, comments_docx, comments_xlsx


class Status(enum.Enum):
    OPEN = "open"
    NOT_ACCEPTED = "not_accepted"


@dataclass
class Comment:
    reader_name: str
    organisation: str
    location: str
    text: str
    status: object
    reply: str | None
    created_at: datetime


COMMENTS = [
    Comment(
        "Jane O'Neil",
        "Leicestershire Police",
        "Section 3, paragraph 2",
        "The date of the first call-out is 4 March, not 3 March.",
        "Accepted",
        "Corrected in draft 4.",
        datetime(2026, 7, 1, 13, 5, tzinfo=UTC),  # 14:05 in London (summer time)
    ),
    Comment(
        "Zoë O'Brien (née Ło) 李",
        "Health <&>",
        "Page 12",
        '=HYPERLINK("http://evil")\x00 <script>alert(1)</script>',
        Status.NOT_ACCEPTED,
        None,
        datetime(2026, 12, 1, 9, 30),  # naive means UTC, as SQLite hands it back
    ),
]


def test_word_log_reads_back_marked():
    document = docx.Document(
        io.BytesIO(comments_docx(COMMENTS, case_reference="DARDR 2026/07", document_title="Overview Report, draft 3"))
    )
    for section in document.sections:
        assert "OFFICIAL-SENSITIVE" in section.header.paragraphs[0].text
        assert "OFFICIAL-SENSITIVE" in section.footer.paragraphs[0].text
    body = "\n".join(p.text for p in document.paragraphs)
    assert "Comments on Overview Report, draft 3" in body
    assert "DARDR 2026/07" in body and "2 comments" in body
    table = document.tables[0]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0] == list(HEADINGS)
    assert rows[1] == [
        "Jane O'Neil",
        "Leicestershire Police",
        "Section 3, paragraph 2",
        "The date of the first call-out is 4 March, not 3 March.",
        "Accepted",
        "Corrected in draft 4.",
        "1 July 2026 14:05",
    ]
    assert rows[2][0] == "Zoë O'Brien (née Ło) 李"
    assert rows[2][1] == "Health <&>"
    assert rows[2][3] == '=HYPERLINK("http://evil") <script>alert(1)</script>'
    assert rows[2][4] == "Not accepted"
    assert rows[2][5] == ""
    assert rows[2][6] == "1 December 2026 09:30"


def test_excel_log_reads_back_marked_and_guarded():
    data = comments_xlsx(COMMENTS, case_reference="DARDR 2026/07", document_title="Overview Report, draft 3")
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.active
    assert sheet["A1"].value == "OFFICIAL-SENSITIVE"
    assert "OFFICIAL-SENSITIVE" in sheet.oddHeader.center.text
    assert "OFFICIAL-SENSITIVE" in sheet.oddFooter.center.text
    assert sheet["A2"].value == "Comments on Overview Report, draft 3 (DARDR 2026/07)"
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert rows[0] == HEADINGS
    assert rows[1] == (
        "Jane O'Neil",
        "Leicestershire Police",
        "Section 3, paragraph 2",
        "The date of the first call-out is 4 March, not 3 March.",
        "Accepted",
        "Corrected in draft 4.",
        datetime(2026, 7, 1, 14, 5),
    )
    assert rows[2][3] == '\'=HYPERLINK("http://evil") <script>alert(1)</script>'  # text, never a formula
    assert rows[2][4] == "Not accepted"
    assert rows[2][6] == datetime(2026, 12, 1, 9, 30)


def test_an_empty_log_still_exports():
    document = docx.Document(io.BytesIO(comments_docx([], case_reference="R", document_title="T")))
    assert len(document.tables[0].rows) == 1
    assert "0 comments" in "\n".join(p.text for p in document.paragraphs)
    sheet = openpyxl.load_workbook(io.BytesIO(comments_xlsx([], case_reference="R", document_title="T"))).active
    assert sheet.max_row == 3
