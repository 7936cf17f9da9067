"""The disposal ledger: every disposal written outside the database, so a restore cannot undo one.

A backup archive holds the database as it was, and with it the wrapped data keys and rows of
cases disposed of since. Restoring it would bring those cases back. So each disposal also appends
one line to ``DISPOSAL_LEDGER`` (in the disposal's transaction, before it commits), and ``flask
backup restore`` re-applies every disposal in the ledger that is newer than the archive
(``reapply``): the case's rows and documents removed again, its wrapped keys destroyed again.

A line holds no personal data: the case reference and number, dates, the stage it ended in, the
disposing user's id, counts, and the random object names of the destroyed files. It carries an
HMAC under AUDIT_KEY (like an audit anchor), so a line added or edited by someone without the key
is refused instead of disposing of a case at the next restore.

The file is kept like AUDIT_ANCHOR_FILE (portal/audit/anchor.py): opened with O_APPEND and
fsynced, where the database role cannot rewrite it, and copied off the server with the anchors:
a new server restored after losing the old one needs it as much as it needs the archive.
The line is written before the disposal commits, so that no committed disposal can be missing
from the ledger. If the transaction then rolls back instead, a *withdrawal* line naming the same
disposal is appended and a restore ignores both. Only a crash between the two (the process killed
after writing the line, before committing) leaves a line for a disposal that did not happen: a
restore would then dispose of a case the business office had confirmed and that was due.
"""

from __future__ import annotations

import hmac
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.audit import keys
from portal.audit.anchor import append_to_file
from portal.errors import FormError

VERSION = 1
_CONTEXT = b"disposal\x00"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


class LedgerError(Exception):
    """The ledger could not be written, or a line of it is altered or unreadable."""


@dataclass(frozen=True)
class Entry:
    disposed_at: datetime
    case_reference: str
    former_case_id: int
    ended_stage: str
    ended_on: str | None
    disposal_due_on: str
    disposed_by_id: int | None
    storage_keys: tuple[str, ...]
    documents_destroyed: int
    keys_destroyed: int
    line_number: int = 0
    withdrawn: bool = False  # a withdrawal line: the disposal of this line's twin rolled back

    @property
    def identity(self) -> tuple:
        return (self.former_case_id, self.case_reference, self.disposed_at)


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC (a naive one is taken to be UTC already, as SQLite hands them back)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _canonical(body: dict) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def ledger_path(config=None) -> str:
    config = config if config is not None else current_app.config
    return config.get("DISPOSAL_LEDGER") or ""


def check_configured(config=None) -> None:
    """Production refuses to dispose without a ledger: a restore would bring the case back."""
    config = config if config is not None else current_app.config
    if not ledger_path(config) and config.get("PORTAL_ENV") == "production":
        raise FormError(
            "Disposal is switched off until DISPOSAL_LEDGER is set: without the disposal ledger a restore "
            "from an older backup would bring the case back. Ask the people who run the portal."
        )


def _signed(body: dict) -> str:
    ring = keys.keyring()
    body = {**body, "key_id": ring.current_id}
    body["mac"] = keys.mac(ring.current, ring.current_id, _CONTEXT + _canonical(body))
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


def _body(record, storage_keys: list[str], keys_destroyed: int) -> dict:
    return {
        "v": VERSION,
        "disposed_at": utc(record.disposed_at).strftime(TIME_FORMAT),
        "case_reference": record.case_reference,
        "former_case_id": record.former_case_id,
        "ended_stage": record.ended_stage,
        "ended_on": record.ended_on.isoformat() if record.ended_on else None,
        "disposal_due_on": record.disposal_due_on.isoformat(),
        "disposed_by_id": record.disposed_by_id,
        "storage_keys": sorted(storage_keys),
        "documents_destroyed": record.documents_destroyed,
        "keys_destroyed": keys_destroyed,
    }


def line_for(record, storage_keys: list[str], keys_destroyed: int) -> str:
    """The ledger line of one disposal record, with its HMAC under the current audit key."""
    return _signed(_body(record, storage_keys, keys_destroyed))


_PENDING = "retention.ledger_pending"


def append(record, storage_keys: list[str], keys_destroyed: int) -> bool:
    """Append the disposal to the ledger, if one is configured; False when none is.

    Call it last, after every flush of the disposal: should the transaction still roll back, a
    withdrawal line follows (``_withdraw_unless_committed``)."""
    path = ledger_path()
    if not path:
        current_app.logger.warning("disposal of %s not written to a ledger: DISPOSAL_LEDGER is not set", record.id)
        return False
    body = _body(record, storage_keys, keys_destroyed)
    try:
        append_to_file(path, _signed(body))
    except OSError as exc:
        raise LedgerError(f"the disposal ledger {path} could not be written: {exc}") from exc
    from portal.extensions import db

    db.session.info.setdefault(_PENDING, []).append((path, body, current_app._get_current_object()))
    return True


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_transaction_end")
def _withdraw_unless_committed(session: Session, transaction) -> None:
    if transaction.parent is not None:
        return
    for path, body, app in session.info.pop(_PENDING, []):
        try:
            with app.app_context():
                append_to_file(path, _signed({**body, "withdrawn": True}))
        except Exception:  # the disposal did not happen; a restore would redo it: say so loudly
            app.logger.exception(
                "disposal of case %s rolled back but could not be withdrawn from the ledger %s: remove its line",
                body["former_case_id"],
                path,
            )


def parse_line(line: str, line_number: int = 0) -> Entry:
    where = f"line {line_number} of the disposal ledger"
    try:
        body = json.loads(line)
        mac, key_id = body.pop("mac"), body["key_id"]
        entry = Entry(
            disposed_at=datetime.strptime(body["disposed_at"], TIME_FORMAT).replace(tzinfo=UTC),
            case_reference=str(body["case_reference"]),
            former_case_id=int(body["former_case_id"]),
            ended_stage=str(body["ended_stage"]),
            ended_on=body["ended_on"],
            disposal_due_on=str(body["disposal_due_on"]),
            disposed_by_id=body["disposed_by_id"],
            storage_keys=tuple(str(key) for key in body["storage_keys"]),
            documents_destroyed=int(body["documents_destroyed"]),
            keys_destroyed=int(body["keys_destroyed"]),
            line_number=line_number,
            withdrawn=bool(body.get("withdrawn", False)),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise LedgerError(f"{where} is not a disposal ({exc})") from None
    try:
        key = keys.keyring().get(key_id)
    except LookupError:
        raise LedgerError(f"{where} was written under audit key {key_id}, which is not configured") from None
    if not hmac.compare_digest(mac, keys.mac(key, key_id, _CONTEXT + _canonical(body))):
        raise LedgerError(f"{where} was altered (its HMAC does not match)")
    return entry


def read(path: str | os.PathLike) -> list[Entry]:
    """Every disposal in the ledger that was not withdrawn, oldest first; raises ``LedgerError``
    at the first bad line."""
    file = Path(path)
    if not file.exists():
        return []
    entries = []
    with file.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                entries.append(parse_line(line, number))
    withdrawn = {entry.identity for entry in entries if entry.withdrawn}
    return [entry for entry in entries if not entry.withdrawn and entry.identity not in withdrawn]
