"""The audit search under the page cache (portal/web/page_cache.py, ``extra_key``): a search is
served again while no event it could show has been appended, rebuilt as soon as one is
(whoever appends it, on whatever connection), records its own event on every hit, and runs
the same statements however long the trail is."""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import select

from portal.audit import record
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.web import page_cache
from portal.web.sqlcount import statements_counted
from tests.audit.conftest import events
from tests.audit.test_pages import add_events, rows_of
from tests.conftest import page_text
from tests.support import forget_kept_pages

SEARCH = "/admin/audit?action=case.viewed"
ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


def hits(app) -> int:
    return page_cache.store(app).hits


@pytest.fixture
def admin(make_user, login_as):
    client = login_as(make_user("Ada Admin", system_role="admin"))
    assert client.get("/account").status_code == 200  # the first page sets the CSRF cookie: never kept
    # The first search puts "audit.searched" in the filter's list of actions, changing every search.
    assert client.get("/admin/audit").status_code == 200
    return client


@pytest.fixture
def viewer(make_user, login_as):
    """Somebody else, in their own session, who views cases (a ``case.viewed`` event each time)."""
    client = login_as(make_user("Bea Office", system_role="business_office"))
    assert client.get("/account").status_code == 200
    return client


def searched() -> int:
    return len(events(action="audit.searched"))


def test_served_again_while_nothing_matching_is_appended_and_recorded_on_every_hit(app, clock, admin, make_case):
    case = make_case("H", 2022)
    add_events(clock, 3, "case.viewed", object_type="case", object_id=case.id, case_id=case.id)
    add_events(clock, 1, "auth.sign_in")  # an action already in the filter's list
    first = admin.get(SEARCH)
    assert "3 events" in page_text(first)
    before, recorded = hits(app), searched()
    again = admin.get(SEARCH)
    assert hits(app) == before + 1
    assert len(rows_of(again)) == 3 and all("DHR Case H 2022" in row for row in rows_of(again))
    assert page_text(again) == page_text(first)
    assert searched() == recorded + 1  # the hit records the search as the view did
    [last] = events(action="audit.searched")[-1:]
    assert last.detail == {"action": "case.viewed"} and last.actor_id is not None
    # Events the search cannot show (another action, already in the list) leave it as it was.
    add_events(clock, 2, "auth.sign_in")
    admin.get(SEARCH)
    assert hits(app) == before + 2
    assert searched() == recorded + 2


def test_rebuilt_as_soon_as_another_sessions_view_appends_a_matching_event(app, admin, viewer, make_case):
    case = make_case("H", 2022)
    assert viewer.get(f"/cases/{case.id}").status_code == 200
    assert "1 event" in page_text(admin.get(SEARCH))
    before = hits(app)
    admin.get(SEARCH)
    assert hits(app) == before + 1
    assert viewer.get(f"/cases/{case.id}").status_code == 200  # another person, another session
    before = hits(app)  # (the viewer's page may be a hit of its own: its view recorded again)
    rebuilt = admin.get(SEARCH)
    assert hits(app) == before
    assert "2 events" in page_text(rebuilt)
    assert all("Bea Office" in row for row in rows_of(rebuilt))


def test_rebuilt_as_soon_as_a_matching_event_is_appended_on_the_same_connection(app, clock, admin, make_case):
    case = make_case("H", 2022)
    add_events(clock, 1, "case.viewed", case_id=case.id)
    admin.get(SEARCH)
    admin.get(SEARCH)
    before = hits(app)
    record("case.viewed", case_id=case.id)  # the tests' own session and connection
    db.session.commit()
    assert "2 events" in page_text(admin.get(SEARCH))
    assert hits(app) == before


def test_a_new_action_in_the_filters_list_rebuilds_it(app, clock, admin):
    add_events(clock, 1, "case.viewed")
    admin.get(SEARCH)
    before = hits(app)
    add_events(clock, 1, "trawl.chronology_exported")  # matches nothing, but the list shows it
    html = admin.get(SEARCH).get_data(as_text=True)
    assert hits(app) == before
    assert 'value="trawl.chronology_exported"' in html


def test_a_later_page_is_rebuilt_when_a_new_event_shifts_it(app, clock, admin):
    add_events(clock, 60, "case.viewed")
    second = "/admin/audit?action=case.viewed&page=2"
    assert len(rows_of(admin.get(second))) == 10
    admin.get(second)
    before = hits(app)
    add_events(clock, 1, "case.viewed")
    shifted = admin.get(second)
    assert hits(app) == before
    assert len(rows_of(shifted)) == 11 and "showing 51 to 61" in page_text(shifted)


def test_a_search_that_shows_its_own_event_is_never_served_again(app, admin):
    """An unfiltered search lists the searches too: each request shows the one before it."""
    first = admin.get("/admin/audit")
    before = hits(app)
    second = admin.get("/admin/audit")
    assert hits(app) == before
    assert len(rows_of(second)) == len(rows_of(first)) + 1
    assert "Searched the audit trail" in rows_of(second)[0]


def test_nobody_else_gets_a_kept_search(app, admin, viewer, make_user, login_as):
    admin.get(SEARCH)
    admin.get(SEARCH)
    for client in (viewer, login_as(make_user("Sam Stranger"))):
        assert client.get(SEARCH).status_code == 403
        assert client.get(SEARCH).status_code == 403


@pytest.mark.committed
@pytest.mark.postgres_only
@pytest.mark.skipif(not ON_POSTGRES, reason="several lanes need PostgreSQL (TEST_DATABASE_URL)")
def test_an_older_event_committed_after_a_newer_one_still_rebuilds_it(app, admin):
    """On PostgreSQL writers on different lanes commit in any order, so an event can appear after
    one with a higher id: the newest id alone would keep the page; the count does not."""
    record("case.viewed", object_id="first")
    db.session.commit()
    inserted, release, errors = threading.Event(), threading.Event(), []

    def slow_writer():
        try:
            with app.app_context():
                record("case.viewed", object_id="slow")  # holds its lane, its row not yet committed
                inserted.set()
                assert release.wait(60)
                db.session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)
            inserted.set()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    try:
        assert inserted.wait(60)
        record("case.viewed", object_id="fast")  # another lane, a higher id, committed first
        db.session.commit()
        assert "2 events" in page_text(admin.get(SEARCH))
        before = hits(app)
        admin.get(SEARCH)
        assert hits(app) == before + 1
    finally:
        release.set()
        writer.join(60)
    assert errors == []
    slow, fast = (
        db.session.scalar(select(AuditEvent.id).where(AuditEvent.object_id == name)) for name in ("slow", "fast")
    )
    assert slow < fast  # the case this is about: the lower id became visible last
    before = hits(app)
    rebuilt = admin.get(SEARCH)
    assert hits(app) == before
    assert "3 events" in page_text(rebuilt) and len(rows_of(rebuilt)) == 3


def _miss_and_hit(client, url: str) -> tuple[int, int]:
    client.get(url)
    forget_kept_pages()
    with statements_counted() as built:
        assert client.get(url).status_code == 200
    with statements_counted() as served:
        assert client.get(url).status_code == 200
    return tuple(len([t for t in run if "SAVEPOINT" not in t]) for run in (built, served))  # the page's, not the tests'


URLS = (
    SEARCH,
    "/admin/audit?action=case.viewed&page=2",
    "/admin/audit?outcome=denied",
    "/admin/audit?action=auth.sign_in",
)


def test_the_same_statements_however_long_the_trail(app, clock, admin, make_case, make_user):
    """Each row's case comes with the rows, and the people events are about in one look-up for
    the page: nothing per row, so nothing more for a longer trail."""
    people = [make_user(f"Person {n}") for n in range(3)]
    cases = [make_case() for _ in range(3)]

    def grow(count: int) -> None:
        for n in range(count):
            clock.advance(seconds=1)
            case, person = cases[n % 3], people[n % 3]
            record("case.viewed", object_type="case", object_id=case.id, case_id=case.id)
            record("auth.sign_in", object_type="user", object_id=person.id, actor=person)
            record("access.denied", outcome="denied", object_type="user", object_id=person.id, case_id=999_999)
        db.session.commit()

    grow(2)
    small = {url: _miss_and_hit(admin, url) for url in URLS}
    grow(80)
    large = {url: _miss_and_hit(admin, url) for url in URLS}
    assert large == small
    # Built: the session and user, the filter's lists, the key, the search's event, the count,
    # the rows (and the people they are about), the navigation's roles. Served again: the
    # session and user, the key's two reads, the event (three statements on SQLite, fewer on
    # PostgreSQL).
    assert all(built <= 12 and served <= 7 for built, served in small.values()), small
    assert "User: Person 1" in page_text(admin.get("/admin/audit?action=auth.sign_in"))
