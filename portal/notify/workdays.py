"""Working days in England: Monday to Friday, except bank holidays in England and Wales.

Default due dates are set in working days ("20 working days from today"); reminders then
count calendar days to and past that date.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from functools import cache

from .bank_holidays import ENGLAND_AND_WALES

log = logging.getLogger(__name__)


def _easter(year: int) -> date:
    """Easter Sunday (the Gregorian computus, "anonymous" algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday_offset = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday_offset) // 451
    month, day = divmod(h + weekday_offset - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _first_monday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    last = (date(year, month + 1, 1) if month < 12 else date(year + 1, 1, 1)) - timedelta(days=1)
    return last - timedelta(days=last.weekday())


def _weekend(day: date) -> bool:
    return day.weekday() >= 5


def usual_bank_holidays(year: int) -> frozenset[date]:
    """The dates the standing rules give (no one-off holidays, no moved ones)."""
    new_year = date(year, 1, 1)
    while _weekend(new_year):
        new_year += timedelta(days=1)
    easter = _easter(year)
    days = {
        new_year,
        easter - timedelta(days=2),
        easter + timedelta(days=1),
        _first_monday(year, 5),
        _last_monday(year, 5),
        _last_monday(year, 8),
    }
    # Christmas and Boxing Day: one falling at a weekend moves to the next weekday not already taken.
    christmas = [date(year, 12, 25), date(year, 12, 26)]
    taken = {day for day in christmas if not _weekend(day)}
    for day in christmas:
        if _weekend(day):
            substitute = day + timedelta(days=1)
            while _weekend(substitute) or substitute in taken:
                substitute += timedelta(days=1)
            taken.add(substitute)
    return frozenset(days | taken)


@cache
def bank_holidays(year: int) -> frozenset[date]:
    """Bank holidays in England and Wales in ``year``: GOV.UK's list, or the usual rules."""
    listed = ENGLAND_AND_WALES.get(year)
    if listed is not None:
        return frozenset(date.fromisoformat(day) for day in listed)
    log.warning("bank holidays for %s are not in portal/notify/bank_holidays.py; using the usual rules", year)
    return usual_bank_holidays(year)


def is_working_day(day: date) -> bool:
    return not _weekend(day) and day not in bank_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself does not count).

    ``add_working_days(date(2025, 12, 24), 1)`` is 29 December 2025: Christmas, Boxing Day
    and the weekend are skipped. ``days=0`` gives ``start`` if it is a working day, else
    the next one.
    """
    if days < 0:
        raise ValueError("count working days forwards (days >= 0)")
    day = start
    if days == 0:
        while not is_working_day(day):
            day += timedelta(days=1)
        return day
    while days:
        day += timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count
