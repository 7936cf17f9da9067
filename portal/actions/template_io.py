"""The action plan in the Home Office template: export to Excel and Word, import from Excel.

The template has seven columns (``HOME_OFFICE_COLUMNS``, in ``template_columns``), one row per
action. The export is ``template_export``, the import ``template_import``; this module names
them together for the code that uses both or that predates the split (the Home Office pack in
portal/submission attaches ``plan_xlsx``).
"""

from __future__ import annotations

from portal.web.imports import RowError

from .template_columns import (
    ACTION,
    COMPLETION,
    HOME_OFFICE_COLUMNS,
    LEAD_AGENCY,
    MILESTONES,
    RECOMMENDATION,
    SCOPE,
    SCOPES,
    TARGET_DATE,
)
from .template_export import plan_docx, plan_xlsx
from .template_import import (
    MAX_BYTES,
    MAX_TEXT,
    MAX_UNPACKED,
    ImportedAction,
    ImportedRecommendation,
    PlanImport,
    parse_plan,
)

__all__ = [
    "ACTION",
    "COMPLETION",
    "HOME_OFFICE_COLUMNS",
    "LEAD_AGENCY",
    "MAX_BYTES",
    "MAX_TEXT",
    "MAX_UNPACKED",
    "MILESTONES",
    "RECOMMENDATION",
    "SCOPE",
    "SCOPES",
    "TARGET_DATE",
    "ImportedAction",
    "ImportedRecommendation",
    "PlanImport",
    "RowError",
    "parse_plan",
    "plan_docx",
    "plan_xlsx",
]
