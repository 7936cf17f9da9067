"""Files with the trawl (every asked agency) and with a return (that agency and the reviewers only)."""

from __future__ import annotations

import io

from sqlalchemy import select

from portal.extensions import db
from portal.trawl.models import ReturnAttachment, TrawlAttachment
from tests.documents import samples

from ..conftest import request_url


def _post_file(client, url, data: bytes, name: str):
    return client.post(url, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_trawl_files_reach_every_agency_and_return_files_only_theirs(tw, circulated, login_as):
    police, nhs = circulated["police"], circulated["nhs"]
    office = circulated["bo_client"]
    assert _post_file(office, f"{tw.case_url}/trawl/attachments", samples.pdf(), "terms.pdf").status_code == 302
    terms = db.session.execute(select(TrawlAttachment)).scalar_one()
    agency, other = login_as(tw.users["police"]), login_as(tw.users["nhs"])
    assert agency.get(f"{request_url(police)}/files/{terms.document_id}").data == samples.pdf()
    assert other.get(f"{request_url(nhs)}/files/{terms.document_id}").data == samples.pdf()

    assert _post_file(agency, f"{request_url(police)}/files", samples.docx(), "notes.docx").status_code == 302
    own = db.session.execute(select(ReturnAttachment)).scalar_one()
    assert agency.get(f"{request_url(police)}/files/{own.document_id}").status_code == 200
    assert login_as(tw.users["author"]).get(f"{request_url(police)}/files/{own.document_id}").status_code == 200
    # The NHS trust's contact: not under the police's request, nor under their own.
    assert other.get(f"{request_url(police)}/files/{own.document_id}").status_code == 404
    assert other.get(f"{request_url(nhs)}/files/{own.document_id}").status_code == 404


def test_an_infected_file_is_refused_and_nothing_is_attached(tw, circulated, login_as):
    agency = login_as(tw.users["police"])
    response = _post_file(agency, f"{request_url(circulated['police'])}/files", samples.EICAR, "notes.txt")
    assert response.status_code == 302
    assert db.session.execute(select(ReturnAttachment)).first() is None
