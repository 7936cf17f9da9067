"""The key the audit chain is keyed with: each event's hash is an HMAC-SHA256 under ``AUDIT_KEY``.

Why a key. With plain SHA-256 anyone able to write to the database can rewrite the last rows
and the lane's head row and recompute every hash: ``flask audit verify`` would find nothing.
An HMAC needs the key, which lives in the environment like DOCUMENTS_KEY and TOTP_KEY, never
in the database, so a rewrite by someone holding only database access no longer verifies.

Why a key of its own: it can be rotated (or be lost) alone. Each row stores the id of the key
it was written under (``audit_events.key_id``; ``crypto.key_id_for``, which names a key without
revealing it), so after a rotation - the new key in AUDIT_KEY, the old one moved to
AUDIT_OLD_KEYS - older rows still verify. Unlike sealed secrets nothing is re-keyed: a row is
never rewritten, so an old key must stay in AUDIT_OLD_KEYS for as long as its rows are kept.

Rows written before revision 0010 have no key id and keep their plain SHA-256, verified as
before; within a lane, a plain row after a keyed one is a rewrite (see ``services._Lane``).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:  # portal.documents imports the audit trail: import it only when used
    from portal.documents.crypto import KeyRing

# Domain separation: an audit HMAC can never be mistaken for any other use of the key.
_CONTEXT = b"darr-portal audit event v1\x00"
_rings: dict[tuple[str, str], KeyRing] = {}


class AuditKeyError(RuntimeError):
    """AUDIT_KEY is not set or not a 32-byte base64 key."""


def keyring(config=None) -> KeyRing:
    """The ring from AUDIT_KEY and AUDIT_OLD_KEYS (built once per pair of values: it is used per event)."""
    config = config if config is not None else current_app.config
    current, old = config.get("AUDIT_KEY") or "", config.get("AUDIT_OLD_KEYS") or ""
    ring = _rings.get((current, old))
    if ring is None:
        from portal.documents.crypto import KeyRing

        if not current:
            raise AuditKeyError("AUDIT_KEY is not set: generate one with `flask documents generate-key`")
        ring = _rings[(current, old)] = KeyRing.from_config(config, "AUDIT_KEY", "AUDIT_OLD_KEYS")
    return ring


def mac(key: bytes, key_id: str, payload: bytes) -> str:
    """HMAC-SHA256 of ``payload``, bound to the key id (a row moved to another key id fails)."""
    return hmac.new(key, _CONTEXT + key_id.encode() + b"\x00" + payload, hashlib.sha256).hexdigest()
