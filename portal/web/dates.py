"""Dates and times the GOV.UK way ("25 September 2025"), in London time (``portal.clock.in_london``)."""

from __future__ import annotations

from datetime import date, datetime

from portal.clock import in_london


def govuk_date(value: date | datetime | None) -> str:
    """25 September 2025 (a datetime is shown in London time)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = in_london(value)
    return f"{value.day} {value:%B %Y}"


def govuk_datetime(value: datetime | None) -> str:
    """25 September 2025 at 2:05pm (London time)."""
    if value is None:
        return ""
    local = in_london(value)
    hour = local.hour % 12 or 12
    return f"{govuk_date(local)} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"
