"""Dates and times the GOV.UK way ("25 September 2025"), in London time (``portal.clock.LONDON``)."""

from __future__ import annotations

from datetime import date, datetime

from portal.clock import LONDON, as_utc


def govuk_date(value: date | datetime | None) -> str:
    """25 September 2025 (a datetime is shown in London time)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = as_utc(value).astimezone(LONDON)
    return f"{value.day} {value:%B %Y}"


def govuk_datetime(value: datetime | None) -> str:
    """25 September 2025 at 2:05pm (London time)."""
    if value is None:
        return ""
    local = as_utc(value).astimezone(LONDON)
    hour = local.hour % 12 or 12
    return f"{govuk_date(local)} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"
