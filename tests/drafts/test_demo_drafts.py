"""``flask demo load`` gives the demo author drafts 1 and 2, draft 2 circulated to the demo panel member."""

from __future__ import annotations

from sqlalchemy import select

from portal.demo.people import DEMO_PASSWORD
from portal.drafts.models import DraftComment, DraftVersion
from portal.extensions import db
from tests.conftest import page_text
from tests.support import sign_in


def _demo_client(app, clock, email):
    """Signed in as a demo person would: the demo password and the code `flask demo totp` prints."""
    clock.advance(seconds=30)
    code = app.test_cli_runner().invoke(args=["demo", "totp", email]).output.strip()
    client = app.test_client()
    assert sign_in(client, email, DEMO_PASSWORD, code).status_code == 302
    return client


def test_the_demo_panel_member_is_asked_for_comments_on_draft_2(app, clock):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    versions = db.session.scalars(select(DraftVersion).order_by(DraftVersion.number)).all()
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].circulation is None and versions[1].circulation is not None
    assert db.session.query(DraftComment).count() == 2
    home = page_text(_demo_client(app, clock, "panel.member@example.org").get("/home"))
    assert "Drafts awaiting your comments" in home and "Comment on Overview Report, draft 2" in home
    client = _demo_client(app, clock, "author@example.org")
    case_id = versions[1].case_id
    compare = client.get(f"/cases/{case_id}/drafts/versions/{versions[1].id}/compare/{versions[0].id}")
    assert compare.status_code == 200
    text = page_text(compare)
    assert "Added Not in draft 1 2.2 The family were invited to contribute" in text
    assert "3 paragraphs added, 0 removed and 1 changed" in text
