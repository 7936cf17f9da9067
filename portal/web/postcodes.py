"""UK postcodes as people type them ("le16zg", "LE1  6ZG") checked and written the one way ("LE1 6ZG")."""

from __future__ import annotations

import re

# The shape of a UK postcode: an outward code (area letters, district digit and an optional
# letter or digit) and an inward code (a digit and two letters). Shape only: whether the
# postcode exists is for Royal Mail's file, which the portal does not hold.
_SHAPE = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})")


def normalise_postcode(typed: str | None) -> str | None:
    """``typed`` as "LE1 6ZG", or None when it is not the shape of a UK postcode (or empty)."""
    squeezed = re.sub(r"\s+", "", typed or "").upper()
    found = _SHAPE.fullmatch(squeezed)
    return f"{found.group(1)} {found.group(2)}" if found else None
