"""IMRs: asked for from a submitted return, the agency uploads versions, the author decides."""

from __future__ import annotations

import io
from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.notify.models import OutboxMessage
from portal.trawl.models import Imr, TrawlRequest
from tests.conftest import page_text
from tests.documents import samples
from tests.support import once

from ..conftest import date_parts, request_url


def _submitted(tw, request, client):
    db.session.expire_all()
    fresh = db.session.get(TrawlRequest, request.id)
    answers = {"version": str(fresh.current.version)}
    for subject in fresh.trawl.subjects:
        answers[f"contact_{subject.id}"] = "no"
    assert client.post(f"{request_url(request)}/return", data=answers).status_code == 302
    db.session.expire_all()
    version = db.session.get(TrawlRequest, request.id).current.version
    data = {"version": str(version), "name": "Pete", "role": "Lead", "confirmed": "y"}
    assert client.post(f"{request_url(request)}/submit", data=data).status_code == 302


def test_imr_requested_uploaded_returned_resubmitted_and_accepted(tw, circulated, login_as):
    police, nhs = circulated["police"], circulated["nhs"]
    agency = login_as(tw.users["police"])
    _submitted(tw, police, agency)
    author = login_as(tw.users["author"])
    asked = author.post(
        f"{request_url(police)}/imr",
        data={
            **once(),
            "author_name": "Dr Independent",
            "due_on": date_parts(date(2026, 5, 29)),
            "terms": "Cover 2022 to 2025.",
            "terms_file": (io.BytesIO(samples.pdf()), "terms.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert asked.status_code == 302, page_text(asked)[:2000]
    imr = db.session.execute(select(Imr)).scalar_one()
    assert imr.status == "requested" and [d.kind for d in imr.documents] == ["terms"]
    assert db.session.execute(select(OutboxMessage).where(OutboxMessage.kind == "trawl_imr_requested")).scalars().all()
    terms_url = f"{request_url(police)}/imr/documents/{imr.documents[0].document_id}"
    assert agency.get(terms_url).data == samples.pdf()
    # Another agency's contact cannot reach it, not even under their own request.
    other = login_as(tw.users["nhs"])
    assert other.get(terms_url).status_code == 404
    assert other.get(f"{request_url(nhs)}/imr/documents/{imr.documents[0].document_id}").status_code == 404
    assert "IMR requested" in page_text(author.get(f"{tw.case_url}/trawl"))

    sent = agency.post(
        f"{request_url(police)}/imr/documents",
        data={"file": (io.BytesIO(samples.docx()), "imr.docx")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302
    db.session.expire_all()
    imr = db.session.execute(select(Imr)).scalar_one()
    assert imr.status == "received"
    returned = author.post(
        f"{request_url(police)}/imr/decision",
        data={"imr-version": str(imr.version), "imr-decision": "return", "imr-note": "Add the 2023 referral."},
    )
    assert returned.status_code == 302
    agency.post(
        f"{request_url(police)}/imr/documents",
        data={"file": (io.BytesIO(samples.docx("Second version")), "imr-v2.docx")},
        content_type="multipart/form-data",
    )
    db.session.expire_all()
    imr = db.session.execute(select(Imr)).scalar_one()
    assert imr.status == "received" and len([d for d in imr.documents if d.kind == "imr"]) == 2
    assert "Version 2: imr-v2.docx" in page_text(author.get(request_url(police)))
    accepted = author.post(
        f"{request_url(police)}/imr/decision", data={"imr-version": str(imr.version), "imr-decision": "accept"}
    )
    assert accepted.status_code == 302
    db.session.expire_all()
    assert db.session.execute(select(Imr)).scalar_one().status == "accepted"


def test_an_infected_imr_is_refused_and_nothing_changes(tw, circulated, login_as):
    police = circulated["police"]
    agency = login_as(tw.users["police"])
    _submitted(tw, police, agency)
    author = login_as(tw.users["author"])
    author.post(
        f"{request_url(police)}/imr",
        data={**once(), "author_name": "Dr I", "due_on": date_parts(date(2026, 5, 29))},
        content_type="multipart/form-data",
    )
    refused = agency.post(
        f"{request_url(police)}/imr/documents",
        data={"file": (io.BytesIO(samples.EICAR), "imr.txt")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    db.session.expire_all()
    assert db.session.execute(select(Imr)).scalar_one().status == "requested"
