"""Working days in England: weekends and England and Wales bank holidays skipped."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest

from portal.notify import add_working_days, is_working_day, working_days_between
from portal.notify.bank_holidays import ENGLAND_AND_WALES
from portal.notify.workdays import bank_holidays, usual_bank_holidays


def test_the_table_is_in_order_and_every_date_is_a_weekday():
    for year, days in ENGLAND_AND_WALES.items():
        parsed = [date.fromisoformat(day) for day in days]
        assert parsed == sorted(parsed)
        assert {day.year for day in parsed} == {year}
        assert all(day.weekday() < 5 for day in parsed), year


@pytest.mark.parametrize("year", [2021, 2024, 2025, 2026, 2027])
def test_the_usual_rules_give_gov_uk_dates_in_ordinary_years(year):
    assert usual_bank_holidays(year) == bank_holidays(year)


@pytest.mark.parametrize(
    "year, one_off",
    [(2020, date(2020, 5, 8)), (2022, date(2022, 9, 19)), (2022, date(2022, 6, 3)), (2023, date(2023, 5, 8))],
)
def test_one_off_bank_holidays_come_from_the_table(year, one_off):
    assert one_off in bank_holidays(year)
    assert one_off not in usual_bank_holidays(year)
    assert not is_working_day(one_off)


def test_substitute_days_when_christmas_falls_at_a_weekend():
    # 2027: Christmas on Saturday, Boxing Day on Sunday -> Monday 27 and Tuesday 28 December.
    assert {d for d in usual_bank_holidays(2027) if d.month == 12} == {date(2027, 12, 27), date(2027, 12, 28)}
    # 2022: Christmas on Sunday -> Boxing Day Monday 26 and the substitute Tuesday 27.
    assert {d for d in usual_bank_holidays(2022) if d.month == 12} == {date(2022, 12, 26), date(2022, 12, 27)}
    # 2026: Boxing Day on Saturday -> Monday 28.
    assert {d for d in usual_bank_holidays(2026) if d.month == 12} == {date(2026, 12, 25), date(2026, 12, 28)}
    # 2028: New Year's Day on Saturday -> Monday 3 January.
    assert date(2028, 1, 3) in usual_bank_holidays(2028)


def test_weekends_and_bank_holidays_are_not_working_days():
    assert is_working_day(date(2026, 3, 2))  # a Monday
    assert not is_working_day(date(2026, 3, 7))  # Saturday
    assert not is_working_day(date(2026, 3, 8))  # Sunday
    assert not is_working_day(date(2026, 4, 3))  # Good Friday
    assert not is_working_day(date(2026, 4, 6))  # Easter Monday


def test_twenty_working_days():
    # From Monday 2 March 2026: four plain weeks.
    assert add_working_days(date(2026, 3, 2), 20) == date(2026, 3, 30)
    # From Monday 23 March 2026, across Easter (3 and 6 April): two days later than four weeks.
    assert add_working_days(date(2026, 3, 23), 20) == date(2026, 4, 22)
    # Across Christmas and New Year 2025/26 (25, 26 December, 1 January).
    assert add_working_days(date(2025, 12, 15), 20) == date(2026, 1, 15)


def test_working_days_from_a_weekend_or_holiday():
    assert add_working_days(date(2025, 12, 24), 1) == date(2025, 12, 29)
    assert add_working_days(date(2026, 3, 7), 1) == date(2026, 3, 9)  # from a Saturday: Monday
    assert add_working_days(date(2026, 3, 7), 0) == date(2026, 3, 9)
    assert add_working_days(date(2026, 3, 9), 0) == date(2026, 3, 9)
    with pytest.raises(ValueError):
        add_working_days(date(2026, 3, 9), -1)


def test_working_days_between_counts_back_what_add_gives():
    start = date(2025, 12, 1)
    for n in range(0, 60, 7):
        end = add_working_days(start, n)
        assert working_days_between(start, end) == n
    assert working_days_between(date(2026, 3, 30), date(2026, 3, 2)) == -20
    # Every day in a year is either a working day or a weekend or holiday: 253 working days in 2026.
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]
    assert sum(map(is_working_day, days)) == 365 - 104 - 8


def test_a_year_past_the_table_uses_the_rules_and_says_so(caplog):
    bank_holidays.cache_clear()
    year = max(ENGLAND_AND_WALES) + 3
    with caplog.at_level(logging.WARNING, logger="portal.notify.workdays"):
        assert bank_holidays(year) == usual_bank_holidays(year)
    assert f"bank holidays for {year} are not in portal/notify/bank_holidays.py" in caplog.text
