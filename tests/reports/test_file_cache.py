"""The board report's Word and PDF files are built once and served again while the report is the same;
any change to the data or the parameters builds a new one (portal/reports/files.py)."""

from __future__ import annotations

import io
from datetime import date

import docx
import pytest
from sqlalchemy import select

from portal.cases.models import Case, CrgUpdate
from portal.clock import utcnow
from portal.extensions import db
from portal.reports import files
from tests.audit.conftest import events

SEPTEMBER = "/reports/board.{ext}?report_date=25&report_date=9&report_date=2025&meeting=2025-06-12"


@pytest.fixture(autouse=True)
def empty_cache():
    files.cache.clear()
    yield
    files.cache.clear()


def word_text(body: bytes) -> str:
    document = docx.Document(io.BytesIO(body))
    return "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)


@pytest.mark.parametrize("ext", ["docx", "pdf"])
def test_the_same_report_twice_is_built_once_and_each_download_is_recorded(demo_officer_client, ext):
    first = demo_officer_client.get(SEPTEMBER.format(ext=ext))
    second = demo_officer_client.get(SEPTEMBER.format(ext=ext))
    assert first.status_code == second.status_code == 200
    assert first.data == second.data
    assert (files.cache.misses, files.cache.hits) == (1, 1)
    assert len(events(action="reports.board_report_downloaded")) == 2, "a cached file is still a download"


def test_word_and_pdf_are_cached_apart(demo_officer_client):
    word = demo_officer_client.get(SEPTEMBER.format(ext="docx"))
    pdf = demo_officer_client.get(SEPTEMBER.format(ext="pdf"))
    assert word.data[:2] == b"PK" and pdf.data[:5] == b"%PDF-"
    assert files.cache.misses == 2


def test_a_new_update_gives_a_new_file(demo_officer_client):
    before = demo_officer_client.get(SEPTEMBER.format(ext="docx"))
    case = db.session.execute(select(Case).where(Case.letter == "U", Case.year == 2023)).scalar_one()
    text = "Fourth draft with the Panel."
    db.session.add(CrgUpdate(case_id=case.id, meeting_on=date(2025, 6, 12), text=text, created_at=utcnow()))
    db.session.commit()
    after = demo_officer_client.get(SEPTEMBER.format(ext="docx"))
    assert files.cache.misses == 2 and files.cache.hits == 0
    assert "Fourth draft with the Panel." in word_text(after.data)
    assert "Fourth draft with the Panel." not in word_text(before.data)


def test_a_stage_change_gives_a_new_file(demo_officer_client):
    demo_officer_client.get(SEPTEMBER.format(ext="docx"))
    case = db.session.execute(select(Case).where(Case.letter == "X", Case.year == 2021)).scalar_one()
    case.stage = "with_home_office"
    db.session.commit()
    demo_officer_client.get(SEPTEMBER.format(ext="docx"))
    assert files.cache.misses == 2


def test_other_parameters_give_another_file(demo_officer_client):
    demo_officer_client.get(SEPTEMBER.format(ext="docx"))
    other_date = "/reports/board.docx?report_date=26&report_date=9&report_date=2025&meeting=2025-06-12"
    other_meeting = "/reports/board.docx?report_date=25&report_date=9&report_date=2025&meeting=2025-04-10"
    assert demo_officer_client.get(other_date).status_code == 200
    response = demo_officer_client.get(other_meeting)
    assert response.status_code == 200
    assert files.cache.misses == 3 and files.cache.hits == 0


def test_a_file_is_kept_for_fifteen_minutes_only(demo_officer_client, clock):
    demo_officer_client.get(SEPTEMBER.format(ext="docx"))
    clock.advance(minutes=14)
    demo_officer_client.get(SEPTEMBER.format(ext="docx"))
    assert files.cache.hits == 1
    clock.advance(minutes=16)
    demo_officer_client.get(SEPTEMBER.format(ext="docx"))
    assert files.cache.misses == 2


def test_only_a_few_files_are_kept():
    cache = files.FileCache(size=2)
    for key in ("a", "b", "c"):
        cache.get_or_build(key, lambda key=key: key.encode())
    assert cache.get_or_build("a", lambda: b"rebuilt") == b"rebuilt", "the oldest went first"
    assert cache.get_or_build("c", lambda: b"rebuilt") == b"c"
