"""The action plan exported in the Home Office template, as Excel and Word, marked OFFICIAL-SENSITIVE.

The recommendation and its scope repeat on every row of its actions in Excel (so the sheet can be
sorted and filtered) and are merged down the rows in Word (so the document reads like the
template). The recommendation cell holds "1. text", then the source and themes on lines of their
own (``template_import`` reads that cell back without them).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from portal.web.dates import govuk_date
from portal.web.exports import docx_table, safe_cell, xlsx_bytes

from .template_columns import (
    HOME_OFFICE_COLUMNS,
)

# Excel's number format for "28 November 2026" (GOV.UK style, like the Word export).
XLSX_DATE_FORMAT = "d mmmm yyyy"
# Relative widths: the recommendation and the action carry the words.
_WIDTHS = (34, 12, 34, 18, 28, 12, 24)


# -- Export ------------------------------------------------------------------------------------


def _recommendation_cell(recommendation) -> str:
    lines = [f"{recommendation.number}. {recommendation.text}" if recommendation.number else recommendation.text]
    details = []
    if getattr(recommendation, "source_label", None):
        details.append(f"Source: {recommendation.source_label}")
    themes = [theme for theme in getattr(recommendation, "themes", None) or () if theme]
    if themes:
        details.append("Themes: " + ", ".join(themes))
    if details:
        lines.append("")
        lines.extend(details)
    return "\n".join(lines)


def _scope_label(scope) -> str:
    return str(scope).capitalize() if scope else ""


def _completion_cell(action, *, as_date) -> str:
    parts = []
    if action.completed_on:
        parts.append(as_date(action.completed_on))
    if action.outcome:
        parts.append(str(action.outcome))
    return ": ".join(parts)


def _rows(recommendations, *, as_date, repeat: bool):
    """One row per action (a recommendation with none gets one row of its own). ``repeat``
    puts the recommendation and scope on every row; otherwise only on its first."""
    for recommendation in recommendations:
        rec_cell = _recommendation_cell(recommendation)
        scope = _scope_label(recommendation.scope)
        actions = list(recommendation.actions or ())
        if not actions:
            yield [rec_cell, scope, "", "", "", None, ""]
            continue
        for index, action in enumerate(actions):
            first = index == 0 or repeat
            yield [
                rec_cell if first else "",
                scope if first else "",
                action.text,
                action.lead_agency_name or "",
                action.milestones or "",
                action.target_date,
                _completion_cell(action, as_date=as_date),
            ]


def _title(case_reference: str) -> str:
    return f"Action plan: {case_reference}"


def plan_xlsx(recommendations: Sequence, *, case_reference: str) -> bytes:
    """The plan as an Excel workbook: marking in row 1 and the page header and footer, title in
    row 2, the template's headings in row 3, one row per action with the recommendation repeated.
    Target dates are real date cells shown "28 November 2026" (as in Word and in the completion
    column's text); every text cell goes through ``safe_cell``."""
    rows = ([safe_cell(value) for value in row] for row in _rows(recommendations, as_date=govuk_date, repeat=True))
    return xlsx_bytes(_title(case_reference), HOME_OFFICE_COLUMNS, rows, widths=_WIDTHS, date_format=XLSX_DATE_FORMAT)


def plan_docx(recommendations: Sequence, *, case_reference: str) -> bytes:
    """The plan as a landscape Word document: marking in every header and footer and above the
    title, the template's table with the recommendation and scope merged down their actions' rows."""
    from docx import Document
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    recommendations = list(recommendations)
    rows = ([safe_cell(value) for value in row] for row in _rows(recommendations, as_date=govuk_date, repeat=False))
    data = docx_table(
        _title(case_reference),
        HOME_OFFICE_COLUMNS,
        rows,
        landscape=True,
        intro="Recommendations and actions in the Home Office action plan template.",
        widths=_WIDTHS,
    )

    # Merge the recommendation and scope cells down each recommendation's rows (w:vMerge):
    # the table has one heading row, then the rows in the order _rows gave them.
    spans = [max(1, len(list(recommendation.actions or ()))) for recommendation in recommendations]
    if all(span == 1 for span in spans):
        return data
    document = Document(io.BytesIO(data))
    table = document.tables[-1]
    trs = table._tbl.findall(qn("w:tr"))[1:]
    position = 0
    for span in spans:
        if span > 1:
            for offset in range(span):
                tcs = trs[position + offset].findall(qn("w:tc"))
                for tc in tcs[:2]:
                    merge = OxmlElement("w:vMerge")
                    if offset == 0:
                        merge.set(qn("w:val"), "restart")
                    tc.get_or_add_tcPr().append(merge)
        position += span
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
