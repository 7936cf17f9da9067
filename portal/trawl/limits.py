"""The longest text each chronology column holds: the import's own limits once it lands
(portal/trawl/chronology_io.py LIMITS), so a row that imports always fits its column."""

from __future__ import annotations

try:
    from .chronology_io import LIMITS as _IMPORTED
except ImportError:  # the import module is built on its own branch (trawlio)
    _IMPORTED = {}

LIMITS: dict[str, int] = {
    "subject": 120,
    "practitioner": 200,
    "contact_type": 120,
    "what_happened": 4000,
    "action_taken": 4000,
    "source_reference": 200,
    **_IMPORTED,
}
