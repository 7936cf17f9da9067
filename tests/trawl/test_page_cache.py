"""The trawl's pages in the page cache (portal/web/page_cache.py): each is served again while
nothing it shows has changed; a change made through the trawl's own forms shows at once; the
identifying details are gone once the return is accepted, even where the page was kept; and
each view of them is recorded in the audit trail again on every hit."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.extensions import db
from tests.conftest import page_text
from tests.support import kept_hits as hits
from tests.support import once

from .conftest import ADDRESS_LINE, BORN_SHOWN, POSTCODE, REAL_NAME, date_parts, request_url
from .test_journeys import _answers, _fresh, _row, _submit

HIDDEN = (REAL_NAME, BORN_SHOWN, ADDRESS_LINE, POSTCODE)


def signed_in(client):
    """Past the first page after signing in (it sets the session's cookie: never kept)."""
    assert client.get("/account").status_code == 200
    return client


def served_again(app, client, url) -> str:
    """The page, asked for twice: the second answer comes from the cache and is the same page."""
    first = client.get(url)
    assert first.status_code == 200, (url, first.status_code)
    before = hits(app)
    second = client.get(url)
    assert second.status_code == 200
    assert hits(app) == before + 1, f"{url} was built again"
    assert page_text(second) == page_text(first)
    return page_text(second)


def fresh(app, client, url) -> str:
    """The next page after a change: built again (never the kept one), its flash shown once."""
    before = hits(app)
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert hits(app) == before, f"{url} was served from the cache after a change"
    return page_text(response)


def identity_views(trawl_request) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "trawl.identities_viewed", AuditEvent.object_id == str(trawl_request.id))
    )


REVIEWER_PAGES = ("/trawl", "/trawl/chronology", "/trawl/chronology?agency=0&subject=", "REQUEST")
AGENCY_PAGES = ("/trawl/requests", "REQUEST", "REQUEST/identities", "REQUEST/submit", "REQUEST/import")


def _url(tw, police, page: str) -> str:
    if page.startswith("REQUEST"):
        return request_url(police) + page.removeprefix("REQUEST")
    return page if page.startswith("/trawl/requests") else tw.case_url + page


@pytest.mark.parametrize("who", ["bo", "author"])
@pytest.mark.parametrize("page", REVIEWER_PAGES)
def test_the_reviewers_pages_are_served_again(app, tw, circulated, login_as, who, page):
    served_again(app, signed_in(login_as(tw.users[who])), _url(tw, circulated["police"], page))


@pytest.mark.parametrize("page", AGENCY_PAGES)
def test_the_agencys_pages_are_served_again(app, tw, circulated, login_as, page):
    served_again(app, signed_in(login_as(tw.users["police"])), _url(tw, circulated["police"], page))


@pytest.mark.parametrize("page", ["REQUEST/return", "REQUEST/rows/ROW"])
def test_the_return_form_is_kept_and_each_response_has_a_one_time_token_of_its_own(app, tw, circulated, login_as, page):
    """Its "add a row" form carries a one-time token. The page is served again, with a token of
    each response's own in the form: two tabs opened on the kept page each add their row (the
    same token twice would have the second taken for the first sent again, and not saved)."""
    police = circulated["police"]
    agency = signed_in(login_as(tw.users["police"]))
    assert agency.post(f"{request_url(police)}/rows", data=_row()).status_code == 302
    agency.get(request_url(police))  # the flash of the row
    url = _url(tw, police, page).replace("ROW", str(_fresh(police).current.rows[0].id))
    assert agency.get(url).status_code == 200  # built, and kept
    tokens = []
    for _ in range(2):
        before = hits(app)
        response = agency.get(url)
        assert response.status_code == 200 and hits(app) == before + 1
        tokens.append(re.search(r'name="submission"[^>]*value="([^"]+)"', response.get_data(as_text=True)).group(1))
    assert tokens[0] != tokens[1]

    for number, token in enumerate(tokens, start=1):
        row = _row(submission=token, source_reference=f"Incident 99{number}")
        assert agency.post(f"{request_url(police)}/rows", data=row).status_code == 302
    references = {row.source_reference for row in _fresh(police).current.rows}
    assert {"Incident 1234", "Incident 991", "Incident 992"} <= references
    assert "Incident 992" in fresh(app, agency, url)


def test_the_saved_lists_of_agencies_are_served_again(app, tw, login_as):
    bo = signed_in(login_as(tw.users["bo"]))
    assert "No list has been saved yet" in served_again(app, bo, "/trawl/agency-lists")
    response = bo.post(
        "/trawl/agency-lists/new",
        data={**once(), "name": "Trawl standard", "organisation_ids": [str(tw.orgs["police"].id)]},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    fresh(app, bo, "/trawl/agency-lists")  # with its flash
    assert "Trawl standard Trawl Police" in served_again(app, bo, "/trawl/agency-lists")


def test_acknowledging_shows_at_once(app, tw, circulated, login_as):
    police = circulated["police"]
    agency, bo = signed_in(login_as(tw.users["police"])), signed_in(circulated["bo_client"])
    assert "Acknowledged Not yet" in served_again(app, agency, request_url(police))
    assert "Sent" in served_again(app, agency, "/trawl/requests")
    assert "Trawl Police Sent" in served_again(app, bo, f"{tw.case_url}/trawl")

    assert agency.post(f"{request_url(police)}/acknowledge").status_code == 302
    assert "You have acknowledged the request" in fresh(app, agency, request_url(police))
    assert "Acknowledged Not yet" not in served_again(app, agency, request_url(police))
    assert "Acknowledged" in fresh(app, agency, "/trawl/requests")
    assert "Trawl Police Acknowledged" in fresh(app, bo, f"{tw.case_url}/trawl")


def test_a_saved_row_a_submitted_and_an_accepted_return_show_at_once(app, tw, circulated, login_as):
    police = circulated["police"]
    agency, bo = signed_in(login_as(tw.users["police"])), signed_in(circulated["bo_client"])
    chronology = f"{tw.case_url}/trawl/chronology"
    assert "Incident 1234" not in served_again(app, agency, request_url(police))
    assert "0 rows" in served_again(app, bo, chronology)

    # A chronology row, saved through the return's form.
    answers = _answers(
        police,
        **{
            "Adult T": "yes",
            "involvement_from": date_parts(date(2024, 1, 1)),
            "involvement_to": date_parts(date(2024, 12, 31)),
            "summary": "One call-out.",
        },
    )
    assert agency.post(f"{request_url(police)}/return", data=answers).status_code == 302
    assert agency.post(f"{request_url(police)}/rows", data=_row()).status_code == 302
    assert "Incident 1234" in fresh(app, agency, request_url(police))
    assert "with 1 chronology row." in served_again(app, agency, f"{request_url(police)}/submit")
    assert "Decide on the return" not in served_again(app, bo, request_url(police))

    # Submitted: the reviewers see it to decide on; the merged chronology waits for acceptance.
    assert _submit(agency, police).status_code == 302
    assert "Decide on the return" in fresh(app, bo, request_url(police))
    assert "Trawl Police Returned with contact" in fresh(app, bo, f"{tw.case_url}/trawl")
    assert "0 rows" in served_again(app, bo, chronology)

    # Accepted: in the merged chronology, and closed for the agency.
    version = _fresh(police).current.version
    assert bo.post(f"{request_url(police)}/accept", data={"accept-version": str(version)}).status_code == 302
    assert "The return has been accepted" in fresh(app, bo, request_url(police))
    assert "Decide on the return" not in served_again(app, bo, request_url(police))
    assert "1 row." in fresh(app, bo, chronology) and "Incident 1234" in served_again(app, bo, chronology)
    assert "Trawl Police Accepted" in fresh(app, bo, f"{tw.case_url}/trawl")
    closed = fresh(app, agency, "/trawl/requests")
    assert "Closed requests" in closed and "Accepted" in closed


def test_each_view_of_the_identifying_details_is_recorded_also_on_a_hit(app, tw, circulated, login_as):
    police = circulated["police"]
    agency = signed_in(login_as(tw.users["police"]))
    url = f"{request_url(police)}/identities"
    assert identity_views(police) == 0
    shown = served_again(app, agency, url)
    assert all(part in shown for part in HIDDEN)
    assert identity_views(police) == 2
    before = hits(app)
    for _ in range(3):
        assert REAL_NAME in agency.get(url).get_data(as_text=True)
    assert hits(app) == before + 3
    assert identity_views(police) == 5
    # The same event each time: by the agency contact, about this request.
    actors = db.session.execute(
        select(AuditEvent.actor_id, AuditEvent.case_id).where(AuditEvent.action == "trawl.identities_viewed")
    ).all()
    assert set(actors) == {(tw.users["police"].id, tw.case.id)}


def test_once_accepted_the_kept_identifying_details_are_no_longer_shown(app, tw, circulated, login_as):
    police = circulated["police"]
    agency, bo = signed_in(login_as(tw.users["police"])), signed_in(circulated["bo_client"])
    url = f"{request_url(police)}/identities"
    assert REAL_NAME in served_again(app, agency, url)
    assert "See the identifying details" in served_again(app, agency, request_url(police))
    agency.post(f"{request_url(police)}/return", data=_answers(police))
    assert _submit(agency, police).status_code == 302
    fresh(app, agency, request_url(police))  # the flash of the submission
    assert REAL_NAME in served_again(app, agency, url)  # still open: shown while the return is decided on
    views = identity_views(police)

    version = _fresh(police).current.version
    assert bo.post(f"{request_url(police)}/accept", data={"accept-version": str(version)}).status_code == 302
    for _ in range(2):  # not the kept page, and a refusal is never kept either
        before = hits(app)
        refused = agency.get(url)
        assert refused.status_code == 403 and hits(app) == before
        body = refused.get_data(as_text=True)
        assert all(part not in body for part in HIDDEN)
        assert "This request is closed: the identifying details are no longer shown" in page_text(refused)
    assert identity_views(police) == views
    page = fresh(app, agency, request_url(police))
    assert "See the identifying details" not in page and "no longer shown" in page
    assert all(part not in page for part in HIDDEN)


def test_a_kept_page_is_not_given_to_another_agency_or_person(app, tw, circulated, login_as):
    police, nhs = circulated["police"], circulated["nhs"]
    mine = served_again(app, signed_in(login_as(tw.users["police"])), "/trawl/requests")
    theirs = signed_in(login_as(tw.users["nhs"]))
    assert theirs.get(request_url(police)).status_code == 404
    assert theirs.get(f"{request_url(police)}/identities").status_code == 404
    assert "Trawl NHS Trust" in page_text(theirs.get("/trawl/requests")) and "Trawl Police" in mine
    panel = signed_in(login_as(tw.users["panel"]))
    assert panel.get(f"{tw.case_url}/trawl").status_code == 403
    assert panel.get(f"{request_url(nhs)}/identities").status_code == 403


def test_a_filtered_chronology_is_kept_apart_from_the_whole(app, tw, circulated, login_as):
    bo = signed_in(circulated["bo_client"])
    whole = served_again(app, bo, f"{tw.case_url}/trawl/chronology")
    filtered = served_again(app, bo, f"{tw.case_url}/trawl/chronology?subject=Male+P+(perpetrator)")
    assert "match the filters" in filtered and "match the filters" not in whole


def test_a_reminder_shows_at_once_on_the_kept_tracker(app, tw, circulated, login_as, clock, outbox):
    """ "Last reminder" is read from the reminders table (a change of data), not from the outbox."""
    clock.advance(days=28)  # the due date: a reminder is owed today
    bo = signed_in(login_as(tw.users["bo"]))
    tracker = f"{tw.case_url}/trawl"
    assert "Trawl Police Sent 30 March 2026 Due today None sent" in served_again(app, bo, tracker)
    result = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    shown = fresh(app, bo, tracker)
    assert "Trawl Police Sent 30 March 2026 Due today 30 March 2026" in shown and "None sent" not in shown
    assert shown == served_again(app, bo, tracker)
