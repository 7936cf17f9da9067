"""The action plan in the Home Office template: exports read back, imports clean or refused row by row."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from types import SimpleNamespace

import docx
import openpyxl
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn

from portal.actions.template_io import (
    HOME_OFFICE_COLUMNS,
    ImportedAction,
    ImportedRecommendation,
    parse_plan,
    plan_docx,
    plan_xlsx,
)

MARKING = "OFFICIAL-SENSITIVE"
AGENCIES = {"Leicestershire Police": 1, "Adult Social Care": 2, "Leicester City Council Housing": 3}
PAYLOAD = "<script>alert(1)</script>"


def action(text, agency, *, milestones="", target=None, completed=None, outcome="", status="not_started"):
    return SimpleNamespace(
        text=text,
        lead_agency_name=agency,
        milestones=milestones,
        target_date=target,
        completed_on=completed,
        outcome=outcome,
        status=status,
    )


def recommendation(number, text, scope, actions, *, source="Overview Report", themes=()):
    return SimpleNamespace(
        number=number, text=text, scope=scope, source_label=source, themes=list(themes), actions=actions
    )


PLAN = [
    recommendation(
        1,
        "All agencies should train staff to recognise coercive and controlling behaviour.",
        "local",
        [
            action(
                "Deliver coercive control training to all response officers",
                "Leicestershire Police",
                milestones="Course written\nFirst cohort trained",
                target=date(2026, 3, 31),
                status="in_progress",
            ),
            action(
                '=HYPERLINK("http://evil.example","Audit")',  # typed by someone: must stay inert
                "Adult Social Care",
                target=date(2025, 6, 30),
                completed=date(2025, 6, 12),
                outcome="Audit of 40 cases completed; report to the CSP",
                status="complete",
            ),
        ],
        themes=["Coercive control", "Training"],
    ),
    recommendation(
        2,
        f"Housing should review tenancy transfers for victims {PAYLOAD}",
        "regional",
        [action("Review the transfer policy", "Leicester City Council Housing", target=date(2026, 1, 15))],
        source="Housing IMR",
    ),
    recommendation(3, "The Home Office should publish guidance on DARDRs.", "national", []),
]


def workbook_bytes(rows, *, headings=HOME_OFFICE_COLUMNS, above=()):
    """A file as a person would fill the template in Excel (normal mode, headings in row 1)."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in above:
        sheet.append(list(row))
    sheet.append(list(headings))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- Export ------------------------------------------------------------------------------------


def test_excel_export_reads_back_with_the_template_columns_in_order():
    data = plan_xlsx(PLAN, case_reference="DHR Case X 2021")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == MARKING
    assert rows[1][0] == "Action plan: DHR Case X 2021"
    assert rows[2] == HOME_OFFICE_COLUMNS
    assert MARKING in sheet.oddHeader.center.text and MARKING in sheet.oddFooter.center.text
    body = rows[3:]
    assert len(body) == 4  # one row per action; the recommendation without actions has its own row
    first, second, third, fourth = body
    # The recommendation and scope repeat on every row of its actions.
    assert first[0] == second[0]
    assert first[0].startswith("1. All agencies should train staff")
    assert "Source: Overview Report" in first[0] and "Themes: Coercive control, Training" in first[0]
    assert first[1:5] == (
        "Local",
        "Deliver coercive control training to all response officers",
        "Leicestershire Police",
        "Course written\nFirst cohort trained",
    )
    assert first[5] == datetime(2026, 3, 31)  # a real date cell
    assert sheet.cell(row=4, column=6).is_date
    assert second[2].startswith("'=HYPERLINK")  # safe_cell: never a formula
    assert sheet.cell(row=5, column=3).data_type == "s"
    # Dates read as in Word: the date cell's format and the completion column's text.
    assert sheet.cell(row=4, column=6).number_format == "d mmmm yyyy"
    assert second[6] == "12 June 2025: Audit of 40 cases completed; report to the CSP"
    assert third[0].startswith("2. Housing should review") and PAYLOAD in third[0]
    assert third[1] == "Regional"
    assert fourth[0].startswith("3. The Home Office") and fourth[1] == "National" and fourth[2] is None


def test_word_export_reads_back_landscape_marked_with_recommendations_merged():
    data = plan_docx(PLAN, case_reference="DHR Case X 2021")
    document = docx.Document(io.BytesIO(data))
    section = document.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE and section.page_width > section.page_height
    assert section.header.paragraphs[0].text == MARKING
    assert section.footer.paragraphs[0].text == MARKING
    assert document.paragraphs[0].text == MARKING  # the first line of the document
    table = document.tables[0]
    assert tuple(cell.text for cell in table.rows[0].cells) == HOME_OFFICE_COLUMNS
    body = [[cell.text for cell in row.cells] for row in table.rows[1:]]
    assert len(body) == 4
    assert body[0][0].startswith("1. All agencies should train staff") and body[0][1] == "Local"
    assert body[0][5] == "31 March 2026"
    assert body[1][2].startswith("'=HYPERLINK")
    assert body[1][6] == "12 June 2025: Audit of 40 cases completed; report to the CSP"
    assert PAYLOAD in body[2][0]
    # Merged, not repeated: the second row's recommendation and scope cells continue the first.
    rows = table._tbl.findall(qn("w:tr"))
    first_cells, second_cells = rows[1].findall(qn("w:tc")), rows[2].findall(qn("w:tc"))
    for cell in first_cells[:2]:
        assert cell.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}").get(qn("w:val")) == "restart"
    for cell in second_cells[:2]:
        merge = cell.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
        assert merge is not None and merge.get(qn("w:val")) is None
    assert "".join(second_cells[0].itertext()) == ""  # the text is only in the first cell
    assert table.rows[2].cells[0].text == body[0][0]  # Word (and python-docx) show it across the merge
    # The third recommendation's single row is not merged with anything.
    assert rows[3].findall(qn("w:tc"))[0].find(f"{qn('w:tcPr')}/{qn('w:vMerge')}") is None


def test_exports_of_an_empty_plan():
    sheet = openpyxl.load_workbook(io.BytesIO(plan_xlsx([], case_reference="Case Q 2025"))).active
    assert [row for row in sheet.iter_rows(values_only=True)][2] == HOME_OFFICE_COLUMNS
    document = docx.Document(io.BytesIO(plan_docx([], case_reference="Case Q 2025")))
    assert len(document.tables[0].rows) == 1


def test_control_characters_are_dropped_from_exports():
    plan = [recommendation(1, "Share\x0binformation\x00 promptly", "local", [action("Act\x1b[31m now", "Police")])]
    sheet = openpyxl.load_workbook(io.BytesIO(plan_xlsx(plan, case_reference="X"))).active
    assert sheet.cell(row=4, column=1).value.startswith("1. Share\ninformation promptly")
    assert sheet.cell(row=4, column=3).value == "Act[31m now"
    document = docx.Document(io.BytesIO(plan_docx(plan, case_reference="X")))
    assert document.tables[0].rows[1].cells[2].text == "Act[31m now"


# -- Import ------------------------------------------------------------------------------------


def test_the_portal_export_imports_back_as_the_same_plan():
    result = parse_plan("plan.xlsx", plan_xlsx(PLAN, case_reference="DHR Case X 2021"), AGENCIES)
    assert result.errors == []
    assert result.recommendations == [
        ImportedRecommendation(
            1,
            "All agencies should train staff to recognise coercive and controlling behaviour.",
            "local",
            [
                ImportedAction(
                    "Deliver coercive control training to all response officers",
                    1,
                    "Course written\nFirst cohort trained",
                    date(2026, 3, 31),
                    "",
                ),
                ImportedAction(
                    '=HYPERLINK("http://evil.example","Audit")',  # as typed; escaped again on the way out
                    2,
                    "",
                    date(2025, 6, 30),
                    "12 June 2025: Audit of 40 cases completed; report to the CSP",
                ),
            ],
        ),
        ImportedRecommendation(
            2,
            f"Housing should review tenancy transfers for victims {PAYLOAD}",
            "regional",
            [ImportedAction("Review the transfer policy", 3, "", date(2026, 1, 15), "")],
        ),
        ImportedRecommendation(3, "The Home Office should publish guidance on DARDRs.", "national", []),
    ]


def test_a_clean_file_filled_in_by_hand_builds_the_recommendations_and_actions():
    rows = [
        ("Train staff on coercive control", "Local", "Train response officers", "leicestershire police",
         "Course written", datetime(2026, 3, 31), ""),
        (None, None, "Train social workers", "ADULT SOCIAL CARE", None, "30/06/2026", None),
        ("Share information within one working day", "National ", "Agree a protocol", "Leicestershire  Police",
         None, "2026-01-15", "15/01/2026 protocol signed"),
        ("  train staff on  coercive control ", "local", "Refresher each year", "Adult Social Care",
         None, "1/4/2027", None),
        (None, None, None, None, None, None, None),  # blank rows are skipped
        ("Recommendation 7: Housing to review transfers", "regional", "Review the policy",
         "Leicester City Council Housing", None, "25 September 2026", None),
    ]  # fmt: skip
    result = parse_plan("Plan.XLSX", workbook_bytes(rows), AGENCIES)
    assert result.errors == [] and result.ok
    first, second, third = result.recommendations
    assert (first.number, first.text, first.scope) == (1, "Train staff on coercive control", "local")
    assert first.actions == [
        ImportedAction("Train response officers", 1, "Course written", date(2026, 3, 31), ""),
        ImportedAction("Train social workers", 2, "", date(2026, 6, 30), ""),
        ImportedAction("Refresher each year", 2, "", date(2027, 4, 1), ""),  # same text further down: grouped
    ]
    assert (second.number, second.text, second.scope) == (2, "Share information within one working day", "national")
    assert second.actions == [
        ImportedAction("Agree a protocol", 1, "", date(2026, 1, 15), "15/01/2026 protocol signed")
    ]
    assert (third.number, third.text, third.scope) == (7, "Housing to review transfers", "regional")
    assert third.actions[0].target_date == date(2026, 9, 25)


def test_a_file_with_bad_rows_names_every_one_and_imports_nothing():
    rows = [
        (None, None, "An action with no recommendation", "Leicestershire Police", None, None, None),  # row 2
        ("Train staff", "local", "Train officers", "Leics Polce", None, "31/02/2026", None),  # row 3
        (None, None, None, "Adult Social Care", None, "next March", None),  # row 4
        ("Share information", "county-wide", "Agree a protocol", "Adult Social Care", None, "15/01/26", None),  # 5
        ("Review housing", None, "Review the policy", None, None, 45000, None),  # row 6
        ("Train staff", "national", "Refresher", "Adult Social Care", None, None, None),  # row 7
        ("24 hour cover", "local", "Set up a rota", "Adult Social Care", None, "31/12/2025", None),  # row 8: fine
    ]
    result = parse_plan("plan.xlsx", workbook_bytes(rows), AGENCIES)
    assert result.recommendations == []
    assert [(error.row, error.column) for error in result.errors] == [
        (2, "Recommendation"),
        (3, "Lead agency"),
        (3, "Target date"),
        (4, "Action to take"),
        (4, "Target date"),
        (5, "Scope of recommendation"),
        (5, "Target date"),
        (6, "Scope of recommendation"),
        (6, "Lead agency"),
        (6, "Target date"),
        (7, "Scope of recommendation"),
    ]
    messages = [error.message for error in result.errors]
    how = "enter it as DD/MM/YYYY, for example 31/03/2026"
    assert messages[0] == "Row 2, Recommendation: enter the recommendation"
    assert messages[1] == (
        "Row 3, Lead agency: 'Leics Polce' is not an agency in the portal: did you mean 'Leicestershire Police'?"
    )
    assert messages[2] == f"Row 3, Target date: '31/02/2026' is not a real date: {how}"
    assert messages[3] == "Row 4, Action to take: enter the action to take"
    assert messages[5] == (
        "Row 5, Scope of recommendation: 'county-wide' is not a scope: enter local, regional or national"
    )
    assert messages[6] == f"Row 5, Target date: '15/01/26' is not a real date: {how}"
    assert messages[9] == f"Row 6, Target date: '45000' is not a date: {how}"
    assert messages[7] == "Row 6, Scope of recommendation: enter the scope: local, regional or national"
    assert messages[8] == "Row 6, Lead agency: enter the lead agency"
    assert messages[10] == (
        "Row 7, Scope of recommendation: 'national' differs from 'local' given for this recommendation in row 3"
    )
    assert str(result.errors[0]) == messages[0]


def test_formula_cells_are_refused_not_evaluated():
    rows = [
        ("Train staff", "local", "=CONCATENATE(\"Train \",\"officers\")", "Leicestershire Police", None,
         "=DATE(2026,3,31)", None),
        ("Share information", "local", "Agree a protocol", "=B1", None, None, None),
    ]  # fmt: skip
    result = parse_plan("plan.xlsx", workbook_bytes(rows), AGENCIES)
    assert result.recommendations == []
    assert [error.message for error in result.errors] == [
        "Row 2, Action to take: the cell holds a formula: type the value instead",
        "Row 2, Target date: the cell holds a formula: type the value instead",
        "Row 3, Lead agency: the cell holds a formula: type the value instead",
    ]


def test_wrong_headings_are_named():
    headings = ("Recommendation", "Scope", "Action", "Lead agency", "Milestones", "Target date")
    result = parse_plan("plan.xlsx", workbook_bytes([], headings=headings), AGENCIES)
    assert result.recommendations == []
    assert [error.message for error in result.errors] == [
        "Row 1: the headings are not the Home Office template's: column B should be headed "
        "'Scope of recommendation', not 'Scope'",
        "Row 1: the headings are not the Home Office template's: column C should be headed "
        "'Action to take', not 'Action'",
        "Row 1: the headings are not the Home Office template's: column E should be headed "
        "'Key milestones achieved in enacting recommendation', not 'Milestones'",
        "Row 1: the headings are not the Home Office template's: column G should be headed "
        "'Date of completion and outcome' but has no heading",
    ]


def test_headings_with_notes_and_titles_above_are_accepted():
    headings = list(HOME_OFFICE_COLUMNS)
    headings[1] = "Scope of recommendation (local / regional / national)"
    headings[5] = "Target date*"
    rows = [("Train staff", "Local", "Train officers", "Leicestershire Police", None, None, None)]
    result = parse_plan("plan.xlsx", workbook_bytes(rows, headings=headings, above=[("Action plan",), ()]), AGENCIES)
    assert result.errors == []
    assert result.recommendations[0].actions[0].lead_agency_id == 1


def test_a_sheet_without_the_template_is_refused():
    result = parse_plan("plan.xlsx", workbook_bytes([("a", "b")], headings=("Name", "Date")), AGENCIES)
    assert result.recommendations == []
    assert result.errors[0].row is None
    assert "Home Office template's headings" in result.errors[0].message


def test_empty_template_is_refused():
    result = parse_plan("plan.xlsx", workbook_bytes([]), AGENCIES)
    assert result.recommendations == []
    assert result.errors[0].message == "The selected file has no recommendations in it"


@pytest.mark.parametrize(
    ("filename", "data", "says"),
    [
        pytest.param("plan.csv", b"Recommendation,Scope\n", "must be an Excel workbook (.xlsx)", id="csv"),
        pytest.param("plan.xls", b"\xd0\xcf\x11\xe0", "must be an Excel workbook (.xlsx)", id="old-excel"),
        pytest.param("plan.xlsx", b"Recommendation,Scope\n", "not a real Excel workbook", id="csv-named-xlsx"),
        pytest.param("plan.xlsx", b"PK\x03\x04not really a zip", "not a real Excel workbook", id="broken-zip"),
        pytest.param(
            "plan.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "password-protected", id="password"
        ),
        pytest.param("plan.xlsx", b"PK" + b"\x00" * (5 * 1024 * 1024), "smaller than 5 MB", id="too-big"),
    ],
)
def test_non_xlsx_files_are_refused(filename, data, says):
    result = parse_plan(filename, data, AGENCIES)
    assert result.recommendations == [] and len(result.errors) == 1
    assert result.errors[0].row is None and says in result.errors[0].message


def test_a_zip_that_is_not_a_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hello")
    result = parse_plan("plan.xlsx", out.getvalue(), AGENCIES)
    assert result.recommendations == []
    assert result.errors[0].message.startswith("The selected file could not be read as an Excel workbook")


def test_a_workbook_with_macros_is_refused():
    data = workbook_bytes([("Train staff", "local", "Train officers", "Leicestershire Police", None, None, None)])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as archive:
        for item in source.infolist():
            archive.writestr(item, source.read(item))
        archive.writestr("xl/vbaProject.bin", b"\x00" * 16)  # what .xlsm files carry
    result = parse_plan("plan.xlsx", out.getvalue(), AGENCIES)
    assert result.recommendations == [] and "macros" in result.errors[0].message


def test_too_many_rows_are_refused():
    rows = [(f"Recommendation {n}", "local", "Act", "Adult Social Care", None, None, None) for n in range(1, 12)]
    assert parse_plan("plan.xlsx", workbook_bytes(rows), AGENCIES, max_rows=11).ok
    result = parse_plan("plan.xlsx", workbook_bytes(rows), AGENCIES, max_rows=10)
    assert result.recommendations == []
    assert result.errors[0].message == "The selected file has more than 10 rows: split it into smaller files"


def rewritten(data: bytes, old: bytes, new: bytes) -> bytes:
    """``data`` (an xlsx) with ``old`` replaced by ``new`` in its sheet XML: what openpyxl cannot write."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as archive:
        for item in source.infolist():
            archive.writestr(item, source.read(item).replace(old, new))
    return out.getvalue()


def test_control_characters_are_cleaned_on_import():
    # Excel stores characters XML refuses as _xHHHH_: a Word line break (vertical tab) is _x000B_.
    rows = [("TEXT1", "local", "TEXT2", "Leicestershire Police", "TEXT3", None, None)]
    data = workbook_bytes(rows)
    data = rewritten(data, b"TEXT1", b"Train_x000B_staff_x0000_")
    data = rewritten(data, b"TEXT2", b"Train_x001B_ officers")
    data = rewritten(data, b"TEXT3", b"a_x000C_b_x005F_x000B_")  # _x005F_ is a literal underscore
    result = parse_plan("plan.xlsx", data, AGENCIES)
    assert result.errors == []
    rec = result.recommendations[0]
    assert rec.text == "Train\nstaff"
    assert rec.actions[0].action == "Train officers"
    assert rec.actions[0].milestones == "a\nb_x000B_"


def test_a_damaged_sheet_is_refused():
    data = rewritten(workbook_bytes([("TEXT1", "local", "Act", "Adult Social Care")]), b"TEXT1", b"a&#8;b")
    result = parse_plan("plan.xlsx", data, AGENCIES)
    assert result.recommendations == []
    assert result.errors[0].message.startswith("The selected file could not be read as an Excel workbook")


def test_duplicate_recommendation_numbers_are_named():
    rows = [
        ("1. Train staff", "local", "Train officers", "Leicestershire Police", None, None, None),
        ("1. Share information", "local", "Agree a protocol", "Adult Social Care", None, None, None),
    ]
    result = parse_plan("plan.xlsx", workbook_bytes(rows), AGENCIES)
    assert result.recommendations == []
    assert [error.message for error in result.errors] == [
        "Row 3, Recommendation: number 1 is already used by the recommendation in row 2"
    ]


def test_an_agency_is_suggested_only_when_one_is_clearly_nearest():
    rows = [
        ("Train staff", "local", "Train officers", "Leicester Police", None, None, None),
        (None, None, "Visit", "Adult Socal Care", None, None, None),
    ]
    messages = [error.message for error in parse_plan("plan.xlsx", workbook_bytes(rows), AGENCIES).errors]
    assert messages == [
        "Row 2, Lead agency: 'Leicester Police' is not an agency in the portal",
        "Row 3, Lead agency: 'Adult Socal Care' is not an agency in the portal: did you mean 'Adult Social Care'?",
    ]


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    data = workbook_bytes([("Train staff", "local", "Train officers", "Leicestershire Police", None, None, None)])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            archive.writestr(item, source.read(item))
        archive.writestr("xl/media/padding.bin", b"\x00" * (21 * 1024 * 1024))
    assert len(out.getvalue()) < 200_000
    result = parse_plan("plan.xlsx", out.getvalue(), AGENCIES)
    assert result.recommendations == [] and result.errors[0].message.startswith("The selected file is too large")
