"""Reading the audit trail: the admin search and a case's access log.

Only the columns people need are shown: when, who, what, outcome, object, case, IP.
``detail`` is never shown whole; a few reason codes are (``SHOWN_DETAIL``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select

from portal.auth.models import User
from portal.clock import LONDON
from portal.extensions import db
from portal.web.paging import Paged, Window
from portal.web.requests import int_arg

from .models import AuditEvent

PER_PAGE = 50
OUTCOME_LABELS = {"success": "Success", "failure": "Failure", "denied": "Denied"}
# Reason codes and numbers, never free text: safe to show beside the outcome.
SHOWN_DETAIL = ("status", "reason")

ACTION_LABELS = {
    "access.denied": "Access refused",
    "auth.sign_in": "Sign-in",
    "auth.sign_out": "Sign-out",
    "auth.reauthenticated": "Confirmed identity",
    "auth.password_changed": "Password changed",
    "auth.password_reset": "Password reset",
    "auth.password_reset_requested": "Password reset requested",
    "auth.invitation_accepted": "Invitation accepted",
    "auth.security_code_changed": "Security code changed",
    "case.viewed": "Viewed the case page",
    "case.identities_viewed": "Viewed real names",
    "case.access_log_viewed": "Viewed who accessed the case",
    "trawl.identities_viewed": "Viewed the identifying details of an information request",
    "trawl.chronology_exported": "Exported the merged chronology",
    "audit.searched": "Searched the audit trail",
}


def action_label(action: str) -> str:
    """A readable name for an action code; unknown codes are shown as they are."""
    return ACTION_LABELS.get(action, action)


@dataclass
class Criteria:
    """What to search for. ``start`` is inclusive and ``end`` exclusive, both UTC."""

    user_id: int | None = None
    email_fingerprint: str | None = None
    case_ids: list[int] | None = None
    action: str | None = None
    outcome: str | None = None
    start: datetime | None = None
    end: datetime | None = None

    def summary(self) -> dict:
        """The search itself, for its own audit event: identifiers and dates only."""
        out = {
            "user_id": self.user_id,
            "by_email": bool(self.email_fingerprint),
            "case_ids": self.case_ids,
            "action": self.action,
            "outcome": self.outcome,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
        }
        return {key: value for key, value in out.items() if value}


@dataclass
class Row:
    event: AuditEvent
    actor_name: str | None
    actor_organisation: str | None
    case_reference: str | None
    object_label: str | None

    @property
    def action_label(self) -> str:
        return action_label(self.event.action)

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS.get(self.event.outcome, self.event.outcome)

    @property
    def shown_detail(self) -> str:
        detail = self.event.detail or {}
        return ", ".join(f"{detail[key]}" for key in SHOWN_DETAIL if isinstance(detail.get(key), (int, str)))


class Page(Paged):
    """A page of audit events (``rows``: ``Row``)."""


def london_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """Calendar dates in England as UTC instants: from the start of ``start`` to the end of ``end``."""

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=LONDON).astimezone(UTC)

    return (midnight(start) if start else None, midnight(end + timedelta(days=1)) if end else None)


REFERENCE_RE = re.compile(r"^(?:(?:dhr|dardr)\s+)?(?:case\s+)?([a-z]{1,8})\s+(\d{4})$", re.IGNORECASE)


def find_case_ids(text: str) -> list[int]:
    """Cases matching what someone typed: a case number, a reference ("DHR Case H 2022") or a pseudonym."""
    from portal.cases.models import Case

    text = " ".join(text.split())
    number = text.removeprefix("#")
    if number.isdigit():  # any digits: a number beyond the database's range matches no case
        case_id = int_arg(number)
        return [case_id] if case_id is not None else []
    match = REFERENCE_RE.match(text)
    query = select(Case.id)
    if match:
        letter, year = match.groups()
        query = query.where(func.upper(Case.letter) == letter.upper(), Case.year == int(year))
    else:
        query = query.where(func.lower(Case.pseudonym) == text.lower())
    return list(db.session.execute(query.order_by(Case.id)).scalars())


def user_by_email(email: str) -> User | None:
    return db.session.execute(select(User).where(func.lower(User.email) == email.strip().lower())).scalar_one_or_none()


def people() -> list[User]:
    return list(db.session.execute(select(User).order_by(User.name, User.id)).scalars())


def action_names() -> list[str]:
    """Every action that has been recorded, for the filter's list.

    A walk along the action index, one step per distinct action (the next name after the last),
    instead of ``SELECT DISTINCT``, which reads every entry of the index: a few dozen names
    among millions of events."""
    names = select(func.min(AuditEvent.action).label("action")).cte("action_names", recursive=True)
    following = select(func.min(AuditEvent.action)).where(AuditEvent.action > names.c.action).scalar_subquery()
    names = names.union_all(select(following).where(names.c.action.is_not(None)))
    return list(db.session.scalars(select(names.c.action).where(names.c.action.is_not(None)).order_by(names.c.action)))


def matching_state(criteria: Criteria) -> tuple[int, int | None]:
    """How many events match ``criteria`` and the newest one's id: for the page cache's key.

    Events are only ever appended (never edited or deleted: a PostgreSQL trigger refuses it,
    and nothing purges them), so the rows matching a search only grow, and the count alone
    tells whether any were added. The newest id alone would not: on PostgreSQL, transactions
    holding different lanes commit in any order, so an event can become visible after one
    with a higher id."""
    statement = select(func.count(), func.max(AuditEvent.id)).where(*_conditions(criteria))
    count, newest = db.session.execute(statement).one()
    return count, newest


def _conditions(criteria: Criteria) -> list:
    conditions = []
    about_person = []
    if criteria.user_id is not None:
        # Events by this person, and events about their account (a failed sign-in has no actor).
        about_person += [
            AuditEvent.actor_id == criteria.user_id,
            and_(AuditEvent.object_type == "user", AuditEvent.object_id == str(criteria.user_id)),
        ]
    if criteria.email_fingerprint:
        # Sign-in attempts with an address that matches no account are recorded by its hash.
        about_person.append(AuditEvent.detail["email"].as_string() == criteria.email_fingerprint)
    if about_person:
        conditions.append(or_(*about_person))
    if criteria.case_ids is not None:
        conditions.append(AuditEvent.case_id.in_(criteria.case_ids))
    if criteria.action:
        conditions.append(AuditEvent.action == criteria.action)
    if criteria.outcome:
        conditions.append(AuditEvent.outcome == criteria.outcome)
    if criteria.start is not None:
        conditions.append(AuditEvent.occurred_at >= criteria.start)
    if criteria.end is not None:
        conditions.append(AuditEvent.occurred_at < criteria.end)
    return conditions


def _page(conditions: list, number: int) -> Page:
    from portal.admin.models import Organisation
    from portal.cases.models import Case, reference_of

    total = db.session.execute(select(func.count()).select_from(AuditEvent).where(*conditions)).scalar_one()
    page = Page(rows=[], window=Window.of(number, total, PER_PAGE))
    results = db.session.execute(
        select(
            AuditEvent,
            User.name,
            Organisation.name,
            Case.id,  # only what the reference is made of, not whole cases
            Case.letter,
            Case.year,
            Case.review_type,
            Case.lead_area,
            Case.pseudonym,
        )
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .outerjoin(Case, Case.id == AuditEvent.case_id)
        .where(*conditions)
        .order_by(AuditEvent.id.desc())  # the order they were written in, across the trail's lanes
        .limit(PER_PAGE)
        .offset(page.window.offset)
    ).all()
    # The people events are about, in one look-up for the page (object ids are text: a join on
    # them could not use the users' key).
    user_ids = {int(e.object_id) for e, *_ in results if e.object_type == "user" and (e.object_id or "").isdigit()}
    names = (
        dict(db.session.execute(select(User.id, User.name).where(User.id.in_(user_ids))).tuples().all())
        if user_ids
        else {}
    )
    for event, actor_name, organisation, case_id, *reference in results:
        if case_id is not None:
            case_reference = reference_of(*reference)
        else:
            case_reference = f"Case number {event.case_id}" if event.case_id else None
        page.rows.append(
            Row(
                event=event,
                actor_name=actor_name,
                actor_organisation=organisation,
                case_reference=case_reference,
                object_label=_object_label(event, names),
            )
        )
    return page


def _object_label(event: AuditEvent, names: dict[int, str]) -> str | None:
    if not event.object_type:
        return None
    kind = event.object_type.replace("_", " ").capitalize()
    if event.object_type == "user" and event.object_id and event.object_id.isdigit():
        name = names.get(int(event.object_id))
        if name:
            return f"{kind}: {name}"
    return f"{kind} {event.object_id}" if event.object_id else kind


def search(criteria: Criteria, number: int = 1) -> Page:
    """One page of events matching ``criteria``, newest first."""
    return _page(_conditions(criteria), number)


def case_events(case_id: int, number: int = 1) -> Page:
    """One page of every event about a case, newest first: who looked, changed or was refused."""
    return _page([AuditEvent.case_id == case_id], number)
