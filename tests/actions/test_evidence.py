"""Evidence through the document store (real clamd, real encryption): the owner uploads, the lead
downloads, nobody else reaches it; a refused file is shown in the GOV.UK error style."""

from __future__ import annotations

import io

import pytest

from portal.actions.models import ActionEvidence
from portal.extensions import db
from tests.documents import samples
from tests.documents.conftest import clamd, new_key  # noqa: F401  (the real scanner)
from tests.support import error_summary

from .conftest import action_url


@pytest.fixture
def app_config(app_config, tmp_path, clamd):  # noqa: F811
    return {
        **app_config,
        "PORTAL_ENV": "development",
        "DOCUMENTS_DIR": str(tmp_path / "documents"),
        "DOCUMENTS_KEY": new_key(),
        "DOCUMENTS_OLD_KEYS": "",
        "MAX_CONTENT_LENGTH": 50 * 1024 * 1024,
        "CLAMD_SOCKET": clamd.socket,
        "CLAMD_HOST": None,
        "CLAMD_TIMEOUT": 10,
    }


def _upload(client, world, name: str, data: bytes, **kwargs):
    return client.post(
        action_url(world, suffix="/evidence"),
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        **kwargs,
    )


def test_the_owner_adds_evidence_and_the_csp_lead_downloads_it(app, world, client_for):
    owner = client_for("owner")
    response = _upload(owner, world, "training-register.pdf", samples.pdf())
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    (evidence,) = db.session.query(ActionEvidence).all()
    assert evidence.document.display_name == "training-register.pdf"
    url = action_url(world, suffix=f"/evidence/{evidence.id}")
    download = client_for("lead").get(url)
    assert download.status_code == 200 and download.data == samples.pdf()
    assert client_for("lead_other").get(url).status_code == 404
    # The other action's owner may not reach it through their own action's address either.
    other = f"/cases/{world.ids['case_id']}/actions/{world.ids['other_action_id']}/evidence/{evidence.id}"
    assert client_for("bo").get(other).status_code == 404
    assert "training-register.pdf" in owner.get(action_url(world)).get_data(as_text=True)


def test_a_refused_file_is_shown_beside_the_upload_under_htmx(app, world, client_for):
    response = _upload(client_for("owner"), world, "report.pdf", samples.png(), headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert response.get_data(as_text=True).lstrip().startswith('<div id="action-body">')
    assert "There is a problem" in error_summary(response)
    assert db.session.query(ActionEvidence).count() == 0
