"""Sign-off, sending to the Home Office, quality assurance rounds, the anonymisation check and
publication. Services flush; routes commit (``portal.web.saving.save``).

Stage changes go through the lifecycle's moves (``portal/cases/lifecycle.py apply_move``):
"sign_off", "amendments", "send_to_home_office", "graded_adequate" / "graded_inadequate",
"publish" and "close". They write the case's stage history (the timeline and the case history
show them), its dates (the clocks read them) and the audit event; the services add what the
moves do not hold: which versions, the pack's hash, the letter, the changes, the check.

The services are in three modules, by the part of the process they serve: ``signoff`` (CRG
sign-off and amendments), ``rounds`` (the pack, sending, quality assurance rounds, required
changes, the days waited) and ``publication`` (the anonymisation check, publication, takedown
and closure), with ``common`` what they share. This module names them all in one place.
"""

from __future__ import annotations

from .common import (
    DOCX,
    PDF,
    PUBLISHED_KINDS,
    check_row_version,
)
from .publication import (
    CLOSED_NOTE,
    REASON_MAX,
    actions_left,
    add_detail,
    close,
    close_when_complete,
    details_of,
    explain_hit,
    identities,
    latest_check,
    mark_ready,
    on_action_confirmed,
    plan_progress,
    publication_of,
    publish,
    ready_problems,
    remove_detail,
    run_check,
    takedown_items,
    takedown_months,
)
from .rounds import (
    LETTER_TYPES,
    Waiting,
    build_pack,
    change_lines,
    covering_sheet,
    pack_files,
    record_commissioner,
    record_outcome,
    record_sent,
    rounds,
    set_change_done,
    waiting,
)
from .signoff import (
    amendments,
    current_signoff,
    latest_versions,
    open_amendments,
    plan_of,
    request_amendments,
    sign_off,
    signoffs,
    versions_of,
)

__all__ = [
    "CLOSED_NOTE",
    "DOCX",
    "LETTER_TYPES",
    "PDF",
    "PUBLISHED_KINDS",
    "REASON_MAX",
    "Waiting",
    "actions_left",
    "add_detail",
    "amendments",
    "build_pack",
    "change_lines",
    "check_row_version",
    "close",
    "close_when_complete",
    "covering_sheet",
    "current_signoff",
    "details_of",
    "explain_hit",
    "identities",
    "latest_check",
    "latest_versions",
    "mark_ready",
    "on_action_confirmed",
    "open_amendments",
    "pack_files",
    "plan_of",
    "plan_progress",
    "publication_of",
    "publish",
    "ready_problems",
    "record_commissioner",
    "record_outcome",
    "record_sent",
    "remove_detail",
    "request_amendments",
    "rounds",
    "run_check",
    "set_change_done",
    "sign_off",
    "signoffs",
    "takedown_items",
    "takedown_months",
    "versions_of",
    "waiting",
]
