"""The e-mail outbox: written in the caller's transaction, sent afterwards, retried, never lost.

``enqueue`` adds a row and flushes; it never commits, so the e-mail exists exactly when the
change that causes it commits (services flush, routes commit). ``send_pending`` delivers what
is due. Several senders may run at once (web nodes after their requests, ``flask outbox send``
on two machines): each first *claims* rows with one atomic UPDATE that stamps them with its own
token (on PostgreSQL the candidate rows are picked with ``FOR UPDATE SKIP LOCKED``, so senders
never wait on each other; on SQLite the database's write lock makes the UPDATE atomic) and
commits the claim before talking to the SMTP server. Only the holder of the token marks a row
sent or failed, one commit per message.

What can still happen, and is the price of SMTP having no transactions: a sender killed after
the server accepted a message but before it recorded that leaves the row claimed; once the
claim is older than OUTBOX_CLAIM_SECONDS another sender sends it again, with the same
Message-ID so mail systems can tell it is the same message.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import smtplib
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import parseaddr

from flask import after_this_request, current_app, g, has_request_context
from flask_mailman import EmailMessage
from sqlalchemy import and_, func, or_, select, update

from portal.clock import as_utc, utcnow
from portal.extensions import db, mail

from . import kinds
from .models import CANCELLED, FAILED, PENDING, SENDING, SENT, OutboxMessage

log = logging.getLogger(__name__)


def enqueue(kind: str, recipient, link: str | None = None) -> OutboxMessage:
    """Queue one e-mail of ``kind`` to ``recipient`` (a ``User`` or a user id) linking to ``link``.

    Adds the row to the current transaction and flushes; the caller commits (or rolls back,
    and then no e-mail exists). Takes no text: the kind's template says everything, and the
    link must be a portal page whose variable parts are ids (see ``kinds.check_link``).
    Inside a request, the message is sent as soon as the response has gone, if the request
    committed it; otherwise the next ``flask outbox send`` sends it.
    """
    message_kind = kinds.get_kind(kind)
    path = kinds.check_link(message_kind, link)
    kinds.check_templates(message_kind)
    recipient_id = recipient if isinstance(recipient, int) and not isinstance(recipient, bool) else None
    if recipient_id is None:
        recipient_id = getattr(recipient, "id", None)
    if not isinstance(recipient_id, int):
        raise kinds.MessageError("a message goes to a user (a User or a user id)")
    now = utcnow()
    message = OutboxMessage(
        uid=secrets.token_hex(16),
        kind=message_kind.name,
        recipient_id=recipient_id,
        link_path=path,
        status=PENDING,
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )
    db.session.add(message)
    db.session.flush()
    _send_after_response(message.id)
    return message


def _send_after_response(message_id: int) -> None:
    """Remember the id; once the response has gone, send it if the request committed it.

    No commit hook is needed: a rolled-back message does not exist, so there is nothing to send.
    """
    if not has_request_context() or not current_app.config.get("OUTBOX_SEND_AFTER_REQUEST", True):
        return
    if "_outbox_ids" not in g:
        g._outbox_ids = ids = []
        app = current_app._get_current_object()

        @after_this_request
        def _register(response):
            response.call_on_close(lambda: _send_in_app(app, ids))
            return response

    g._outbox_ids.append(message_id)


def _send_in_app(app, ids: list[int]) -> None:
    try:
        with app.app_context():
            send_pending(ids=list(ids))
    except Exception:  # the scheduled sender will try again; the response has already gone
        log.exception("sending queued e-mails after the response failed")


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0  # failed this time, will be tried again after a back-off
    failed: int = 0  # gave up: marked failed for an administrator
    cancelled: int = 0
    server_unavailable: bool = False
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure: doubling from OUTBOX_RETRY_SECONDS."""
    config = current_app.config
    seconds = config["OUTBOX_RETRY_SECONDS"] * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, config["OUTBOX_RETRY_MAX_SECONDS"]))


def _claimable(now):
    stale = now - timedelta(seconds=current_app.config["OUTBOX_CLAIM_SECONDS"])
    return or_(
        and_(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == SENDING, OutboxMessage.claimed_at < stale),
    )


def _claim(limit: int, ids: list[int] | None) -> tuple[str, list[OutboxMessage]]:
    """Take up to ``limit`` due messages for this sender, atomically, and commit the claim.

    The candidates are a CTE so that PostgreSQL picks and locks them once: as a plain
    ``IN (SELECT .. LIMIT .. FOR UPDATE SKIP LOCKED)`` the planner may run the subquery again
    for each row, skip the rows this very statement has just updated, and claim everything.
    """
    now = utcnow()
    token = secrets.token_hex(16)
    candidates = (
        select(OutboxMessage.id)
        .where(_claimable(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite renders nothing and locks the database
    )
    if ids is not None:
        candidates = candidates.where(OutboxMessage.id.in_(ids))
    picked = candidates.cte("claimable")
    if db.session.get_bind().dialect.name == "postgresql":
        picked = picked.prefix_with("MATERIALIZED")
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(select(picked.c.id)), _claimable(now))
        .values(status=SENDING, claim_token=token, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    rows = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.claim_token == token).order_by(OutboxMessage.id)
    ).scalars()
    return token, list(rows)


def _finish(message: OutboxMessage, token: str, **values) -> bool:
    """Record the outcome, only if this sender still holds the claim; commit it at once."""
    done = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.claim_token == token)
        .values(claim_token=None, claimed_at=None, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if not done:
        log.warning("outbox message %s was taken over by another sender", message.id)
    return bool(done)


def describe(exc: BaseException) -> str:
    """The error's class and SMTP code: what an administrator needs, and nothing the server said."""
    code = getattr(exc, "smtp_code", None)
    if code is None and isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({str(value[0]) for value in exc.recipients.values()})
        code = "/".join(codes)
    return f"{type(exc).__name__} {code}".strip() if code else type(exc).__name__


def _attempt_failed(message: OutboxMessage, token: str, exc: BaseException, report: SendReport) -> None:
    attempts = message.attempts + 1
    error = describe(exc)[:120]
    if attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        _finish(message, token, status=FAILED, attempts=attempts, last_error=error)
        report.failed += 1
        log.error("outbox message %s (%s) failed %s times; giving up: %s", message.id, message.kind, attempts, error)
    else:
        retry_at = utcnow() + backoff(attempts)
        _finish(message, token, status=PENDING, attempts=attempts, last_error=error, next_attempt_at=retry_at)
        report.retrying += 1
        log.warning("outbox message %s (%s) not sent (attempt %s): %s", message.id, message.kind, attempts, error)
    report.errors.append(error)


def _email(message: OutboxMessage, user) -> EmailMessage:
    subject, body = kinds.render(kinds.get_kind(message.kind), name=user.name, link_path=message.link_path)
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "review-portal.invalid"
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=sender,
        to=[user.email],
        headers={
            "Message-ID": f"<{message.uid}@{domain}>",
            # RFC 3834: automatic mail; out-of-office replies should not answer it.
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
        },
    )


# The server is unreachable or went away: every message after this one would fail the same way.
_UNAVAILABLE = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, TimeoutError)


def _deliver(batch: list[OutboxMessage], token: str, report: SendReport) -> None:
    from portal.auth.models import User

    connection = mail.get_connection()
    try:
        connection.open()
    except OSError as exc:
        report.server_unavailable = True
        for message in batch:
            _attempt_failed(message, token, exc, report)
        return
    try:
        for position, message in enumerate(batch):
            user = db.session.get(User, message.recipient_id)
            if user is None or not user.active:
                _finish(message, token, status=CANCELLED, last_error="recipient deactivated")
                report.cancelled += 1
                continue
            try:
                email = _email(message, user)
            except Exception as exc:  # a broken template: keep the message, tell an administrator
                log.exception("outbox message %s (%s) could not be written", message.id, message.kind)
                _attempt_failed(message, token, exc, report)
                continue
            try:
                if not connection.send_messages([email]):
                    raise smtplib.SMTPException("the backend sent nothing")
            except _UNAVAILABLE as exc:
                report.server_unavailable = True
                for unsent in batch[position:]:
                    _attempt_failed(unsent, token, exc, report)
                return
            except OSError as exc:  # smtplib errors are OSErrors: refused by the server, this one only
                _attempt_failed(message, token, exc, report)
                _close(connection)  # start the next message on a clean connection
                continue
            if _finish(message, token, status=SENT, sent_at=utcnow(), attempts=message.attempts + 1, last_error=None):
                report.sent += 1
    finally:
        _close(connection)


def _close(connection) -> None:
    with contextlib.suppress(OSError):
        connection.close()


def send_pending(*, limit: int | None = None, ids: list[int] | None = None) -> SendReport:
    """Send due messages (all of them, or at most ``limit``, or only those ``ids``) and report.

    Safe to run in several processes at once; stops early when the SMTP server is unreachable
    (the messages wait for their next attempt).
    """
    report = SendReport()
    batch_size = current_app.config["OUTBOX_BATCH_SIZE"]
    handled = 0
    while limit is None or handled < limit:
        size = batch_size if limit is None else min(batch_size, limit - handled)
        token, batch = _claim(size, ids)
        if not batch:
            break
        _deliver(batch, token, report)
        handled += len(batch)
        if report.server_unavailable or ids is not None:
            break
    return report


def status_counts() -> dict[str, int]:
    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    counts = {status: 0 for status in (PENDING, SENDING, SENT, FAILED, CANCELLED)}
    counts.update({status: count for status, count in rows})
    return counts


def failed_messages(limit: int = 100) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.status == FAILED).order_by(OutboxMessage.id.desc())
    return list(db.session.execute(query.limit(limit)).scalars())


def oldest_pending_at():
    value = db.session.execute(
        select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status.in_((PENDING, SENDING)))
    ).scalar()
    return as_utc(value)


def retry_failed(ids: list[int] | None = None) -> int:
    """Put failed messages (all, or those ``ids``) back in the queue for a fresh set of attempts.

    Flushes; the caller commits.
    """
    query = update(OutboxMessage).where(OutboxMessage.status == FAILED)
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    count = db.session.execute(
        query.values(status=PENDING, attempts=0, next_attempt_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount
    return count
