"""portal/trawl/merged.py: the merged chronology's order, grouping and filters on a known set."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from portal.trawl.merged import DateGroup, filter_rows, merge


@dataclass
class Row:
    label: str
    occurred_on: date
    occurred_at: time | None
    agency_name: str
    subject: str = "Adult A"
    practitioner: str = ""
    contact_type: str = ""
    what_happened: str = ""
    action_taken: str = ""
    source_reference: str = ""


MARCH_1 = date(2024, 3, 1)
MARCH_2 = date(2024, 3, 2)
ROWS = [
    Row("police late", MARCH_2, time(22, 0), "Police"),
    Row("health morning", MARCH_1, time(9, 0), "health"),  # lower case: agency order ignores case
    Row("police undated time", MARCH_1, None, "Police"),
    Row("housing morning", MARCH_1, time(9, 0), "Housing"),
    Row("police morning", MARCH_1, time(9, 0), "Police"),
    Row("alpha undated time", MARCH_1, None, "Alpha Trust"),
    Row("police morning second", MARCH_1, time(9, 0), "Police"),  # same key: stays after the first
    Row("police early", MARCH_1, time(7, 30), "Police"),
    Row("earliest", date(2023, 12, 31), time(23, 59), "Police", subject="Adult B"),
]


def labels(rows):
    return [row.label for row in rows]


def test_order_is_date_then_untimed_first_then_time_then_agency_and_stable():
    groups = merge(ROWS)
    assert [group.day for group in groups] == [date(2023, 12, 31), MARCH_1, MARCH_2]
    assert labels(groups[1].rows) == [
        "alpha undated time",
        "police undated time",
        "police early",
        "health morning",
        "housing morning",
        "police morning",
        "police morning second",
    ]


def test_groups_name_their_agencies_and_flag_several():
    groups = merge(ROWS)
    assert groups[0] == DateGroup(
        day=date(2023, 12, 31), rows=(ROWS[-1],), agencies=("Police",), several_agencies=False
    )
    assert groups[1].agencies == ("Alpha Trust", "Police", "health", "Housing")
    assert groups[1].several_agencies
    assert groups[2].agencies == ("Police",) and not groups[2].several_agencies


def test_merge_of_nothing():
    assert merge([]) == []


def test_filters():
    assert labels(filter_rows(ROWS, agency="police")) == [row.label for row in ROWS if row.agency_name == "Police"]
    assert labels(filter_rows(ROWS, agency=["Health", "housing"])) == ["health morning", "housing morning"]
    assert labels(filter_rows(ROWS, subject="adult b")) == ["earliest"]
    assert labels(filter_rows(ROWS, start=MARCH_2)) == ["police late"]
    assert labels(filter_rows(ROWS, end=date(2023, 12, 31))) == ["earliest"]
    assert len(filter_rows(ROWS, start=MARCH_1, end=MARCH_1)) == 7
    assert filter_rows(ROWS) == ROWS
    assert filter_rows(ROWS, agency="Nobody") == []
