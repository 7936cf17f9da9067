"""portal/trawl/chronology_io.py: the template, and importing rows from CSV and XLSX (all or nothing)."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime, time

import openpyxl
import pytest

from portal.trawl import chronology_io
from portal.trawl.chronology_io import (
    COLUMNS,
    HEADINGS,
    LIMITS,
    ImportedRow,
    RowError,
    parse_rows,
    template_csv,
    template_xlsx,
)
from portal.web.exports import MARKING

SUBJECTS = ["Adult A (victim)", "Adult B (perpetrator)", "Child C"]
XSS = '<img src=x onerror="alert(1)">'
GOOD = [
    [
        "27/03/2024",
        "14:30",
        "adult a (victim)",
        "PC 123 Smith",
        "Home visit",
        "Officers attended.\nNo injuries seen.",
        "Referral to MARAC",
        "POL-001",
    ],
    ["1/4/2024", "", "Adult B (perpetrator)", "Duty social worker", "Phone call", XSS, "None", "SC-77"],
    ["2024-04-02", "9:05", " CHILD C ", "School nurse", "Meeting", "=1+1 typed as text", "'-noted", "ED-9"],
]


def as_csv(rows, headings=HEADINGS, *, marking=True, encoding="utf-8-sig") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    if marking:
        writer.writerow([MARKING])
    writer.writerow(headings)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def as_xlsx(rows, headings=HEADINGS, *, title="Chronology") -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append([MARKING])
    sheet.append(["A note about the template"])
    sheet.append(list(headings))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def expected_good():
    return [
        ImportedRow(
            date(2024, 3, 27),
            time(14, 30),
            "Adult A (victim)",
            "PC 123 Smith",
            "Home visit",
            "Officers attended.\nNo injuries seen.",
            "Referral to MARAC",
            "POL-001",
        ),
        ImportedRow(
            date(2024, 4, 1), None, "Adult B (perpetrator)", "Duty social worker", "Phone call", XSS, "None", "SC-77"
        ),
        ImportedRow(
            date(2024, 4, 2), time(9, 5), "Child C", "School nurse", "Meeting", "=1+1 typed as text", "'-noted", "ED-9"
        ),
    ]


def messages(result):
    return [error.message for error in result.errors]


def test_columns_and_limits():
    assert HEADINGS == (
        "Date",
        "Time",
        "Subject",
        "Practitioner or role",
        "Event or contact type",
        "What happened",
        "Action taken or outcome",
        "Source record reference",
    )
    assert [column.key for column in COLUMNS] == list(ImportedRow.__dataclass_fields__)
    assert LIMITS["what_happened"] == LIMITS["action_taken"] == 5000 and LIMITS["subject"] == 200


def test_good_csv_imports_every_row():
    result = parse_rows("chronology.csv", as_csv(GOOD), SUBJECTS)
    assert result.errors == [] and result.ok
    assert result.rows == expected_good()


def test_utf16_csv_imports():
    assert parse_rows("c.csv", as_csv(GOOD, encoding="utf-16"), SUBJECTS).rows == expected_good()


def test_csv_from_windows_excel_and_without_marking_line():
    rows = [["27/03/2024", "", "Child C", "Café worker", "Visit", "Seen", "None", "R1"]]
    result = parse_rows("c.csv", as_csv(rows, marking=False, encoding="cp1252"), SUBJECTS)
    assert result.errors == [] and result.rows[0].practitioner == "Café worker"


def test_the_csv_template_reads_back_as_headings_without_rows():
    assert template_csv().startswith("\ufeff".encode())
    assert parse_rows("t.csv", template_csv(), SUBJECTS).errors == [
        RowError(None, "", "The selected file has no chronology rows under its headings")
    ]
    filled = template_csv() + as_csv(GOOD[:1], marking=False)[len("\ufeff".encode()) :].split(b"\r\n", 1)[1]
    assert parse_rows("t.csv", filled, SUBJECTS).rows == expected_good()[:1]


def test_good_xlsx_with_real_dates_and_times_imports():
    rows = [
        [
            datetime(2024, 3, 27),
            time(14, 30),
            "ADULT A (VICTIM)",
            "PC 123 Smith",
            "Home visit",
            "Officers attended.\nNo injuries seen.",
            "Referral to MARAC",
            "POL-001",
        ],
        [date(2024, 4, 1), None, "Adult B (perpetrator)", "Duty social worker", "Phone call", XSS, "None", "SC-77"],
        ["2024-04-02", "09:05", "Child C", "School nurse", "Meeting", "=1+1 typed as text", "'-noted", "ED-9"],
    ]
    data = as_xlsx(rows)
    # openpyxl writes a string starting with "=" as a formula: make the third row's text a plain string
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    workbook.active["F6"].data_type = "s"
    out = io.BytesIO()
    workbook.save(out)
    result = parse_rows("chronology.xlsx", out.getvalue(), SUBJECTS)
    assert result.errors == []
    assert result.rows == expected_good()


@pytest.mark.parametrize(
    "text",
    ["27/03/2024", "27/3/2024", "27-03-2024", "27.03.2024", "2024-03-27", "2024-3-27", "27 March 2024", "27 mar 2024"],
    ids=lambda text: text,
)
def test_date_spellings(text):
    rows = [[text, "", "Child C", "Nurse", "Visit", "Seen", "None", "R1"]]
    assert parse_rows("c.csv", as_csv(rows), SUBJECTS).rows[0].occurred_on == date(2024, 3, 27)


@pytest.mark.parametrize(
    "text", ["32/01/2024", "27 Marchh 2024", "1899-12-31", "2024/03/27", "27/03", "45379"], ids=str
)
def test_not_dates(text):
    rows = [[text, "", "Child C", "Nurse", "Visit", "Seen", "None", "R1"]]
    assert messages(parse_rows("c.csv", as_csv(rows), SUBJECTS)) == [
        "Row 3, Date: enter a real date, for example 27/03/2024"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14:30", time(14, 30)),
        ("9:05", time(9, 5)),
        ("09.05", time(9, 5)),
        ("23:59:59", time(23, 59)),
        ("0:00", time(0)),
    ],
    ids=lambda value: str(value),
)
def test_time_spellings(text, expected):
    rows = [["27/03/2024", text, "Child C", "Nurse", "Visit", "Seen", "None", "R1"]]
    assert parse_rows("c.csv", as_csv(rows), SUBJECTS).rows[0].occurred_at == expected


def test_number_cells_become_text():
    rows = [[date(2024, 3, 27), None, "Child C", "Nurse", "Visit", "Seen", "None", 12345]]
    assert parse_rows("c.xlsx", as_xlsx(rows), SUBJECTS).rows[0].source_reference == "12345"


def test_the_xlsx_template_offers_subjects_and_reads_back():
    data = template_xlsx(SUBJECTS)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook["Chronology"]
    assert sheet["A1"].value == MARKING and sheet.oddHeader.center.text == MARKING
    assert "DD/MM/YYYY" in sheet["A2"].value
    assert [cell.value for cell in sheet[3]] == list(HEADINGS)
    assert sheet.freeze_panes == "A4"
    lists = [dv for dv in sheet.data_validations.dataValidation if dv.type == "list"]
    assert len(lists) == 1 and lists[0].formula1 == "=Subjects!$A$1:$A$3" and "C4:C5003" in str(lists[0].sqref)
    assert [row[0] for row in workbook["Subjects"].iter_rows(values_only=True)] == SUBJECTS
    assert workbook["Subjects"].sheet_state == "hidden"
    # filled in as an agency would: real dates typed into the formatted cells
    sheet.append([date(2024, 3, 27), time(8, 0), "Child C", "Nurse", "Visit", "Seen", "None", "R1"])
    out = io.BytesIO()
    workbook.save(out)
    result = parse_rows("filled.xlsx", out.getvalue(), SUBJECTS)
    assert result.errors == []
    assert result.rows == [
        ImportedRow(date(2024, 3, 27), time(8, 0), "Child C", "Nurse", "Visit", "Seen", "None", "R1")
    ]
    assert not [
        dv
        for dv in openpyxl.load_workbook(io.BytesIO(template_xlsx())).active.data_validations.dataValidation
        if dv.type == "list"
    ]


BAD = [
    GOOD[0],  # row 3: good, and still not imported
    ["31/02/2024", "25:00", "Adult A (victim)", "PC", "Visit", "x", "y", "R"],  # row 4
    GOOD[1],  # row 5
    [],  # row 6: blank rows are skipped, and numbering carries on
    ["27/3/24", "", "Someone else", "", "Visit", "x" * 5001, "y", "R"],  # row 7
    ["", "", "", "", "", "", "", ""],  # row 8: blank
    ["2024-13-01", "noon", "Child C", "PC", "Visit", "x", "y", "R" * 201],  # row 9
]


def test_several_bad_rows_name_every_one_and_import_nothing():
    result = parse_rows("bad.csv", as_csv(BAD), SUBJECTS, today=date(2026, 1, 1))
    assert result.rows == []
    assert [(error.row, error.column) for error in result.errors] == [
        (4, "Date"),
        (4, "Time"),
        (7, "Date"),
        (7, "Subject"),
        (7, "Practitioner or role"),
        (7, "What happened"),
        (9, "Date"),
        (9, "Time"),
        (9, "Source record reference"),
    ]
    assert messages(result) == [
        "Row 4, Date: enter a real date, for example 27/03/2024",
        "Row 4, Time: enter a real time in the 24-hour clock, for example 14:30, or leave it empty",
        "Row 7, Date: enter the year with 4 digits, for example 27/03/2024",
        "Row 7, Subject: enter one of the subjects of the request: Adult A (victim), Adult B (perpetrator), Child C",
        "Row 7, Practitioner or role: enter the practitioner or their role",
        "Row 7, What happened: must be 5,000 characters or fewer (it has 5,001)",
        "Row 9, Date: enter a real date, for example 27/03/2024",
        "Row 9, Time: enter a real time in the 24-hour clock, for example 14:30, or leave it empty",
        "Row 9, Source record reference: must be 200 characters or fewer (it has 201)",
    ]


def test_bad_rows_in_xlsx_are_numbered_as_excel_shows_them():
    rows = [
        GOOD[0],
        ["", "", "Child C", "PC", "Visit", "x", "y", "R"],
        [12.5, None, "Child C", "PC", "Visit", "x", "y", "R"],
    ]
    result = parse_rows("bad.xlsx", as_xlsx(rows), SUBJECTS)
    assert result.rows == []
    assert messages(result) == [
        "Row 5, Date: enter the date, for example 27/03/2024",
        "Row 6, Date: enter a real date, for example 27/03/2024",
    ]


def test_future_dates_are_refused_when_today_is_given():
    rows = [["02/12/2026", "", "Child C", "PC", "Visit", "x", "y", "R"]]
    assert messages(parse_rows("f.csv", as_csv(rows), SUBJECTS, today=date(2026, 12, 1))) == [
        "Row 3, Date: the date must be today or in the past"
    ]
    assert parse_rows("f.csv", as_csv(rows), SUBJECTS).ok


def test_formula_cells_are_refused_never_evaluated():
    rows = [
        [date(2024, 3, 27), None, "Child C", "PC", "Visit", '=HYPERLINK("http://evil","x")', "y", "R"],
        ["=TODAY()", None, "Child C", "PC", "Visit", "x", "y", "=A1"],
    ]
    result = parse_rows("f.xlsx", as_xlsx(rows), SUBJECTS)
    assert result.rows == []
    assert messages(result) == [
        "Row 4, What happened: the cell holds a formula. Enter the value itself, not a formula",
        "Row 5, Date: the cell holds a formula. Enter the value itself, not a formula",
        "Row 5, Source record reference: the cell holds a formula. Enter the value itself, not a formula",
    ]


def test_text_is_cleaned_of_control_characters_and_trimmed():
    rows = [["27/03/2024", "", "Child C", "  PC\x00  Smith\t ", "Visit\x1b", "Line\x0bbreak\r\nnext  ", "y", "R"]]
    (row,) = parse_rows("c.csv", as_csv(rows), SUBJECTS).rows
    assert row.practitioner == "PC Smith"
    assert row.contact_type == "Visit"
    assert row.what_happened == "Line\nbreak\nnext"


@pytest.mark.parametrize(
    ("headings", "message"),
    [
        (
            [
                "Date",
                "Subject",
                "What happened",
                "Notes",
                "Practitioner or role",
                "Event or contact type",
                "Action taken or outcome",
                "Source record reference",
            ],
            "The file is missing the column Time. The file has a column the template does not have: Notes. "
            "Use the headings of the template: " + ", ".join(HEADINGS),
        ),
        (
            ["Date", "Time", "Subject"],
            "The file is missing the columns Practitioner or role, Event or contact type, What happened, "
            "Action taken or outcome, Source record reference. Use the headings of the template: "
            + ", ".join(HEADINGS),
        ),
        (
            [*HEADINGS, "Date"],
            "The file has a heading more than once: Date. Use the headings of the template: " + ", ".join(HEADINGS),
        ),
        (
            ["When", "Who", "What"],
            "The selected file must have a row of headings: " + ", ".join(HEADINGS),
        ),
    ],
    ids=["missing-and-unknown", "several-missing", "repeated", "none-known"],
)
def test_wrong_headings_are_named(headings, message):
    for name, data in (("c.csv", as_csv(GOOD, headings)), ("c.xlsx", as_xlsx(GOOD, headings))):
        result = parse_rows(name, data, SUBJECTS)
        assert result.rows == [] and result.errors == [RowError(None, "", message)], name


def test_headings_in_another_order_and_case_are_matched():
    order = [5, 0, 2, 1, 3, 4, 6, 7]
    headings = [HEADINGS[i].upper() for i in order]
    headings[4] = "Practitioner / role"
    rows = [[row[i] for i in order] for row in GOOD]
    assert parse_rows("c.csv", as_csv(rows, headings), SUBJECTS).rows == expected_good()


def file_error(result):
    assert result.rows == [] and len(result.errors) == 1 and result.errors[0].row is None
    return result.errors[0].message


def test_too_many_rows():
    rows = [GOOD[0]] * 6
    assert file_error(parse_rows("c.csv", as_csv(rows), SUBJECTS, max_rows=5)) == (
        "The file has more than 5 rows. Import at most 5 rows in one file"
    )
    assert len(parse_rows("c.csv", as_csv(rows), SUBJECTS, max_rows=6).rows) == 6


def test_file_level_refusals():
    assert file_error(parse_rows("c.csv", b"", SUBJECTS)) == "The selected file is empty"
    assert (
        file_error(parse_rows("c.csv", as_csv(GOOD), SUBJECTS, max_bytes=100))
        == "The selected file must be smaller than 100 bytes"
    )
    assert (
        file_error(parse_rows("c.csv", b"x" * 2049, SUBJECTS, max_bytes=2048))
        == "The selected file must be smaller than 2 KB"
    )
    assert file_error(parse_rows("c.csv", b"x" * 10, SUBJECTS, max_bytes=2 * 1024 * 1024)) == (
        "The selected file must have a row of headings: " + ", ".join(HEADINGS)
    )
    assert (
        file_error(parse_rows("c.pdf", b"%PDF-1.7", SUBJECTS))
        == "The selected file must be a CSV or an Excel workbook (.xlsx)"
    )
    assert file_error(parse_rows("c.csv", as_xlsx(GOOD), SUBJECTS)) == (
        "The selected file is not a CSV. Choose a CSV or an Excel workbook (.xlsx)"
    )
    assert file_error(parse_rows("c.csv", b"Date\x00\x01\x02", SUBJECTS)).startswith("The selected file is not a CSV")
    assert file_error(parse_rows("c.xlsx", as_csv(GOOD), SUBJECTS)) == (
        "The selected file could not be read. Save it again as an Excel workbook (.xlsx)"
    )
    assert file_error(parse_rows("c.csv", b"\xff\xfe\x81\x8d\x8f", SUBJECTS)) == (
        "The selected file could not be read. Save it as CSV UTF-8 and try again"
    )
    broken = as_csv([["27/03/2024", '"unterminated']]) + b'\n"x'
    assert "could not be read near line" in file_error(parse_rows("c.csv", broken, SUBJECTS))


def test_encrypted_and_old_excel_files_are_refused():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    for name in ("c.xlsx", "c.xls", "c.csv"):
        assert file_error(parse_rows(name, ole, SUBJECTS)).startswith(
            "The selected file is password protected or an old Excel file"
        )


def with_member(data: bytes, name: str, content: bytes = b"x") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr(name, content)
    return out.getvalue()


def test_macro_enabled_workbooks_are_refused():
    macros = "The selected file contains macros. Save it as an Excel workbook (.xlsx) or CSV"
    assert file_error(parse_rows("c.xlsm", as_xlsx(GOOD), SUBJECTS)) == macros
    assert file_error(parse_rows("c.xlsx", with_member(as_xlsx(GOOD), "xl/vbaProject.bin"), SUBJECTS)) == macros


def test_a_zip_that_unpacks_too_far_is_refused(monkeypatch):
    monkeypatch.setattr(chronology_io, "MAX_UNPACKED", 1024 * 1024)
    bomb = with_member(as_xlsx(GOOD), "xl/media/zeros.bin", b"\x00" * (2 * 1024 * 1024))
    assert len(bomb) < 100_000
    assert (
        file_error(parse_rows("c.xlsx", bomb, SUBJECTS))
        == "The selected file is too large to read. Save fewer rows in each file"
    )


def test_the_chronology_sheet_is_read_whatever_its_position():
    workbook = openpyxl.load_workbook(io.BytesIO(as_xlsx(GOOD[:2])))
    workbook.create_sheet("Notes", 0).append(["Nothing here"])
    out = io.BytesIO()
    workbook.save(out)
    assert parse_rows("c.xlsx", out.getvalue(), SUBJECTS).rows == expected_good()[:2]


def test_a_request_without_subjects_refuses_every_row():
    result = parse_rows("c.csv", as_csv(GOOD[:1]), [])
    assert messages(result) == ["Row 3, Subject: the request has no subjects"]


def test_semicolon_csv_imports():
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";")
    writer.writerow(HEADINGS)
    writer.writerows(GOOD)
    assert parse_rows("c.csv", out.getvalue().encode(), SUBJECTS).rows == expected_good()


def test_excel_times_as_durations_and_dates_with_times():
    from datetime import timedelta

    rows = [
        [date(2024, 3, 27), timedelta(hours=14, minutes=30), "Child C", "Nurse", "Visit", "Seen", "None", "R1"],
        [datetime(2024, 3, 28, 8, 15), None, "Child C", "Nurse", "Visit", "Seen", "None", "R2"],
        [datetime(2024, 3, 29, 8, 15), time(9, 0), "Child C", "Nurse", "Visit", "Seen", "None", "R3"],
    ]
    workbook = openpyxl.load_workbook(io.BytesIO(as_xlsx(rows)))
    workbook.active["B4"].number_format = "[h]:mm"
    out = io.BytesIO()
    workbook.save(out)
    result = parse_rows("c.xlsx", out.getvalue(), SUBJECTS)
    assert [(row.occurred_on, row.occurred_at) for row in result.rows] == [
        (date(2024, 3, 27), time(14, 30)),
        (date(2024, 3, 28), time(8, 15)),  # the time from the date cell, the Time cell being empty
        (date(2024, 3, 29), time(9, 0)),  # the Time cell wins
    ]


def test_xlsx_row_numbers_count_empty_rows_and_a_sheet_starting_lower_down():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for index, heading in enumerate(HEADINGS, 1):
        sheet.cell(row=3, column=index, value=heading)  # rows 1 and 2 do not exist in the file
    good = ["27/03/2024", "", "Child C", "Nurse", "Visit", "Seen", "None", "R1"]
    for index, value in enumerate(good, 1):
        sheet.cell(row=4, column=index, value=value)
        sheet.cell(row=12, column=index, value="bad date" if index == 1 else value)  # rows 5 to 11 are missing
    out = io.BytesIO()
    workbook.save(out)
    assert messages(parse_rows("c.xlsx", out.getvalue(), SUBJECTS)) == [
        "Row 12, Date: enter a real date, for example 27/03/2024"
    ]
