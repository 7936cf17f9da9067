"""The portal's notion of "now".

Timeouts, expiry and statutory clocks all read the time from here, so tests can
move time forward instead of sleeping: put a ``FrozenClock`` in
``app.config["CLOCK"]`` and call ``advance``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

# The one time zone of the service: dates are calendar dates in England, times are shown there.
LONDON = ZoneInfo("Europe/London")


class FrozenClock:
    """A clock that only moves when told to (tests and demo generation)."""

    def __init__(self, start: datetime | None = None):
        self.now = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


def utcnow() -> datetime:
    """Aware UTC datetime from the app's clock, or the system clock outside an app."""
    if has_app_context():
        clock = current_app.config.get("CLOCK")
        if clock is not None:
            return clock()
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything we store is UTC, so say so."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def in_london(value: datetime) -> datetime:
    """A stored (UTC, or naive meaning UTC) time as the clock on the wall in England showed it."""
    return as_utc(value).astimezone(LONDON)


def london_date(value: datetime) -> date:
    """The calendar date in England of a stored (UTC) time."""
    return in_london(value).date()


def london_today() -> date:
    """Today's calendar date in England: due dates and end dates are dates there."""
    return london_date(utcnow())
