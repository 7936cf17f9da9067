"""The comments log of a circulated draft as Word and Excel, for the author's records.

Built on the shared table exports (``portal.web.exports``): the OFFICIAL-SENSITIVE marking is
in every header and footer and above the table, text is cleaned of control characters, and
a comment that starts like a formula (``=HYPERLINK(...)``) stays text in Excel.

A comment is any object with ``reader_name``, ``organisation``, ``location``, ``text``,
``status``, ``reply`` and ``created_at`` (stored UTC; shown in London time). ``status`` may be
text or an enum (its ``label`` if it has one, else its value).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum

from portal.clock import in_london
from portal.web.exports import docx_table, xlsx_bytes

HEADINGS = ("Reader", "Organisation", "Location", "Comment", "Status", "Reply", "Given")
WORD_WIDTHS = (14, 14, 12, 34, 10, 30, 12)
EXCEL_WIDTHS = (24, 24, 18, 60, 18, 50, 17)


def _status(status) -> str:
    if status is None:
        return ""
    label = getattr(status, "label", None)
    if label:
        return str(label)
    if isinstance(status, Enum):
        status = status.value
    return str(status).replace("_", " ").capitalize() if str(status).islower() else str(status)


def _london(value: datetime | None) -> datetime | None:
    return in_london(value) if value is not None else None


def _rows(comments: Iterable, *, naive: bool):
    for comment in comments:
        given = _london(comment.created_at)
        if given is not None and naive:
            given = given.replace(tzinfo=None)  # Excel has no time zones: London wall-clock time
        yield (
            comment.reader_name,
            comment.organisation,
            comment.location,
            comment.text,
            _status(comment.status),
            comment.reply,
            given,
        )


def _title(document_title: str) -> str:
    return f"Comments on {document_title}"


def comments_docx(comments: Iterable, *, case_reference: str, document_title: str) -> bytes:
    """The comments log as a landscape Word table, marked OFFICIAL-SENSITIVE."""
    comments = list(comments)
    return docx_table(
        _title(document_title),
        HEADINGS,
        _rows(comments, naive=False),
        landscape=True,
        intro=[f"Review {case_reference}", f"{len(comments)} comment{'' if len(comments) == 1 else 's'}"],
        widths=WORD_WIDTHS,
    )


def comments_xlsx(comments: Iterable, *, case_reference: str, document_title: str) -> bytes:
    """The comments log as an Excel sheet (marking in row 1 and the page header and footer)."""
    return xlsx_bytes(
        f"{_title(document_title)} ({case_reference})",
        HEADINGS,
        _rows(comments, naive=True),
        widths=EXCEL_WIDTHS,
    )
