"""Step 5 of a restore: disposals made after the backup carried out again (portal/retention/ledger.py).

Run by ``flask backup restore`` once the restored copy has been checked against its archive, and
on its own by ``flask backup reapply-disposals``: for an archive older than the code, the restored
database must first be upgraded (``flask db upgrade``), since re-applying a disposal writes to
today's tables (a disposal record's data key count, documents' wrapped keys).
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from sqlalchemy import func, select, text

from portal.audit import verify as verify_audit
from portal.documents.rotation import verify_store
from portal.extensions import db

from .restore import Check, _code_heads


def _revision_behind() -> str | None:
    """The restored database's revision when it is not this code's, else None."""
    revisions = set(db.session.execute(text("SELECT version_num FROM alembic_version")).scalars())
    db.session.remove()
    return None if revisions == _code_heads() else ",".join(sorted(revisions)) or "none"


def reapply_disposals(audit_heads: list[dict] | None = None) -> list[Check]:
    """Carry out again every disposal of the ledger that the restored database still holds.

    ``audit_heads`` (the archive's) anchor the audit check made afterwards.
    """
    from portal.retention import ledger
    from portal.retention.models import DisposalRecord
    from portal.retention.reapply import reapply_ledger

    path = ledger.ledger_path()
    if not path:
        production = current_app.config.get("PORTAL_ENV") == "production"
        return [
            Check(
                "disposal ledger",
                not production,
                "DISPOSAL_LEDGER is not set: cases disposed of after this backup would come back "
                "(set it to the live portal's ledger before restoring)",
                warning=True,
            )
        ]
    behind = _revision_behind()
    if behind:
        return [
            Check(
                "disposals re-applied",
                False,
                f"not yet: the database is at revision {behind}, older than this code's. Run `flask db upgrade`, "
                "then `flask backup reapply-disposals`, before serving from it",
            )
        ]
    if not Path(path).exists():
        # Legitimate before the first disposal; otherwise this is not the live portal's ledger.
        made = db.session.execute(select(func.count()).select_from(DisposalRecord)).scalar()
        db.session.remove()
        return [
            Check(
                "disposal ledger",
                not made,
                f"{path} does not exist, yet this backup records {made} disposal(s): is DISPOSAL_LEDGER "
                "the live portal's ledger (a copy from where the ledger is kept)?"
                if made
                else f"{path} does not exist yet: no disposal has been made",
            )
        ]
    try:
        entries = ledger.read(path)
    except ledger.LedgerError as exc:
        return [Check("disposal ledger", False, f"{exc}: no disposal was re-applied")]
    db.session.remove()
    result = reapply_ledger(entries)
    if result.reapplied:
        listed = "; ".join(
            f"{done.case_reference} (case {done.former_case_id}: {done.rows} row(s), {done.documents} document(s), "
            f"{done.keys} data key(s) destroyed)"
            for done in result.reapplied
        )
        detail = f"{len(result.reapplied)} disposal(s) made after this backup carried out again: {listed}"
    else:
        detail = f"none of the ledger's {len(entries)} disposal(s) has anything left here to remove"
    checks = [Check("disposals re-applied", not result.problems, "; ".join(result.problems) or detail)]
    if result.reapplied:
        db.session.remove()
        anchor = {head["lane"]: (head["seq"], head["hash"]) for head in audit_heads or []}
        problem = verify_audit(anchor or None)
        checks.append(
            Check(
                "audit verify after re-applied disposals",
                problem is None,
                "the chain is intact" if problem is None else f"BROKEN at {problem}",
            )
        )
        store = verify_store()
        problems = "; ".join(f"document {i}: {p}" for i, p in store.problems.items())
        checks.append(
            Check(
                "documents after re-applied disposals",
                not store.problems and not store.orphans,
                problems
                or (f"objects without a record: {store.orphans}" if store.orphans else "")
                or f"{store.checked} document(s) decrypt and match their records",
            )
        )
    return checks
