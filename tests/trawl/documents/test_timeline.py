"""The trawl's moments on the case timeline: circulated, returns accepted, IMRs requested and
accepted, as counts by day, with no agency named and nothing anyone wrote."""

from __future__ import annotations

import io
import re
from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.trawl.models import Imr, TrawlRequest
from tests.documents import samples
from tests.support import once

from ..conftest import date_parts, request_url
from .test_imr import _submitted


def _events(html: str) -> list[str]:
    listed = re.search(r'<ul class="govuk-list app-timeline__events">(.*?)</ul>', html, re.S)
    return [re.sub(r"\s+", " ", item).strip() for item in re.findall(r"<li>(.*?)</li>", listed.group(1), re.S)]


def _day(clock) -> str:
    return f"{clock.now.day} {clock.now:%B %Y}"


def _accept(client, request):
    db.session.expire_all()
    version = db.session.get(TrawlRequest, request.id).current.version
    assert client.post(f"{request_url(request)}/accept", data={"accept-version": str(version)}).status_code == 302


def test_the_trawl_marks_the_timeline_with_counts_only(tw, circulated, login_as, clock, make_org, make_user):
    police, nhs = circulated["police"], circulated["nhs"]
    author = login_as(tw.users["author"])
    case_url = tw.case_url
    circulated_on = _day(clock)
    assert _events(author.get(case_url).get_data(as_text=True)) == [f"{circulated_on}: Trawl circulated to 2 agencies"]

    clock.advance(days=3)
    agency, other = login_as(tw.users["police"]), login_as(tw.users["nhs"])
    author = login_as(tw.users["author"])
    _submitted(tw, police, agency)
    _submitted(tw, nhs, other)
    _accept(author, police)
    _accept(author, nhs)
    probation = make_org("Trawl Probation", type="probation")
    make_user("Pro Bation", organisation=probation, is_agency_contact=True)
    sent = author.post(
        f"{case_url}/trawl/agencies/new",
        data={**once(), "organisation_id": str(probation.id), "due_on": date_parts(date(2026, 4, 20))},
    )
    assert sent.status_code == 302
    accepted_on = _day(clock)

    clock.advance(days=2)
    author, agency = login_as(tw.users["author"]), login_as(tw.users["police"])
    asked = author.post(
        f"{request_url(police)}/imr",
        data={**once(), "author_name": "Dr Independent", "due_on": date_parts(date(2026, 5, 29)), "terms": "Cover it."},
    )
    assert asked.status_code == 302
    agency.post(
        f"{request_url(police)}/imr/documents",
        data={"file": (io.BytesIO(samples.docx()), "imr.docx")},
        content_type="multipart/form-data",
    )
    imr = db.session.execute(select(Imr)).scalar_one()
    # Returned for changes first: not accepted, so no mark yet.
    author.post(
        f"{request_url(police)}/imr/decision",
        data={"imr-version": str(imr.version), "imr-decision": "return", "imr-note": "Add the referral."},
    )
    imr_requested_on = _day(clock)
    assert not any("IMR accepted" in event for event in _events(author.get(case_url).get_data(as_text=True)))

    clock.advance(days=1)
    author, agency = login_as(tw.users["author"]), login_as(tw.users["police"])
    agency.post(
        f"{request_url(police)}/imr/documents",
        data={"file": (io.BytesIO(samples.docx("Second")), "imr-2.docx")},
        content_type="multipart/form-data",
    )
    db.session.expire_all()
    imr = db.session.execute(select(Imr)).scalar_one()
    decided = author.post(
        f"{request_url(police)}/imr/decision", data={"imr-version": str(imr.version), "imr-decision": "accept"}
    )
    assert decided.status_code == 302
    html = author.get(case_url).get_data(as_text=True)
    events = _events(html)
    assert events == [
        f"{circulated_on}: Trawl circulated to 2 agencies",
        f"{accepted_on}: 2 returns accepted",
        f"{accepted_on}: Trawl sent to 1 more agency",
        f"{imr_requested_on}: 1 IMR requested",
        f"{_day(clock)}: 1 IMR accepted",
    ]
    assert "app-timeline__event--trawl" in html and "app-timeline__event--trawl-imr" in html
    # Counts only: no agency, no author of the IMR, nothing typed.
    listed = " ".join(events)
    for words in ("Trawl Police", "Trawl NHS Trust", "Trawl Probation", "Dr Independent", "referral", "Cover it"):
        assert words not in listed
