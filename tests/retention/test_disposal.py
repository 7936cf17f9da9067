"""Disposal removes every row and file of the case and nothing of any other case; the legal hold
blocks it; the disposal record holds no personal data; the audit trail still verifies."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, func, select

from portal.audit.models import AuditEvent
from portal.cases.models import Case, Membership
from portal.documents.models import Document
from portal.documents.services import get_storage
from portal.extensions import db
from portal.retention import disposal
from portal.retention.models import DisposalRecord
from portal.retention.services import dispose
from tests.conftest import page_text

from .conftest import upload

# Rows that disposal may add or that change with every request, whoever's case it is.
# data_generation: the page cache's one counter row (portal/web/data_generation.py), moved by any change.
NOT_COMPARED = {
    "audit_events",
    "audit_head",
    "data_generation",
    "disposal_records",
    "form_submissions",
    "user_sessions",
}


def snapshot(metadata=None) -> dict[str, set]:
    """Every row of every table, as tuples (the whole database, for before/after comparisons)."""
    metadata = metadata or db.metadata
    db.session.expire_all()
    return {
        table.name: {tuple(row) for row in db.session.execute(select(table)).all()}
        for table in metadata.sorted_tables
        if table.name not in NOT_COMPARED
    }


def rows_of(case_id: int, metadata=None) -> dict[str, int]:
    """An independent count of what belongs to a case: rows naming it, and rows naming those (any depth)."""
    metadata = metadata or db.metadata
    cases = metadata.tables["cases"]
    present = db.session.execute(select(cases.c.id).where(cases.c.id == case_id)).scalars()
    found: dict[str, set] = {"cases": set(present)}
    keys: dict[str, set] = {"cases": {(i,) for i in found["cases"]}}
    changed = True
    while changed:
        changed = False
        for table in metadata.sorted_tables:
            for fk in table.foreign_keys:
                parent = fk.column.table.name
                if parent not in found or parent == table.name and table.name == "cases":
                    continue
                parent_ids = {k[0] for k in keys[parent]}
                if not parent_ids:
                    continue
                ids = set(db.session.execute(select(table.c.id).where(fk.parent.in_(parent_ids))).scalars())
                new = {(i,) for i in ids} - keys.get(table.name, set())
                if new:
                    keys.setdefault(table.name, set()).update(new)
                    found.setdefault(table.name, set()).update(ids)
                    changed = True
    return {name: len(ids) for name, ids in found.items() if ids}


def audit_verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


@pytest.fixture
def two_cases(app, store, closed_case, officer):
    disposed = closed_case(names=("Joan Example",))
    kept = closed_case(names=("Kate Keeper",))
    return disposed, kept


def test_disposal_through_the_page_removes_every_row_of_the_case_and_nothing_else(app, two_cases, bo_client, officer):
    disposed, kept = two_cases
    reference, case_id = disposed.reference, disposed.id
    belongs = rows_of(case_id)
    assert {"cases", "memberships", "case_agencies", "crg_updates", "stage_history", "case_field_changes"} <= set(
        belongs
    ), belongs
    kept_rows = rows_of(kept.id)
    before = snapshot()

    page = bo_client.get(f"/cases/{case_id}/retention")
    assert page.status_code == 200 and "due for disposal" in page_text(page)
    response = bo_client.post(f"/cases/{case_id}/retention/dispose", data={"confirmation": reference.upper()})
    assert response.status_code == 302, page_text(response)

    after = snapshot()
    assert db.session.get(Case, case_id) is None
    assert rows_of(case_id) == {}
    assert rows_of(kept.id) == kept_rows
    removed = {name: before[name] - after[name] for name in before}
    assert {name: len(rows) for name, rows in removed.items() if rows} == belongs
    assert all(after[name] <= before[name] for name in before)  # nothing added, nothing else changed

    record = db.session.execute(select(DisposalRecord).where(DisposalRecord.former_case_id == case_id)).scalar_one()
    assert record.case_reference == reference
    assert record.rows_removed == belongs
    assert record.disposed_by_id == officer.id
    assert record.ended_on == date(2019, 3, 14) and record.disposal_due_on == date(2025, 3, 14)
    listing = page_text(bo_client.get("/retention"))
    assert reference in listing and "No case has been disposed of" not in listing
    assert bo_client.get(f"/cases/{case_id}/retention").status_code == 404
    assert audit_verify(app).exit_code == 0, audit_verify(app).output


def test_the_disposal_record_holds_no_personal_data(app, two_cases, officer):
    disposed, _kept = two_cases
    reference, case_id = disposed.reference, disposed.id
    members = db.session.execute(select(Membership).where(Membership.case_id == case_id)).scalars()
    member_names = [m.user.name for m in members]
    assert member_names
    dispose(disposed, actor=officer, confirmation=reference)
    db.session.commit()
    record = db.session.execute(select(DisposalRecord).where(DisposalRecord.former_case_id == case_id)).scalar_one()
    text = json.dumps(
        {column.name: str(getattr(record, column.name)) for column in DisposalRecord.__table__.columns}
    ) + json.dumps(record.rows_removed)
    for personal in ("Joan Example", "Adult Z", f"Update on {reference}", *member_names):
        assert personal not in text
    # The audit event of the disposal carries counts only.
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "case.disposed")).scalar_one()
    assert event.case_id == case_id and set(event.detail) == {"rows", "documents", "keys", "kept"}


def test_a_legal_hold_blocks_disposal_until_it_is_lifted(app, two_cases, bo_client):
    disposed, _kept = two_cases
    case_id, reference = disposed.id, disposed.reference
    url = f"/cases/{case_id}/retention"
    held = bo_client.post(f"{url}/hold", data={"version": "0", "reason": "Civil claim by the family's solicitor"})
    assert held.status_code == 302
    page = page_text(bo_client.get(url))
    assert "Legal hold" in page and "Civil claim by the family's solicitor" in page
    assert "Owen Officer" in page  # who placed it

    refused = bo_client.post(f"{url}/dispose", data={"confirmation": reference})
    assert refused.status_code == 422
    assert "legal hold" in page_text(refused)
    db.session.expire_all()
    assert db.session.get(Case, case_id) is not None
    assert rows_of(case_id)["restricted_identities"] == 1

    lifted = bo_client.post(f"{url}/hold/lift", data={"version": "1", "reason": "Claim settled"})
    assert lifted.status_code == 302
    history = page_text(bo_client.get(url))
    assert "Legal hold placed" in history and "Legal hold lifted" in history and "Claim settled" in history
    actions = [e.action for e in db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()]
    assert "retention.hold_placed" in actions and "retention.hold_lifted" in actions

    belongs = rows_of(case_id)
    assert belongs["case_retention"] == 1 and belongs["retention_events"] == 2
    done = bo_client.post(f"{url}/dispose", data={"confirmation": reference})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case_id) is None
    assert rows_of(case_id) == {}  # its retention row and history went with it
    record = db.session.execute(select(DisposalRecord).where(DisposalRecord.former_case_id == case_id)).scalar_one()
    assert record.rows_removed["retention_events"] == 2


def test_a_hold_placed_after_the_page_was_shown_still_blocks(app, two_cases, officer):
    from portal.retention.services import place_hold

    disposed, _kept = two_cases
    place_hold(disposed, actor=officer, reason="Inquiry", version=0)
    db.session.commit()
    from portal.errors import FormError

    with pytest.raises(FormError, match="legal hold"):
        dispose(disposed, actor=officer, confirmation=disposed.reference)
    db.session.rollback()
    assert db.session.get(Case, disposed.id) is not None


def test_disposal_needs_the_reference_typed_and_a_case_that_is_due(app, closed_case, store, bo_client, make_case):
    case = closed_case()
    wrong = bo_client.post(f"/cases/{case.id}/retention/dispose", data={"confirmation": "Case Q 1999"})
    assert wrong.status_code == 422 and "Enter the case reference exactly as shown" in page_text(wrong)
    empty = bo_client.post(f"/cases/{case.id}/retention/dispose", data={"confirmation": ""})
    assert empty.status_code == 422 and "Type the case reference" in page_text(empty)

    recent = closed_case(closed_on=date(2024, 1, 10))
    not_due = bo_client.post(f"/cases/{recent.id}/retention/dispose", data={"confirmation": recent.reference})
    assert not_due.status_code == 422 and "not yet due" in page_text(not_due)
    open_case = make_case(stage="in_review")
    still_open = bo_client.post(f"/cases/{open_case.id}/retention/dispose", data={"confirmation": open_case.reference})
    assert still_open.status_code == 422 and "has not ended" in page_text(still_open)
    db.session.expire_all()
    assert all(db.session.get(Case, c.id) for c in (case, recent, open_case))
    assert db.session.execute(select(func.count(DisposalRecord.id))).scalar() == 0


def test_a_table_an_area_adds_later_is_found_and_emptied_and_its_documents_destroyed(app, store, closed_case, officer):
    """A table unknown to portal/retention, two foreign keys away from the case and holding a
    document, as trawl returns or draft versions will: disposal finds it through the metadata."""
    metadata = MetaData()
    for table in db.metadata.sorted_tables:
        table.to_metadata(metadata)
    attachments = Table(
        "zz_test_attachments",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("membership_id", ForeignKey("memberships.id"), nullable=False),
        Column("document_id", ForeignKey("documents.id"), nullable=False),
        Column("reply_to_id", ForeignKey("zz_test_attachments.id")),
    )
    attachments.create(db.session.connection())
    disposed, kept = closed_case(), closed_case(names=("Kate Keeper",))
    files = {}
    for case in (disposed, kept):
        membership_id = db.session.execute(
            select(metadata.tables["memberships"].c.id).where(metadata.tables["memberships"].c.case_id == case.id)
        ).scalar_one()
        document = upload(f"Chronology of {case.reference}", officer)
        first = db.session.execute(
            attachments.insert().values(membership_id=membership_id, document_id=document.id)
        ).inserted_primary_key[0]
        db.session.execute(
            attachments.insert().values(membership_id=membership_id, document_id=document.id, reply_to_id=first)
        )
        files[case.id] = (document.id, document.storage_key)
    db.session.commit()
    assert attachments in disposal.case_tables(metadata)
    before = rows_of(disposed.id, metadata)
    assert before["zz_test_attachments"] == 2

    record = dispose(disposed, actor=officer, confirmation=disposed.reference, metadata=metadata)
    db.session.commit()

    storage = get_storage()
    gone_id, gone_key = files[disposed.id]
    kept_id, kept_key = files[kept.id]
    assert not storage.exists(gone_key) and db.session.get(Document, gone_id) is None
    assert storage.exists(kept_key) and db.session.get(Document, kept_id) is not None
    assert record.documents_destroyed == 1
    assert record.rows_removed["zz_test_attachments"] == 2
    assert rows_of(disposed.id, metadata) == {}
    assert db.session.execute(select(func.count()).select_from(attachments)).scalar() == 2  # the kept case's
    assert audit_verify(app).exit_code == 0


def test_a_refused_disposal_destroys_no_file(app, store, closed_case, officer, monkeypatch):
    """Files go only after the commit: a disposal that fails half-way leaves the store as it was."""
    metadata = MetaData()
    for table in db.metadata.sorted_tables:
        table.to_metadata(metadata)
    attachments = Table(
        "zz_test_files",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("case_id", ForeignKey("cases.id"), nullable=False),
        Column("document_id", ForeignKey("documents.id"), nullable=False),
    )
    attachments.create(db.session.connection())
    case = closed_case()
    document = upload("Minutes", officer)
    db.session.execute(attachments.insert().values(case_id=case.id, document_id=document.id))
    db.session.commit()

    def broken(*args, **kwargs):
        raise disposal.DisposalError("rows left behind")

    monkeypatch.setattr(disposal, "_left_behind", broken)
    with pytest.raises(disposal.DisposalError):
        dispose(case, actor=officer, confirmation=case.reference, metadata=metadata)
    db.session.rollback()
    assert get_storage().exists(document.storage_key)
    assert db.session.get(Case, case.id) is not None


def test_every_table_that_hangs_off_a_case_is_disposed_of():
    """Built on the models' metadata: a table any area adds with a foreign key to cases, or to a
    table that has one (at any depth), must be in the disposal plan and have a primary key, or
    disposal would leave its rows behind. Nothing here names today's tables."""

    def reaches_cases(table, seen=()) -> bool:
        if table.name == "cases":
            return True
        parents = {fk.column.table for fk in table.foreign_keys} - {table, *seen}
        return any(reaches_cases(parent, (*seen, table)) for parent in parents)

    planned = set(disposal.case_tables(db.metadata))
    hanging = {table for table in db.metadata.sorted_tables if reaches_cases(table)}
    assert hanging - planned == set(), "tables of a case that disposal would leave behind"
    assert all(table.primary_key.columns for table in hanging)
    # ... and nothing that does not hang off a case is touched.
    assert planned - hanging == set()
    assert db.metadata.tables["disposal_records"] not in planned
    assert db.metadata.tables["audit_events"] not in planned
