"""Where each request of a review stands: the tracker grid, the agency's list, the work queues.

Every list here is a fixed number of queries whatever the number of requests (the requests
with their agencies, their current returns, their IMRs, the last reminders), tested at two sizes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.orm import lazyload, selectinload

from portal.authz import visible_cases
from portal.cases.models import Case
from portal.clock import london_today
from portal.extensions import db
from portal.notify import last_reminders

from .models import Imr, TrawlRequest, TrawlReturn

# The tracker's statuses, each with its GOV.UK tag colour (None: done, shown as plain text).
STATUSES = {
    "sent": ("Sent", "grey"),
    "acknowledged": ("Acknowledged", "light-blue"),
    "in_progress": ("In progress", "blue"),
    "overdue": ("Overdue", "red"),
    "nil_return": ("Nil return", "turquoise"),
    "returned": ("Returned with contact", "green"),
    "more_info": ("More information requested", "orange"),
    "imr_requested": ("IMR requested", "purple"),
    "imr_received": ("IMR received", "pink"),
    "accepted": ("Accepted", None),
}


@dataclass
class RequestLine:
    request: TrawlRequest
    current: TrawlReturn | None
    imr: Imr | None
    last_reminder: datetime | None
    status: str
    today: date
    # Whether the agency has an active contact in the portal: without one the request reaches
    # nobody (no e-mail, nobody to answer) until one is invited.
    has_contact: bool = True

    @property
    def no_contact(self) -> bool:
        """Work waits on the agency, but nobody there can see it."""
        return not self.has_contact and (self.waiting_on_agency or (self.imr is not None and self.imr.is_open))

    @property
    def label(self) -> str:
        return STATUSES[self.status][0]

    @property
    def colour(self) -> str | None:
        return STATUSES[self.status][1]

    @property
    def waiting_on_agency(self) -> bool:
        return self.status in ("sent", "acknowledged", "in_progress", "overdue", "more_info")

    @property
    def due_on(self) -> date:
        if self.imr is not None and self.imr.is_open:
            return self.imr.due_on
        return self.request.due_on

    @property
    def days_left(self) -> int:
        return (self.due_on - self.today).days

    @property
    def when(self) -> str:
        if not self.waiting_on_agency and not (self.imr and self.imr.is_open):
            return ""
        days = self.days_left
        if days < 0:
            return f"{-days} day{'s' if days != -1 else ''} overdue"
        if days == 0:
            return "Due today"
        return f"{days} day{'s' if days != 1 else ''} to go"


def status_of(request: TrawlRequest, current: TrawlReturn | None, imr: Imr | None, today: date) -> str:
    if request.closed_at is not None:
        if imr is not None and imr.status != "accepted":
            return "imr_received" if imr.status == "received" else "imr_requested"
        return "accepted"
    if imr is not None:
        return "imr_received" if imr.status in ("received", "accepted") else "imr_requested"
    if current is not None and current.status == "submitted":
        return "nil_return" if current.nil_return else "returned"
    if request.due_on < today:
        return "overdue"
    if current is not None and current.number > 1:
        return "more_info"
    if current is not None and current.updated_at is not None:
        return "in_progress"
    if request.acknowledged_at is not None:
        return "acknowledged"
    return "sent"


def organisations_with_contacts(organisation_ids) -> set[int]:
    """Which of the organisations have an active agency contact, in one query."""
    from portal.auth.models import User

    ids = set(organisation_ids)
    if not ids:
        return set()
    return set(
        db.session.execute(
            select(User.organisation_id)
            .where(User.organisation_id.in_(ids), User.is_agency_contact.is_(True), User.active.is_(True))
            .distinct()
        ).scalars()
    )


def lines_for(requests: list[TrawlRequest]) -> list[RequestLine]:
    """The requests' lines, in four queries (their current returns, IMRs, last reminders, and
    which agencies have a contact)."""
    ids = [request.id for request in requests]
    today = london_today()
    current: dict[int, TrawlReturn] = {}
    imrs: dict[int, Imr] = {}
    if ids:
        latest = (
            select(TrawlReturn.request_id, func.max(TrawlReturn.number).label("number"))
            .where(TrawlReturn.request_id.in_(ids))
            .group_by(TrawlReturn.request_id)
            .subquery()
        )
        rows = db.session.execute(
            select(TrawlReturn)
            .join(latest, (latest.c.request_id == TrawlReturn.request_id) & (latest.c.number == TrawlReturn.number))
            # A line shows the return's and the IMR's status, never their answers or files: those
            # are not read with them (a statement fewer each on every list; read if asked for).
            .options(lazyload(TrawlReturn.contacts), lazyload(TrawlReturn.attachments))
        ).scalars()
        current = {row.request_id: row for row in rows}
        found = db.session.execute(select(Imr).where(Imr.request_id.in_(ids)).options(lazyload(Imr.documents)))
        imrs = {imr.request_id: imr for imr in found.scalars()}
    return _lines(requests, current, imrs, today)


def line_of(request: TrawlRequest, imr: Imr | None) -> RequestLine:
    """One request's line from what its page has loaded already (its returns, its IMR): two
    queries (the last reminder, whether the agency has a contact) instead of ``lines_for``'s
    reading them all again."""
    current = {request.id: request.current} if request.current is not None else {}
    return _lines([request], current, {request.id: imr} if imr is not None else {}, london_today())[0]


def _lines(requests, current: dict, imrs: dict, today: date) -> list[RequestLine]:
    reminders = last_reminders([request.reminder_key for request in requests])
    contacted = organisations_with_contacts(request.organisation_id for request in requests)
    lines = []
    for request in requests:
        ret, imr = current.get(request.id), imrs.get(request.id)
        lines.append(
            RequestLine(
                request,
                ret,
                imr,
                reminders.get(request.reminder_key),
                status_of(request, ret, imr, today),
                today,
                request.organisation_id in contacted,
            )
        )
    return lines


def _due_first(statement):
    """Order requests by the date the agency must answer by, as ``RequestLine.due_on`` shows it:
    an open IMR's due date, else the request's (so overdue ones come first by themselves)."""
    due = sql_case((Imr.status.in_(("requested", "returned")), Imr.due_on), else_=TrawlRequest.due_on)
    return statement.outerjoin(Imr, Imr.request_id == TrawlRequest.id).order_by(due, TrawlRequest.id)


def case_lines(case) -> list[RequestLine]:
    """The tracker of one review: its agencies by name."""
    from portal.admin.models import Organisation

    requests = list(
        db.session.execute(
            select(TrawlRequest)
            .join(Organisation, Organisation.id == TrawlRequest.organisation_id)
            .where(TrawlRequest.case_id == case.id)
            .order_by(Organisation.name)
        ).scalars()
    )
    return lines_for(requests)


def counts(lines: list[RequestLine]) -> dict[str, int]:
    found: dict[str, int] = {}
    for line in lines:
        found[line.status] = found.get(line.status, 0) + 1
    return found


def agency_lines(user, *, include_closed: bool = False) -> list[RequestLine]:
    """Requests to the person's own agency on every review they may see, due first."""
    if not user.is_agency_contact:
        return []
    statement = _due_first(
        select(TrawlRequest).where(
            TrawlRequest.organisation_id == user.organisation_id,
            TrawlRequest.case_id.in_(visible_cases(user).with_only_columns(Case.id)),
        )
    )
    if not include_closed:
        statement = statement.where(TrawlRequest.closed_at.is_(None))
    requests = list(db.session.execute(statement.options(selectinload(TrawlRequest.case))).scalars())
    return lines_for(requests)


def case_ids_where(user, action):
    """A SELECT of the ids of the cases on which ``user`` holds a role that ``action`` allows,
    from every role source in one statement (for lists that need a permission, not just a role)."""
    from sqlalchemy import union_all

    from portal.authz import sources
    from portal.authz.policy import rule_for

    roles = sorted(rule_for(action).case_roles)
    branches = []
    for source in sources.registry().with_grants:
        statement = source.grants()
        columns = statement.selected_columns
        branches.append(
            statement.where(columns.user_id == user.id, columns.role.in_(roles)).with_only_columns(
                columns.case_id, maintain_column_froms=True
            )
        )
    return branches[0] if len(branches) == 1 else union_all(*branches)


def reviewer_lines(user) -> list[RequestLine]:
    """For the business office and authors: every request on the reviews whose returns they see,
    for their work queue (one statement for the requests, whatever the number of reviews)."""
    from portal.authz import Action

    requests = list(
        db.session.execute(
            _due_first(
                select(TrawlRequest).where(TrawlRequest.case_id.in_(case_ids_where(user, Action.VIEW_ALL_RETURNS)))
            ).options(selectinload(TrawlRequest.case))
        ).scalars()
    )
    return lines_for(requests)
