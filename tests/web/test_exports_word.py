"""portal/web/exports.py: dates and times in Word tables are London time, date and time of day alike."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time, timedelta, timezone

import docx
import pytest

from portal.clock import LONDON
from portal.web.exports import docx_table


def word_cell(value) -> str:
    document = docx.Document(io.BytesIO(docx_table("When", ["When"], [[value]])))
    return document.tables[-1].rows[1].cells[0].text


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        # Summer: 23:30 UTC is 00:30 the next day in London (the date and the time both move).
        pytest.param(datetime(2025, 7, 1, 23, 30, tzinfo=UTC), "2 July 2025 00:30", id="utc-bst-midnight"),
        pytest.param(datetime(2025, 7, 1, 9, 5, tzinfo=UTC), "1 July 2025 10:05", id="utc-bst"),
        pytest.param(datetime(2025, 1, 15, 23, 30, tzinfo=UTC), "15 January 2025 23:30", id="utc-gmt"),
        # Naive is UTC, as stored (SQLite hands datetimes back naive).
        pytest.param(datetime(2025, 7, 1, 23, 30), "2 July 2025 00:30", id="naive-is-utc"),
        # Already London, or any other zone: the same instant in London.
        pytest.param(datetime(2025, 7, 2, 0, 30, tzinfo=LONDON), "2 July 2025 00:30", id="london"),
        pytest.param(
            datetime(2025, 7, 1, 19, 30, tzinfo=timezone(timedelta(hours=-4))), "2 July 2025 00:30", id="new-york"
        ),
        # The clocks going back: 01:30 London happens twice; each instant is shown as London shows it.
        pytest.param(datetime(2025, 10, 26, 0, 30, tzinfo=UTC), "26 October 2025 01:30", id="bst-end-first"),
        pytest.param(datetime(2025, 10, 26, 1, 30, tzinfo=UTC), "26 October 2025 01:30", id="bst-end-second"),
        pytest.param(time(23, 30), "23:30", id="time-alone-unchanged"),
    ],
)
def test_word_datetimes_are_london_date_and_time(value, shown):
    assert word_cell(value) == shown
