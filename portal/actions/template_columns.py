"""The Home Office action plan template's seven columns, one row per action, and its scopes:
what the export writes and the import reads (``template_export``, ``template_import``)."""

from __future__ import annotations

HOME_OFFICE_COLUMNS = (
    "Recommendation",
    "Scope of recommendation",
    "Action to take",
    "Lead agency",
    "Key milestones achieved in enacting recommendation",
    "Target date",
    "Date of completion and outcome",
)
(
    RECOMMENDATION,
    SCOPE,
    ACTION,
    LEAD_AGENCY,
    MILESTONES,
    TARGET_DATE,
    COMPLETION,
) = HOME_OFFICE_COLUMNS

SCOPES = ("local", "regional", "national")
