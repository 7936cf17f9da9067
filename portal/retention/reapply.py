"""Disposals re-applied after a restore: a case disposed of since the backup does not come back.

``flask backup restore`` calls ``reapply_ledger`` once the restored database has been checked
against its archive. Which disposals: every one in the ledger whose case or documents the restored
database still holds. Presence, not the time of the disposal, decides, because a disposal's time
is taken before its transaction commits: one committed while the backup was being taken can be
older than the archive's time yet missing from its snapshot, or not. A case is matched by its
number *and* its reference, so a number used again by another case later is left alone; documents
by their object names, which are random and never reused. What is in the restored database and
the ledger was disposed of after the snapshot, so re-applying it is what the live portal had done.

Each re-applied disposal does what ``services.dispose`` did: the case's rows removed, its
documents' wrapped data keys overwritten and deleted with their records, their files removed from
the store, and a disposal record kept (from the ledger's line: no personal data). Audited as
``case.disposal_reapplied``. The restore's legal-hold and due-date checks are not repeated: the
business office made and confirmed the decision in the live portal, the ledger says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from portal.audit import record
from portal.auth.models import User
from portal.cases.models import Case
from portal.extensions import db

from . import disposal
from .ledger import Entry
from .models import DisposalRecord


@dataclass
class Reapplied:
    case_reference: str
    former_case_id: int
    rows: int = 0
    documents: int = 0
    keys: int = 0


@dataclass
class ReapplyReport:
    reapplied: list[Reapplied] = field(default_factory=list)
    already_gone: int = 0  # ledger lines whose case and documents the archive did not hold
    problems: list[str] = field(default_factory=list)


def _case(entry: Entry) -> Case | None:
    case = db.session.get(Case, entry.former_case_id)
    return case if case is not None and case.reference == entry.case_reference else None


def _present_documents(entry: Entry) -> bool:
    from portal.documents.models import Document

    if not entry.storage_keys:
        return False
    keys = list(entry.storage_keys)
    return db.session.execute(select(Document.id).where(Document.storage_key.in_(keys)).limit(1)).first() is not None


def reapply(entry: Entry) -> Reapplied | None:
    """Re-apply one ledger line if the database still holds its case or documents (flushes)."""
    case = _case(entry)
    if case is None and not _present_documents(entry):
        return None
    done = Reapplied(entry.case_reference, entry.former_case_id)
    if case is not None:
        removed = disposal.carry_out(disposal.plan(case.id))
        done.rows, done.documents, done.keys = sum(removed.rows.values()), removed.documents, removed.keys
        rows_removed = removed.rows
    else:
        rows_removed = {}
    rest = disposal.destroy_documents(storage_keys=entry.storage_keys)
    done.documents += rest.documents
    done.keys += rest.keys
    exists = db.session.execute(
        select(DisposalRecord.id).where(
            DisposalRecord.former_case_id == entry.former_case_id,
            DisposalRecord.case_reference == entry.case_reference,
        )
    ).first()
    if exists is None:
        actor = entry.disposed_by_id if entry.disposed_by_id and db.session.get(User, entry.disposed_by_id) else None
        kept = DisposalRecord(
            case_reference=entry.case_reference,
            former_case_id=entry.former_case_id,
            ended_stage=entry.ended_stage,
            ended_on=date.fromisoformat(entry.ended_on) if entry.ended_on else None,
            disposal_due_on=date.fromisoformat(entry.disposal_due_on),
            disposed_at=entry.disposed_at,
            disposed_by_id=actor,
            rows_removed=rows_removed,
            documents_destroyed=done.documents,
            keys_destroyed=done.keys,
        )
        db.session.add(kept)
        db.session.flush()
    record(
        "case.disposal_reapplied",
        object_type="disposal_record",
        object_id=exists[0] if exists else kept.id,
        case_id=entry.former_case_id,
        detail={"rows": done.rows, "documents": done.documents, "keys": done.keys, "ledger_line": entry.line_number},
    )
    db.session.flush()
    return done


def reapply_ledger(entries: list[Entry]) -> ReapplyReport:
    """Re-apply every disposal of ``entries`` the database still holds; one commit per disposal."""
    report = ReapplyReport()
    for entry in entries:
        try:
            done = reapply(entry)
        except Exception as exc:  # reported, and the restore fails its check: never half-applied
            db.session.rollback()
            report.problems.append(f"{entry.case_reference} (ledger line {entry.line_number}): {exc}")
            continue
        if done is None:
            db.session.rollback()
            report.already_gone += 1
            continue
        db.session.commit()
        report.reapplied.append(done)
    return report
