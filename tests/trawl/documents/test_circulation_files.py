"""Files chosen on the circulation form itself (terms of reference, a blank chronology template):
stored through the document store and carried by every request, also one sent later."""

from __future__ import annotations

import io
from datetime import date

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.documents.models import Document
from portal.extensions import db
from portal.trawl.models import Trawl, TrawlAttachment, TrawlRequest
from tests.conftest import page_text
from tests.documents import samples
from tests.support import once

from ..conftest import circulate_form, date_parts, request_url


def _with_files(tw, **files) -> dict:
    return {**circulate_form(tw), **{name: (io.BytesIO(data), filename) for name, (data, filename) in files.items()}}


def test_files_on_the_circulation_form_reach_every_request(tw, login_as, outbox, make_org, make_user):
    office = login_as(tw.users["bo"])
    template = samples.xlsx()  # made once: each call dates its own zip entries
    form = _with_files(tw, terms_file=(samples.pdf(), "terms of reference.pdf"), template_file=(template, "blank.xlsx"))
    response = office.post(f"{tw.case_url}/trawl/circulate", data=form, content_type="multipart/form-data")
    assert response.status_code == 302, page_text(response)[:2000]
    attached = db.session.execute(select(TrawlAttachment).order_by(TrawlAttachment.id)).scalars().all()
    assert [item.document.display_name for item in attached] == ["terms of reference.pdf", "blank.xlsx"]
    assert db.session.get(Document, attached[0].document_id).media_type == "application/pdf"  # by content, stored
    probation = make_org("Trawl Probation", type="probation")
    contacts = {
        tw.orgs["police"].id: tw.users["police"],
        tw.orgs["nhs"].id: tw.users["nhs"],
        probation.id: make_user("Pro Bation", organisation=probation, is_agency_contact=True),
    }
    later = office.post(
        f"{tw.case_url}/trawl/agencies/new",
        data={**once(), "organisation_id": str(probation.id), "due_on": date_parts(date(2026, 4, 20))},
    )
    assert later.status_code == 302
    requests = {r.organisation_id: r for r in db.session.execute(select(TrawlRequest)).scalars()}
    assert set(requests) == set(contacts)
    for organisation_id, request in requests.items():
        client = login_as(contacts[organisation_id])
        text = page_text(client.get(request_url(request)))
        assert "Files sent with the request" in text and "terms of reference.pdf" in text and "blank.xlsx" in text
        assert client.get(f"{request_url(request)}/files/{attached[0].document_id}").data == samples.pdf()
        assert client.get(f"{request_url(request)}/files/{attached[1].document_id}").data == template
    added = db.session.execute(select(AuditEvent).where(AuditEvent.action == "trawl.attachment_added")).scalars()
    assert len(list(added)) == 2


def test_a_refused_file_sends_nothing_and_keeps_the_answers(tw, login_as, outbox):
    office = login_as(tw.users["bo"])
    form = _with_files(tw, terms_file=(samples.EICAR, "terms.txt"))
    response = office.post(f"{tw.case_url}/trawl/circulate", data=form, content_type="multipart/form-data")
    assert response.status_code == 422
    text = page_text(response)
    assert "There is a problem" in text and 'value="Adult T"' in response.get_data(as_text=True)
    assert db.session.execute(select(Trawl)).first() is None
    assert db.session.execute(select(TrawlRequest)).first() is None
    assert db.session.execute(select(TrawlAttachment)).first() is None


def test_circulating_without_files_still_works(tw, login_as, outbox):
    office = login_as(tw.users["bo"])
    response = office.post(
        f"{tw.case_url}/trawl/circulate", data=circulate_form(tw), content_type="multipart/form-data"
    )
    assert response.status_code == 302
    assert db.session.execute(select(TrawlAttachment)).first() is None
