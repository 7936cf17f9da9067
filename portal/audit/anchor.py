"""Anchors: the audit chain's heads written outside the database, so a rewrite is found later.

The HMAC (portal/audit/keys.py) stops someone with only database access from rewriting rows
consistently. An anchor covers what the key alone cannot: someone who also has the key, or a
lane rewritten wholly in plain SHA-256 as if it were older than revision 0010. ``flask audit
anchor`` (run it on a schedule, e.g. hourly from cron) appends the current head of every lane
(lane, seq, hash) and the time to:

* ``AUDIT_ANCHOR_FILE``: one JSON line per anchor, opened with O_APPEND, fsynced. Put it where
  the portal's database role (and ideally the portal itself, once written) cannot rewrite it:
  another host's mount, a file made append-only with ``chattr +a``, a WORM bucket synced from it.
* ``AUDIT_ANCHOR_SYSLOG``: the same line to the system log (``/dev/log``, or ``host:port`` for
  UDP to a remote collector), which keeps its own copy out of the database's reach.

``flask audit verify`` reads the last line of AUDIT_ANCHOR_FILE and checks that every anchored
row is still there with the anchored hash. Each line carries an HMAC under AUDIT_KEY, so a
line someone edited to match a rewritten chain is refused too.
"""

from __future__ import annotations

import hmac
import json
import logging
import logging.handlers
import os
import socket
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from portal.clock import utcnow
from portal.extensions import db

from . import keys
from .models import AuditHead

VERSION = 1


class AnchorError(Exception):
    """No anchor could be written or read (no destination, unreadable or altered anchor line)."""


@dataclass(frozen=True)
class Anchor:
    anchored_at: str
    heads: dict[int, tuple[int, str]]  # lane -> (seq, hash)
    line_number: int = 0


def _body(anchored_at: str, heads: list[dict], key_id: str) -> dict:
    return {"v": VERSION, "anchored_at": anchored_at, "heads": heads, "key_id": key_id}


def _canonical(body: dict) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def current_heads() -> list[dict]:
    rows = db.session.execute(select(AuditHead.id, AuditHead.seq, AuditHead.hash).order_by(AuditHead.id)).all()
    return [{"lane": lane, "seq": seq, "hash": hash_} for lane, seq, hash_ in rows]


def anchor_line(when: datetime | None = None) -> str:
    """The JSON line for the heads as they are now, with its HMAC under the current audit key."""
    ring = keys.keyring()
    body = _body((when or utcnow()).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), current_heads(), ring.current_id)
    body["mac"] = keys.mac(ring.current, ring.current_id, b"anchor\x00" + _canonical(body))
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


def append_to_file(path: str | os.PathLike, line: str) -> None:
    # O_APPEND: every write goes to the end, whatever else holds the file open; never truncated.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def send_to_syslog(address: str, line: str) -> None:
    if ":" in address and not address.startswith("/"):
        host, _, port = address.rpartition(":")
        target: str | tuple[str, int] = (host, int(port))
    else:
        target = address
    handler = logging.handlers.SysLogHandler(
        address=target, facility=logging.handlers.SysLogHandler.LOG_AUTH, socktype=socket.SOCK_DGRAM
    )
    try:
        record = logging.LogRecord("portal.audit.anchor", logging.WARNING, __file__, 0, "%s", (line,), None)
        handler.setFormatter(logging.Formatter("darr-portal-audit-anchor: %(message)s"))
        handler.emit(record)
        if handler.socket is None:  # pragma: no cover - emit reports its own errors
            raise AnchorError(f"could not reach syslog at {address}")
    finally:
        handler.close()


def write_anchor(config=None) -> tuple[str, list[str]]:
    """Write the current heads everywhere configured; return (the line, where it went)."""
    config = config if config is not None else current_app.config
    path, syslog_address = config.get("AUDIT_ANCHOR_FILE"), config.get("AUDIT_ANCHOR_SYSLOG")
    if not (path or syslog_address):
        raise AnchorError("set AUDIT_ANCHOR_FILE and/or AUDIT_ANCHOR_SYSLOG: there is nowhere to write the anchor")
    line = anchor_line()
    places = []
    if path:
        append_to_file(path, line)
        places.append(str(path))
    if syslog_address:
        send_to_syslog(syslog_address, line)
        places.append(f"syslog {syslog_address}")
    return line, places


def parse_line(line: str, line_number: int = 0) -> Anchor:
    """One anchor line, its HMAC checked. Raises ``AnchorError``."""
    where = f"line {line_number}" if line_number else "the anchor"
    try:
        body = json.loads(line)
        mac, key_id = body.pop("mac"), body["key_id"]
        heads = {int(h["lane"]): (int(h["seq"]), str(h["hash"])) for h in body["heads"]}
        anchored_at = str(body["anchored_at"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise AnchorError(f"{where} of the anchor file is not an anchor ({exc})") from None
    try:
        key = keys.keyring().get(key_id)
    except LookupError:
        raise AnchorError(
            f"{where} was written under audit key {key_id}, which is neither AUDIT_KEY nor in AUDIT_OLD_KEYS"
        ) from None
    if not hmac.compare_digest(mac, keys.mac(key, key_id, b"anchor\x00" + _canonical(body))):
        raise AnchorError(f"{where} of the anchor file was altered (its HMAC does not match)")
    return Anchor(anchored_at, heads, line_number)


def latest_anchor(path: str | os.PathLike) -> Anchor | None:
    """The last anchor in the file (read line by line: the file only grows), or None if there is none."""
    last, number = None, 0
    file = Path(path)
    if not file.exists():
        return None
    with file.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):  # noqa: B007 - the last number is used
            if line.strip():
                last = (line, number)
    return parse_line(*last) if last else None
