"""Who is on a case: members, involved agencies, restricted identities, and who accessed it."""

from __future__ import annotations

from . import bp  # noqa: F401  (routes are added below)
