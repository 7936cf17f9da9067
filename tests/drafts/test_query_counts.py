"""The drafts pages, the case page section and the home queue run the same number of queries
however many drafts, circulations and comments there are."""

from __future__ import annotations

import io
from datetime import timedelta

from portal.documents import store_upload
from portal.drafts.models import CaseDocument, Circulation, DraftComment, DraftVersion, Receipt
from portal.extensions import db
from portal.web.sqlcount import statements_counted
from tests.documents import samples
from tests.drafts.world import TODAY
from tests.support import forget_kept_pages


def queries(client, url: str) -> int:
    client.get(url)
    forget_kept_pages()  # count the page being built, not served again
    with statements_counted() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def _more_drafts(world, count: int) -> None:
    """Another document with ``count`` circulated drafts, each with a comment by the panel member."""
    author, panel = world.users["author"], world.users["panel"]
    document = CaseDocument(case_id=world.case_a.id, kind="executive_summary", title="", created_by_id=author.id)
    db.session.add(document)
    db.session.flush()
    for number in range(1, count + 1):
        stored = store_upload(io.BytesIO(samples.docx(f"Summary {number}")), f"s{number}.docx", uploaded_by=author)
        version = DraftVersion(case_id=world.case_a.id, document_id=document.id, number=number, file_id=stored.id)
        db.session.add(version)
        db.session.flush()
        circulation = Circulation(case_id=world.case_a.id, version_id=version.id, deadline=TODAY + timedelta(days=5))
        db.session.add(circulation)
        db.session.flush()
        db.session.add(Receipt(circulation_id=circulation.id, reader_id=panel.id, role="panel_member"))
        db.session.add(
            DraftComment(
                case_id=world.case_a.id, circulation_id=circulation.id, reader_id=panel.id, location="p", text="t"
            )
        )
    open_now = db.session.query(Circulation).filter_by(version_id=world.ids["version_id"]).one()
    for reader in ("panel", "lead"):
        for n in range(count):
            db.session.add(
                DraftComment(
                    case_id=world.case_a.id,
                    circulation_id=open_now.id,
                    reader_id=world.users[reader].id,
                    location=f"p{n}",
                    text="t",
                )
            )
    db.session.commit()


def test_pages_do_not_grow_with_the_drafts(app, world, client_for):
    case = world.ids["case_id"]
    pages = {
        "author": [
            f"/cases/{case}/drafts",
            f"/cases/{case}",
            f"/cases/{case}/drafts/versions/{world.ids['version_id']}",
            f"/cases/{case}/drafts/versions/{world.ids['version_id']}/comments",
            f"/cases/{case}/drafts/versions/{world.ids['version_id']}/tracker",
            "/home",
        ],
        "panel": [f"/cases/{case}/drafts", "/home", f"/cases/{case}/drafts/versions/{world.ids['version_id']}"],
    }
    before = {(who, url): queries(client_for(who), url) for who, urls in pages.items() for url in urls}
    _more_drafts(world, 6)
    after = {(who, url): queries(client_for(who), url) for who, urls in pages.items() for url in urls}
    assert after == before
