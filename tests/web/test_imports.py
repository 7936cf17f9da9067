"""portal/web/imports.py: the file checks, readers and cell parsing every spreadsheet import shares."""

from __future__ import annotations

import csv
import io
import zipfile
from contextlib import closing
from datetime import date, datetime, time, timedelta

import openpyxl
import pytest

from portal.web.imports import (
    MESSAGES,
    CellError,
    Formula,
    Refused,
    RowError,
    cell_text,
    check_size,
    csv_rows,
    heading_key,
    parse_date,
    parse_time,
    row_error,
    xlsx_rows,
)

CAP = 10 * 1024 * 1024


def workbook(*rows, title="Sheet") -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    book.active.title = title
    for row in rows:
        book.active.append(list(row))
    return book


def saved(book: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rewritten(data: bytes, *, add: dict[str, bytes] | None = None, replace: tuple[bytes, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            target.writestr(item, content.replace(*replace) if replace else content)
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def read(data: bytes, **kwargs) -> list[list]:
    with closing(xlsx_rows(data, max_unpacked=kwargs.pop("max_unpacked", CAP), **kwargs)) as rows:
        return list(rows)


def refusal(data: bytes, **kwargs) -> str:
    with pytest.raises(Refused) as caught:
        read(data, **kwargs)
    assert caught.value.message == MESSAGES[caught.value.reason]
    return caught.value.reason


def test_row_errors_name_the_row_and_column_as_the_person_sees_them():
    assert row_error(4, "Date", "enter a real date") == RowError(4, "Date", "Row 4, Date: enter a real date")
    assert row_error(4, None, "the headings are wrong").message == "Row 4: the headings are wrong"
    assert row_error(None, "", "The selected file is empty") == RowError(None, "", "The selected file is empty")
    assert str(RowError(2, "Time", "Row 2, Time: enter a time")) == "Row 2, Time: enter a time"


def test_size_checks():
    with pytest.raises(Refused) as caught:
        check_size(b"", 100)
    assert (caught.value.reason, caught.value.message) == ("empty", "The selected file is empty")
    with pytest.raises(Refused) as caught:
        check_size(b"x" * (5 * 1024 * 1024 + 1), 5 * 1024 * 1024)
    assert caught.value.message == "The selected file must be smaller than 5 MB"
    check_size(b"x" * 100, 100)  # at the limit is fine


def test_a_module_words_a_refusal_its_own_way():
    error = Refused("too_big", limit="5 MB")
    assert error.worded({}) == "The selected file must be smaller than 5 MB"
    assert error.worded({"too_big": "Too big: under {limit}, please"}) == "Too big: under 5 MB, please"
    assert Refused("headings", "Use the template's headings").message == "Use the template's headings"


def test_xlsx_values_formulas_and_row_numbers():
    book = workbook(("Date", "Count", "Sum"), (datetime(2024, 3, 27), 3, "=B2*2"))
    book.active.cell(row=5, column=1, value="after a gap")  # rows 3 and 4 do not exist in the file
    rows = read(saved(book), max_col=3)
    assert rows[0] == ["Date", "Count", "Sum"]
    assert rows[1] == [datetime(2024, 3, 27), 3, Formula("=B2*2")]
    assert rows[2] == rows[3] == [None, None, None]  # missing rows still count, so row 5 is rows[4]
    assert rows[4] == ["after a gap", None, None]


def test_xlsx_escapes_are_decoded_once():
    data = rewritten(saved(workbook(("TEXT",))), replace=(b"TEXT", b"a_x000B_b_x005F_x000B_"))
    assert read(data) == [["a\x0bb_x000B_"]]  # _x005F_ is a literal underscore; cell_text cleans the rest
    assert cell_text(read(data)[0][0]) == "a\nb_x000B_"


def test_xlsx_sheet_is_the_named_visible_one_else_the_first_visible():
    book = workbook(("first",), title="Notes")
    book.create_sheet("Hidden").append(["hidden"])
    book["Hidden"].sheet_state = "hidden"
    book.create_sheet("Chronology").append(["wanted"])
    book.move_sheet("Hidden", offset=-1)  # the hidden sheet comes first
    data = saved(book)
    assert read(data, sheet="chronology") == [["wanted"]]
    assert read(data) == [["first"]]
    assert read(data, sheet="Missing") == [["first"]]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "compound_file", id="ole"),
        pytest.param(b"Date,Subject\n", "not_zip", id="csv"),
        pytest.param(b"PK\x03\x04not really a zip", "not_zip", id="broken-zip"),
        pytest.param(b"", "not_zip", id="nothing"),
    ],
)
def test_xlsx_files_that_are_not_zips_are_refused(data, reason):
    assert refusal(data) == reason


def test_a_zip_without_a_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hello")
    assert refusal(out.getvalue()) == "not_workbook"


def test_macros_are_refused_by_their_project_or_their_content_type():
    data = saved(workbook(("x",)))
    assert refusal(rewritten(data, add={"xl/vbaProject.bin": b"\x00" * 16})) == "macros"
    macro_type = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    plain_type = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    assert refusal(rewritten(data, replace=(plain_type, macro_type))) == "macros"


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    bomb = rewritten(saved(workbook(("x",))), add={"xl/media/zeros.bin": b"\x00" * (2 * 1024 * 1024)})
    assert len(bomb) < 100_000
    assert refusal(bomb, max_unpacked=1024 * 1024) == "unpacked_too_big"
    assert read(bomb, max_unpacked=3 * 1024 * 1024) == [["x"]]


def test_damaged_workbooks_and_sheets_are_refused():
    data = saved(workbook(("TEXT",)))
    assert refusal(rewritten(data, replace=(b"<workbook", b"<notbook"))) == "damaged"
    assert refusal(rewritten(data, replace=(b"TEXT", b"a&#8;b"))) == "damaged"  # a character XML refuses


def as_csv(rows, *, delimiter=",", encoding="utf-8-sig") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue().encode(encoding)


ROWS = [["OFFICIAL-SENSITIVE"], ["Date", "Subject", "Note"], ["27/03/2024", "Café", "a, b"]]


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(",", "utf-8-sig"), (",", "utf-8"), (",", "utf-16"), (",", "cp1252"), (";", "utf-8"), ("\t", "utf-8")],
    ids=["utf8-bom", "utf8", "utf16", "windows", "semicolon", "tab"],
)
def test_csv_encodings_and_delimiters(delimiter, encoding):
    data = as_csv(ROWS, delimiter=delimiter, encoding=encoding)
    assert list(csv_rows(data, heading_words=("date", "subject"))) == ROWS


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "compound_file", id="ole"),
        pytest.param(saved(workbook(("x",))), "not_csv", id="xlsx"),
        pytest.param(b"Date\x00\x01\x02", "not_csv", id="binary"),
        pytest.param(b"\xff\xfe\x81\x8d\x8f", "not_text", id="bad-utf16"),
    ],
)
def test_files_that_are_not_csv_text_are_refused(data, reason):
    with pytest.raises(Refused) as caught:
        list(csv_rows(data, heading_words=("date",)))
    assert caught.value.reason == reason


def test_csv_syntax_errors_name_the_line():
    with pytest.raises(Refused) as caught:
        list(csv_rows(b'Date,Subject\n27/03/2024,"unterminated\n"x', heading_words=("date",)))
    assert caught.value.message.startswith("The selected file could not be read near line 3.")


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("27/03/2024", date(2024, 3, 27)),
        ("1/4/2024", date(2024, 4, 1)),
        ("27.03.2024", date(2024, 3, 27)),
        ("27-03-2024", date(2024, 3, 27)),
        ("2024-03-27", date(2024, 3, 27)),
        ("2024-4-2", date(2024, 4, 2)),
        ("27 March 2024", date(2024, 3, 27)),
        (" 27  Mar 2024 ", date(2024, 3, 27)),
        (date(2024, 3, 27), date(2024, 3, 27)),
        (datetime(2024, 3, 27, 14, 30), date(2024, 3, 27)),
        (None, None),
        ("  ", None),
    ],
    ids=lambda value: repr(value),
)
def test_dates_that_are_read(value, day):
    assert parse_date(value) == day


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("31/02/2024", "not_real"),
        ("2024-13-01", "not_real"),
        ("next March", "not_real"),
        ("27/3/24", "short_year"),
        (45000, "not_a_date"),
        (12.5, "not_a_date"),
        (True, "not_a_date"),
        (Formula("=TODAY()"), "not_a_date"),
    ],
    ids=lambda value: repr(value),
)
def test_dates_that_are_refused(value, reason):
    with pytest.raises(CellError) as caught:
        parse_date(value)
    assert caught.value.reason == reason


def test_years_outside_the_range_are_refused_with_the_day():
    assert parse_date("31/12/2100", years=range(1990, 2101)) == date(2100, 12, 31)
    with pytest.raises(CellError) as caught:
        parse_date("01/01/2101", years=range(1990, 2101))
    assert (caught.value.reason, caught.value.day) == ("unlikely_year", date(2101, 1, 1))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("14:30", time(14, 30)),
        ("9.05", time(9, 5)),
        ("23:59:59", time(23, 59)),
        (time(14, 30, 15), time(14, 30)),
        (datetime(1899, 12, 30, 8, 15), time(8, 15)),  # a time typed into Excel alone
        (timedelta(hours=14, minutes=30), time(14, 30)),  # a cell formatted [h]:mm
        (None, None),
        ("", None),
    ],
    ids=lambda value: repr(value),
)
def test_times_that_are_read(value, expected):
    assert parse_time(value) == expected


@pytest.mark.parametrize(
    "value",
    ["25:00", "noon", "12:60", datetime(2024, 3, 27, 8, 15), timedelta(days=1), 0.5],
    ids=lambda value: repr(value),
)
def test_times_that_are_refused(value):
    with pytest.raises(CellError) as caught:
        parse_time(value)
    assert caught.value.reason == "not_a_time"


def test_cell_text():
    assert cell_text(None) == ""
    assert cell_text(12345.0) == "12345" and cell_text(2.5) == "2.5"
    assert cell_text(True) == "TRUE"
    assert cell_text(datetime(2024, 3, 27)) == "27/03/2024"
    assert cell_text(datetime(2024, 3, 27, 9, 5)) == "27/03/2024 09:05"
    assert cell_text(time(9, 5)) == "09:05"
    assert cell_text("  a\x00b\x0bc\r\nd\re  ") == "  ab\nc\nd\ne  "  # cleaned, not trimmed
    assert cell_text(Formula("=A1")) == "=A1"


def test_heading_keys():
    assert heading_key("  Practitioner / ROLE ") == heading_key("Practitioner or role") == "practitioner or role"
    assert heading_key("Date of completion & outcome") == "date of completion and outcome"
    assert heading_key("Target date*") == heading_key("Target date:") == "target date"
    assert heading_key("Scope of recommendation (local / regional / national)") == "scope of recommendation"
    assert heading_key(None) == heading_key(Formula("=A1")) == ""


def test_the_imports_share_one_row_error_and_keep_their_names():
    from portal.actions import template_io
    from portal.trawl import chronology_io

    assert chronology_io.RowError is template_io.RowError is RowError
    for name in ("COLUMNS", "HEADINGS", "LIMITS", "MAX_BYTES", "NOTE", "ImportedRow", "ImportResult"):
        assert hasattr(chronology_io, name), name
    for name in ("HOME_OFFICE_COLUMNS", "SCOPES", "MAX_BYTES", "ImportedAction", "ImportedRecommendation"):
        assert hasattr(template_io, name), name
