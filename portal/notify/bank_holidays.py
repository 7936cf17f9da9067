"""Bank holidays in England and Wales, as GOV.UK publishes them.

HOW TO UPDATE: GOV.UK announces each year's dates about two years ahead at
https://www.gov.uk/bank-holidays (the same data as JSON: https://www.gov.uk/bank-holidays.json,
division "england-and-wales"). Add the new year's dates below, in order, and run
``pytest tests/notify/test_workdays.py``. One-off holidays (a jubilee, a coronation, a state
funeral) appear only in GOV.UK's list, so always copy the list rather than work the dates out.

For years not in the table, ``workdays.bank_holidays`` works the usual dates out by the rules
(New Year's Day, Good Friday, Easter Monday, the first and last Mondays in May, the last
Monday in August, Christmas and Boxing Day, with substitute days), and logs a warning so that
someone adds the year.
"""

from __future__ import annotations

ENGLAND_AND_WALES: dict[int, tuple[str, ...]] = {
    2020: ("2020-01-01", "2020-04-10", "2020-04-13", "2020-05-08", "2020-05-25", "2020-08-31", "2020-12-25",
           "2020-12-28"),  # early May moved to Friday 8 May (VE Day)
    2021: ("2021-01-01", "2021-04-02", "2021-04-05", "2021-05-03", "2021-05-31", "2021-08-30", "2021-12-27",
           "2021-12-28"),
    2022: ("2022-01-03", "2022-04-15", "2022-04-18", "2022-05-02", "2022-06-02", "2022-06-03", "2022-08-29",
           "2022-09-19", "2022-12-26", "2022-12-27"),  # Platinum Jubilee; the Queen's state funeral
    2023: ("2023-01-02", "2023-04-07", "2023-04-10", "2023-05-01", "2023-05-08", "2023-05-29", "2023-08-28",
           "2023-12-25", "2023-12-26"),  # the coronation of King Charles III
    2024: ("2024-01-01", "2024-03-29", "2024-04-01", "2024-05-06", "2024-05-27", "2024-08-26", "2024-12-25",
           "2024-12-26"),
    2025: ("2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25", "2025-12-25",
           "2025-12-26"),
    2026: ("2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25",
           "2026-12-28"),
    2027: ("2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30", "2027-12-27",
           "2027-12-28"),
}  # fmt: skip
