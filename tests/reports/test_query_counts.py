"""The board report runs the same number of SQL statements whatever the number of cases and updates.

Before, the page committed its audit event before rendering, which expired every loaded row
and reloaded each one by primary key (hundreds of statements at 1,000 cases), and every CRG
update of every case was loaded to find each case's latest.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.auth.models import User
from portal.cases.models import CrgUpdate
from portal.demo.generate import generate
from portal.extensions import db
from portal.reports import board
from portal.web.sqlcount import statements_counted
from tests.audit.conftest import events
from tests.support import forget_kept_pages

PAGES = {
    "page": ("/reports/board", {}),
    "fragment": ("/reports/board", {"HX-Request": "true"}),
    "word": ("/reports/board.docx", {}),
}


def statements(client, path: str, headers: dict) -> int:
    client.get(path, headers=headers)  # warm up
    forget_kept_pages()  # count the page being built, not served again
    with statements_counted() as run:
        response = client.get(path, headers=headers)
    assert response.status_code == 200, path
    return len(run)


def test_fixed_number_of_statements_at_two_sizes(demo_officer_client):
    small = {name: statements(demo_officer_client, *page) for name, page in PAGES.items()}
    small_entries = len(board.build(*_defaults()).entries)
    generate(150, seed=3)
    updates = db.session.execute(select(func.count(CrgUpdate.id))).scalar_one()
    assert updates > 500
    large = {name: statements(demo_officer_client, *page) for name, page in PAGES.items()}
    assert len(board.build(*_defaults()).entries) > small_entries + 20
    assert large == small
    assert max(large.values()) <= 15, large


def _officer():
    return db.session.execute(select(User).where(User.email == "business.office@example.org")).scalar_one()


def _defaults():
    from portal.cases.updates import meetings
    from portal.clock import london_today

    return _officer(), london_today(), meetings()[0]


def test_the_page_is_recorded_after_it_is_rendered(demo_officer_client):
    """Rendering first must not lose the audit event: one per view, with the number of cases shown."""
    response = demo_officer_client.get("/reports/board")
    assert response.status_code == 200
    [event] = events(action="reports.board_report_viewed")
    assert event.detail["cases"] == 11  # the local reviews in the table (Adult M is listed apart)


@pytest.mark.parametrize("meeting", [None, "2025-06-12", "2024-12-12"])
def test_the_latest_update_per_case_is_the_newest_meeting_up_to_the_one_asked_for(demo, meeting):
    """The one-query window function picks what walking every update newest-first picked."""
    from datetime import date

    chosen = date.fromisoformat(meeting) if meeting else None
    generate(40, seed=5)
    report = board.build(_officer(), date(2025, 9, 25), chosen)
    every = db.session.execute(
        select(CrgUpdate).order_by(CrgUpdate.case_id, CrgUpdate.meeting_on.desc(), CrgUpdate.id.desc())
    ).scalars()
    expected: dict[int, int] = {}
    for update in every:
        if chosen is None or update.meeting_on <= chosen:
            expected.setdefault(update.case_id, update.id)
    entries = report.entries + report.other_areas
    assert entries
    for entry in entries:
        assert (entry.update.id if entry.update else None) == expected.get(entry.case.id)
