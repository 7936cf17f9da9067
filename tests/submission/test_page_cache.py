"""Sign-off, the Home Office and publication pages in the page cache (portal/web/page_cache.py):
each is served again, a change made through the area's own forms shows at once, and the audited
views (the submission page, the identifiers kept for the check, which show the real names) are
recorded again, as the same events, on every hit."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import page_text
from tests.documents import samples
from tests.support import assert_recorded_again_on_hits
from tests.support import kept_hits as hits

from .helpers import VICTIM, case_url, latest_round, ok, send, sign_off, upload


def signed_in(client):
    """Past the first page after signing in, which sets the session's cookie (never kept)."""
    assert client.get("/account").status_code == 200
    return client


def _served_again(app, client, url: str) -> str:
    first = client.get(url)
    assert first.status_code == 200, url
    before = hits(app)
    again = client.get(url)
    assert again.status_code == 200 and hits(app) == before + 1, url
    assert page_text(again) == page_text(first), url
    return page_text(again)


@pytest.mark.parametrize(
    ("principal", "paths"),
    [
        ("bo", ["", "/sign-off", "/amendments", "/send", "/publication", "/identifiers", "/identifiers/new"]),
        ("author", ["", "/identifiers"]),
        ("lead", [""]),
    ],
)
def test_each_page_is_served_again(app, world, client_for, principal, paths):
    client = signed_in(client_for(principal))
    for path in paths:
        _served_again(app, client, case_url(world, path))


def test_the_rounds_and_check_pages_are_served_again(app, world, client_for):
    author, office = client_for("author"), signed_in(client_for("bo"))
    report_id = upload(author, world, samples.docx("The report as signed off"), "overview-4.docx")
    ok(sign_off(office, world, date(2026, 2, 20), report_id))
    ok(send(office, world, date(2026, 2, 21)))
    qa_round = latest_round(world)
    office.get(case_url(world))  # the flash
    for path in (f"/rounds/{qa_round.id}/commissioner", f"/rounds/{qa_round.id}/outcome"):
        _served_again(app, office, case_url(world, path))
    ok(office.post(case_url(world, "/checks")))
    check_url = ok(office.post(case_url(world, "/checks"))).headers["Location"]
    assert "Run " in _served_again(app, office, check_url)


@pytest.mark.parametrize(
    ("path", "action"),
    [
        ("", "submission.viewed"),
        ("/identifiers", "case.identities_viewed"),
        ("/identifiers/new", "case.identities_viewed"),
    ],
)
def test_an_audited_view_is_recorded_again_on_each_hit(app, world, client_for, path, action):
    office = signed_in(client_for("bo"))
    url = case_url(world, path)
    page = office.get(url)
    if action == "case.identities_viewed":
        assert VICTIM in page_text(page)  # the real name: why the read is audited
    assert_recorded_again_on_hits(app, office, url, action)


def test_a_sign_off_shows_at_once(app, world, client_for):
    author, office = client_for("author"), signed_in(client_for("bo"))
    reader = signed_in(client_for("lead"))
    report_id = upload(author, world, samples.docx("The report as signed off"), "overview-4.docx")
    for client in (office, reader):
        _served_again(app, client, case_url(world))
    form = _served_again(app, office, case_url(world, "/sign-off"))
    assert "Overview Report, draft 4" in form
    ok(sign_off(office, world, date(2026, 2, 20), report_id))
    office.get(case_url(world))  # the flash
    for client in (office, reader):
        page = page_text(client.get(case_url(world)))
        assert "20 February 2026" in page and "draft 4" in page
    # A newer upload shows at once in the sign-off form's choices.
    upload(author, world, samples.docx("A later draft"), "overview-5.docx")
    assert "Overview Report, draft 5" in page_text(office.get(case_url(world, "/sign-off")))


def test_a_submission_to_the_home_office_shows_at_once(app, world, client_for):
    author, office = client_for("author"), signed_in(client_for("bo"))
    report_id = upload(author, world, samples.docx("The report as signed off"), "overview-4.docx")
    ok(sign_off(office, world, date(2026, 2, 20), report_id))
    office.get(case_url(world))  # the flash
    before = _served_again(app, office, case_url(world))
    assert "21 February 2026" not in before
    ok(send(office, world, date(2026, 2, 21)))
    office.get(case_url(world))  # the flash
    assert "21 February 2026" in page_text(office.get(case_url(world)))


def test_an_identifier_added_shows_at_once(app, world, client_for):
    from sqlalchemy import select

    from portal.cases.models import RestrictedIdentity
    from portal.extensions import db

    office = signed_in(client_for("bo"))
    url = case_url(world, "/identifiers")
    assert "LS1 4AB" not in _served_again(app, office, url)
    identity = db.session.scalar(select(RestrictedIdentity).where(RestrictedIdentity.case_id == world.ids["case_id"]))
    ok(
        office.post(
            case_url(world, "/identifiers/new"),
            data={"identity": str(identity.id), "kind": "postcode", "value": "LS1 4AB", "submission": "p" * 24},
        )
    )
    office.get(url)  # the flash
    assert "LS1 4AB" in page_text(office.get(url))
