"""The Home Office submission pack read back as the Home Office would: unzipped, each file opened."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date

import docx
import openpyxl
import pytest

from portal.submission.anonymisation import Identity, Passage, check, extract_text
from portal.submission.pack import (
    FIXED_TIME,
    CoveringSheet,
    PackFile,
    build_pack,
    entry_name,
    pack_manifest,
)
from portal.web.exports import MARKING, xlsx_bytes

from .test_anonymisation import docx_bytes, pdf_bytes

HOME_OFFICE_COLUMNS = [
    "Recommendation",
    "Scope of recommendation (local / regional / national)",
    "Action to take",
    "Lead agency",
    "Key milestones achieved in enacting recommendation",
    "Target date",
    "Date of completion and outcome",
]
IDENTITIES = [
    Identity("name", "Jane Eleanor Smith", "Victim (Adult A)"),
    Identity("date_of_birth", date(1980, 3, 1), "Victim (Adult A)"),
    Identity("address", "14 Acacia Avenue, Leamington Spa, CV34 4RL", "Victim (Adult A)"),
    Identity("name", "Robert Smith", "Perpetrator (Adult B)"),
]
SHEET = CoveringSheet(
    case_reference="DHR Case X 2021",
    csp="Safer Warwickshire Partnership",
    dates=[
        ("Notified", date(2021, 2, 3)),
        ("Signed off by the CRG", date(2025, 9, 25)),
        ("Sent to the Home Office", None),
    ],
)


@pytest.fixture(scope="module")
def signed_off():
    overview = docx_bytes(["Overview Report", "Adult A lived in Warwickshire with her two children."])
    summary = pdf_bytes(["Executive Summary. Adult A and Adult B had been together for ten years."], width="12cm")
    plan = xlsx_bytes(
        "Action plan: DHR Case X 2021",
        HOME_OFFICE_COLUMNS,
        [("1. Training on coercive control", "Local", "Deliver training", "Police", "", date(2026, 3, 1), "")],
    )
    return [PackFile("Overview Report v3.docx", overview), PackFile("Executive Summary v2.pdf", summary)], plan


def read(pack: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(pack)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_pack_holds_exactly_the_signed_off_files_byte_for_byte_and_the_action_plan(signed_off):
    files, plan = signed_off
    pack, digest = build_pack(files, covering_sheet=SHEET, action_plan_xlsx=plan)
    assert digest == hashlib.sha256(pack).hexdigest()
    entries = read(pack)
    assert list(entries) == [
        "README.txt",
        "Action plan.xlsx",
        "Covering sheet DHR Case X 2021.docx",
        "Executive Summary v2.pdf",
        "Overview Report v3.docx",
    ]
    assert entries["Overview Report v3.docx"] == files[0].data
    assert entries["Executive Summary v2.pdf"] == files[1].data
    assert entries["Action plan.xlsx"] == plan
    sheet = openpyxl.load_workbook(io.BytesIO(entries["Action plan.xlsx"])).active
    assert [cell.value for cell in sheet[3]] == HOME_OFFICE_COLUMNS


def test_the_covering_sheet_has_the_case_reference_csp_dates_and_marking_and_no_identity(signed_off):
    files, plan = signed_off
    pack, _ = build_pack(files, covering_sheet=SHEET, action_plan_xlsx=plan)
    sheet = read(pack)["Covering sheet DHR Case X 2021.docx"]
    document = docx.Document(io.BytesIO(sheet))
    text = "\n".join(p.text for p in document.paragraphs)
    assert text.startswith(MARKING)
    assert "Case reference: DHR Case X 2021" in text
    assert "Community Safety Partnership: Safer Warwickshire Partnership" in text
    assert "Overview Report v3.docx" in text and "Action plan.xlsx" in text
    (table,) = document.tables
    assert [[cell.text for cell in row.cells] for row in table.rows] == [
        ["Stage", "Date"],
        ["Notified", "3 February 2021"],
        ["Signed off by the CRG", "25 September 2025"],
        ["Sent to the Home Office", "Not recorded"],
    ]
    for section in document.sections:
        assert MARKING in section.header.paragraphs[0].text
        assert MARKING in section.footer.paragraphs[0].text
    assert MARKING in document.core_properties.title


def test_no_restricted_identity_in_any_file_of_the_pack(signed_off):
    files, plan = signed_off
    pack, _ = build_pack(files, covering_sheet=SHEET, action_plan_xlsx=plan)
    entries = read(pack)
    passages = [
        *extract_text("docx", entries["Covering sheet DHR Case X 2021.docx"]),
        *extract_text("docx", entries["Overview Report v3.docx"]),
        *extract_text("pdf", entries["Executive Summary v2.pdf"]),
        Passage("README", entries["README.txt"].decode()),
    ]
    workbook = openpyxl.load_workbook(io.BytesIO(entries["Action plan.xlsx"]))
    passages += [Passage("Action plan", str(c.value)) for row in workbook.active.iter_rows() for c in row if c.value]
    assert check(passages, IDENTITIES) == []
    # The check would have seen one: the same passages with a name added.
    assert check([*passages, Passage("README", "Robert Smith")], IDENTITIES) != []


def test_the_readme_lists_every_file_with_its_sha256_and_the_marking(signed_off):
    files, plan = signed_off
    pack, _ = build_pack(files, covering_sheet=SHEET, action_plan_xlsx=plan)
    manifest = pack_manifest(pack)
    readme = read(pack)["README.txt"].decode()
    lines = readme.split("\r\n")
    assert lines[0] == MARKING and MARKING in lines[-2]
    assert "Home Office submission pack: DHR Case X 2021" in readme
    listed = [line for line in lines if len(line) > 66 and line[64:66] == "  "]
    assert listed == [f"{sha}  {name}" for name, sha in manifest[1:]]
    assert manifest[0][0] == "README.txt"


def test_the_same_inputs_give_the_same_bytes_and_hash(signed_off):
    files, plan = signed_off
    first = build_pack(files, covering_sheet=SHEET, action_plan_xlsx=plan)
    again = build_pack(list(reversed(files)), covering_sheet=SHEET, action_plan_xlsx=plan)
    assert first == again
    # Timestamps are fixed, the covering sheet's own zip too: a later build cannot differ.
    entries = read(first[0])
    with zipfile.ZipFile(io.BytesIO(first[0])) as archive:
        assert {item.date_time for item in archive.infolist()} == {FIXED_TIME}
    with zipfile.ZipFile(io.BytesIO(entries["Covering sheet DHR Case X 2021.docx"])) as sheet:
        assert {item.date_time for item in sheet.infolist()} == {FIXED_TIME}
    # And other inputs another hash.
    changed = CoveringSheet(
        SHEET.case_reference, SHEET.csp, [*SHEET.dates[:2], ("Sent to the Home Office", date(2025, 10, 1))]
    )
    assert build_pack(files, covering_sheet=changed, action_plan_xlsx=plan)[1] != first[1]
    assert build_pack(files[:1], covering_sheet=SHEET, action_plan_xlsx=plan)[1] != first[1]


def test_entry_names_are_safe_and_unique():
    files = [
        PackFile("../../etc/passwd", b"1"),
        PackFile("C:\\Users\\author\\Évaluation été.docx", b"2"),
        PackFile("CON.pdf", b"3"),
        PackFile("report.pdf", b"4"),
        PackFile("Report.pdf", b"5"),
        PackFile("README.txt", b"6"),
        PackFile("x" * 300 + ".pdf", b"7"),
        PackFile('a"b<c>d|e?f*.pdf', b"8"),
        PackFile("..", b"9"),
    ]
    pack, _ = build_pack(files, covering_sheet=SHEET, action_plan_xlsx=None)
    names = [name for name, _ in pack_manifest(pack)]
    assert len(names) == len(set(name.lower() for name in names)) == len(files) + 2
    for name in names:
        assert name.isascii() and "/" not in name and "\\" not in name and name not in {".", ".."}
        assert not name.startswith(".") and len(name) <= 100
    assert "passwd" in names and "Evaluation ete.docx" in names and "_CON.pdf" in names
    assert {"report.pdf", "Report (2).pdf"} <= set(names) or {"Report.pdf", "report (2).pdf"} <= set(names)
    assert "README.txt" in names and "README (2).txt" in names and "Action plan.xlsx" not in names
    assert read(pack)["README (2).txt"] == b"6"
    assert entry_name("x" * 300 + ".pdf") == "x" * 96 + ".pdf"
