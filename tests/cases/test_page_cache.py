"""The page cache (portal/web/page_cache.py) on the pages that use it, on in tests as in production:
a change shows at once, nobody gets another person's (or session's) page, a role change counts,
flashes are neither kept nor shown twice, each response has its own nonce, and an audited view
is recorded on every hit."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import text, update

from portal.cases.models import Case, Membership
from portal.clock import in_london, london_today
from portal.config import ConfigError
from portal.extensions import db
from portal.web import data_generation, page_cache
from portal.web.sqlcount import statements_counted
from tests.audit.conftest import events
from tests.conftest import page_text
from tests.support import once

from .conftest import date_parts

HTMX = {"HX-Request": "true"}
NONCE_RE = re.compile(r"'nonce-([A-Za-z0-9_-]+)'")


def kept(app):
    return page_cache.store(app)


def hits(app) -> int:
    return kept(app).hits


def signed_in(client):
    """Past the first page after signing in, which puts the session's CSRF token in the cookie
    (a response that sets a cookie is never kept)."""
    assert client.get("/account").status_code == 200
    return client


def nonce_of(response) -> str:
    return NONCE_RE.search(response.headers["Content-Security-Policy"]).group(1)


def without_nonce(response) -> str:
    return response.get_data(as_text=True).replace(nonce_of(response), "NONCE")


def test_the_cache_is_on_in_tests_as_in_production(app):
    assert app.config["PAGE_CACHE"] is True
    assert kept(app) is not None


def test_a_second_view_is_served_again_with_its_own_nonce_and_recorded(app, make_case, bo_client):
    case = make_case()
    signed_in(bo_client)
    first = bo_client.get(f"/cases/{case.id}")
    before = hits(app)
    with statements_counted() as statements:
        second = bo_client.get(f"/cases/{case.id}")
    assert second.status_code == 200
    assert hits(app) == before + 1
    # The same page, but each response has its own nonce, in its header and in its scripts.
    assert nonce_of(first) != nonce_of(second)
    assert without_nonce(first) == without_nonce(second)
    body = second.get_data(as_text=True)
    assert f'nonce="{nonce_of(second)}"' in body and page_cache.PLACEHOLDER not in body
    assert second.headers["Cache-Control"] == "no-store"
    # The view is recorded on the hit as it was when the page was built: the same event.
    viewed = events(action="case.viewed")
    assert len(viewed) == 2
    assert {(e.actor_id, e.object_id, e.case_id, str(e.detail)) for e in viewed} == {
        (viewed[0].actor_id, str(case.id), case.id, str({"endpoint": "cases.case_page"}))
    }
    # A hit is cheap: one statement for the session, its user and the data generation, then the
    # audit event (3 statements on SQLite, 2 on PostgreSQL).
    work = [t for t in statements if "SAVEPOINT" not in t]  # the tests' transactions, not the page's
    assert len(work) <= 4, "\n".join(t[:90] for t in work)


def test_a_change_shows_at_once(app, make_case, bo_client):
    case = make_case(pseudonym="Adult Q")
    assert "Adult Q" in page_text(bo_client.get(f"/cases/{case.id}"))
    case.pseudonym = "Adult W"  # through the ORM
    db.session.commit()
    assert "Adult W" in page_text(bo_client.get(f"/cases/{case.id}"))
    db.session.execute(update(Case).where(Case.id == case.id).values(pseudonym="Adult V"))  # bulk
    db.session.commit()
    assert "Adult V" in page_text(bo_client.get(f"/cases/{case.id}"))
    db.session.execute(text("UPDATE cases SET pseudonym = 'Adult Z' WHERE id = :id"), {"id": case.id})  # raw SQL
    db.session.commit()
    assert "Adult Z" in page_text(bo_client.get(f"/cases/{case.id}"))


def test_a_change_through_a_form_shows_at_once_and_its_flash_is_shown_once(app, make_case, bo_client):
    case = make_case(stage="commissioning", stage_entered_on=date(2025, 1, 1))
    bo_client.get(f"/cases/{case.id}")  # kept
    response = bo_client.post(
        f"/cases/{case.id}/changes/author_agreed",
        data={**once(), "occurred_on": date_parts(date(2025, 3, 3)), "version": case.version},
    )
    assert response.status_code == 302
    before = hits(app)
    with_flash = bo_client.get(f"/cases/{case.id}")
    assert "Saved: Independent author agreed" in page_text(with_flash)
    assert hits(app) == before  # a request with a flash waiting is never served from the cache
    after = bo_client.get(f"/cases/{case.id}")
    assert "Saved: Independent author agreed" not in page_text(after)  # and its page was not kept
    assert "In review" in page_text(after) or "in_review" in after.get_data(as_text=True)


def test_nobody_gets_another_persons_or_sessions_page(app, make_user, login_as, bo_client, officer):
    other_officer = make_user("Olive Other", system_role="business_office")
    mine = signed_in(bo_client).get("/home")
    theirs = login_as(other_officer).get("/home")
    assert "Owen Officer" in page_text(mine) and "Olive Other" not in page_text(mine)
    assert "Olive Other" in page_text(theirs) and "Owen Officer" not in page_text(theirs)
    # The same person in a second browser gets a page carrying that session's own CSRF token.
    second_browser = login_as(officer)
    token = re.compile(r'name="csrf_token" value="([^"]+)"')
    first_token = token.search(bo_client.get("/home").get_data(as_text=True)).group(1)
    second_token = token.search(second_browser.get("/home").get_data(as_text=True)).group(1)
    assert first_token != second_token
    # And a kept form's token still works: sign out with the token of a page served again.
    before = hits(app)
    served_again = bo_client.get("/home").get_data(as_text=True)
    assert hits(app) == before + 1
    response = bo_client.post("/sign-out", data={"csrf_token": token.search(served_again).group(1)}, csrf=False)
    assert response.status_code == 302
    assert bo_client.get("/home").status_code == 302  # signed out: the kept page is not served


def test_a_role_change_counts_at_once(app, make_case, make_user, login_as):
    case = make_case()
    author = make_user("Ann Author")
    membership = Membership(case_id=case.id, user_id=author.id, role="author")
    db.session.add(membership)
    db.session.commit()
    client = signed_in(login_as(author))
    assert client.get(f"/cases/{case.id}").status_code == 200
    before = hits(app)
    assert client.get(f"/cases/{case.id}").status_code == 200
    assert hits(app) == before + 1  # served again
    db.session.delete(membership)
    db.session.commit()
    assert client.get(f"/cases/{case.id}").status_code == 404
    # A system role given: the register shows every case at once.
    assert case.reference not in page_text(client.get("/cases"))
    author.system_role = "business_office"
    db.session.commit()
    assert case.reference in page_text(client.get("/cases"))


def test_a_membership_ending_today_ends_with_the_day(app, clock, make_case, make_user, login_as):
    now = in_london(clock())
    midnight = datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=now.tzinfo)
    clock.advance(seconds=(midnight - now).total_seconds() - 10 * 60)  # ten to midnight in London
    case = make_case()
    author = make_user("Ann Author")
    db.session.add(Membership(case_id=case.id, user_id=author.id, role="author", ends_on=london_today()))
    db.session.commit()
    client = signed_in(login_as(author))
    assert client.get(f"/cases/{case.id}").status_code == 200
    before = hits(app)
    assert client.get(f"/cases/{case.id}").status_code == 200
    assert hits(app) == before + 1
    clock.advance(minutes=20)  # the next day, same session
    assert client.get(f"/cases/{case.id}").status_code == 404


def test_the_register_fragment_is_served_again_with_its_headers(app, make_case, bo_client):
    for _ in range(3):
        make_case()
    signed_in(bo_client)
    first = bo_client.get("/cases?stage=referral", headers=HTMX)
    page = bo_client.get("/cases?stage=referral")
    before = hits(app)
    again = bo_client.get("/cases?stage=referral", headers=HTMX)
    assert hits(app) == before + 1
    assert again.headers["HX-Push-Url"] == first.headers["HX-Push-Url"]
    assert without_nonce(again) == without_nonce(first) != without_nonce(page)  # fragment, not page


def test_pages_that_were_not_a_200_are_not_kept(app, make_case, make_user, login_as):
    case = make_case()
    stranger = login_as(make_user("Sam Stranger"))
    before = hits(app)
    assert stranger.get(f"/cases/{case.id}").status_code == 404
    assert stranger.get(f"/cases/{case.id}").status_code == 404
    assert hits(app) == before
    assert len(events(action="access.denied")) == 2  # each refusal recorded by the view itself


def test_settings(app_factory, app_config):
    off = app_factory({**app_config, "PAGE_CACHE": False})
    assert page_cache.store(off) is None
    with pytest.raises(ConfigError, match="PAGE_CACHE_SECONDS"):
        app_factory({**app_config, "WTF_CSRF_TIME_LIMIT": 300, "PAGE_CACHE_SECONDS": 300})


def test_the_store_is_bounded_in_bytes_least_recently_used_first():
    store = page_cache.Store(max_bytes=3 * (1000 + 512), seconds=60)
    for name in "abc":
        store.put(name, b"x" * 1000, (), ())
    assert store.get("a") is not None  # a is now the most recently used
    store.put("d", b"x" * 1000, (), ())
    assert store.get("b") is None and store.get("a") is not None and store.get("d") is not None
    assert store.bytes <= store.max_bytes
    store.saw((5, "stamp"))
    assert store.get("a") is None and store.bytes == 0


@pytest.mark.parametrize(
    ("statement", "shown"),
    [
        ("UPDATE cases SET pseudonym=? WHERE cases.id = ?", True),
        ('INSERT INTO "memberships" (case_id) VALUES (?)', True),
        ("DELETE FROM csp_leads WHERE user_id = ?", True),
        ("SELECT audit_head.id FROM audit_head ORDER BY random() LIMIT 1 FOR UPDATE SKIP LOCKED", False),
        ("INSERT INTO audit_events (lane, seq) VALUES (?, ?)", False),
        ("WITH moved AS (UPDATE audit_head SET seq = 2) INSERT INTO audit_events (lane) SELECT 1", False),
        ("UPDATE user_sessions SET last_seen_at=? WHERE user_sessions.id = ?", False),
        ("INSERT INTO reminders (k) VALUES (?) ON CONFLICT (k) DO UPDATE SET k = excluded.k", True),
        ("INSERT INTO outbox (k) VALUES (?) ON CONFLICT (k) DO UPDATE SET k = excluded.k", False),
        ("SELECT cases.id FROM cases", False),
    ],
)
def test_which_statements_change_the_data_generation(statement, shown):
    assert data_generation.shown_tables_written(statement) is shown


def test_the_generation_changes_with_the_data_and_not_with_audit_or_sessions(app, make_case, bo_client):
    start = data_generation.current()
    bo_client.get("/home")  # a signed-in view: audit rows, perhaps a session's last-seen time
    assert data_generation.current() == start
    make_case()
    assert data_generation.current() != start
