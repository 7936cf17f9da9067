"""A real area's rows: a case with drafts (versions and their files, circulations, read receipts,
comments, the contact log) is disposed of whole; another case's drafts are untouched."""

from __future__ import annotations

from sqlalchemy import select

from portal.documents.models import Document
from portal.documents.services import get_storage
from portal.drafts.models import DraftVersion
from portal.extensions import db
from portal.retention.models import DisposalRecord
from portal.retention.services import dispose
from tests.drafts.world import DRAFT_SENTINELS, add_drafts

from .test_disposal import audit_verify, rows_of, snapshot


def test_a_case_with_drafts_is_disposed_of_with_every_draft_file(app, store, closed_case, officer, make_user):
    disposed, kept = closed_case(), closed_case(names=("Kate Keeper",))
    users = {"author": make_user(), "panel": make_user(), "observer": make_user(), "lead": make_user(), "bo": officer}
    add_drafts(disposed, kept, users)
    case_id, reference = disposed.id, disposed.reference
    files: dict[int, list] = {case_id: [], kept.id: []}
    for version in db.session.execute(select(DraftVersion)).scalars():
        document = db.session.get(Document, version.file_id)
        files[version.case_id].append((document.id, document.storage_key))
    assert len(files[case_id]) == 3 and len(files[kept.id]) == 1
    belongs = rows_of(case_id)
    assert {"draft_documents", "draft_versions", "draft_circulations", "draft_receipts", "draft_comments"} <= set(
        belongs
    ), belongs
    kept_rows = rows_of(kept.id)
    before = snapshot()

    record = dispose(disposed, actor=officer, confirmation=reference)
    db.session.commit()

    storage = get_storage()
    assert all(not storage.exists(key) and db.session.get(Document, i) is None for i, key in files[case_id])
    assert all(storage.exists(key) and db.session.get(Document, i) is not None for i, key in files[kept.id])
    assert rows_of(case_id) == {} and rows_of(kept.id) == kept_rows
    after = snapshot()
    removed = {name: len(before[name] - after[name]) for name in before if before[name] - after[name]}
    assert removed == {**belongs, "documents": 3}
    assert record.documents_destroyed == 3 and record.rows_removed == belongs
    kept_record = db.session.execute(select(DisposalRecord)).scalar_one()
    text = str({c.name: getattr(kept_record, c.name) for c in DisposalRecord.__table__.columns})
    assert not any(sentinel in text for sentinel in DRAFT_SENTINELS.values())
    assert audit_verify(app).exit_code == 0
