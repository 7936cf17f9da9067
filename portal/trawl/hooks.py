"""What the trawl adds to other parts of the portal: the tracker on the case page, the work
queues on the home page, the "Requests for my agency" item, and the reminders that chase."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from flask import url_for
from sqlalchemy import select

from portal.authz import Action, can
from portal.cases.case_view import CaseSection, CaseTask, register_section
from portal.cases.timeline import register_events
from portal.extensions import db
from portal.home.work import WorkItem, WorkQueue, register_queue
from portal.notify import DueItem, register_kind, register_source
from portal.web.navigation import NavItem, register_nav

from . import services, tracker
from .models import Imr, TrawlRequest, TrawlReturn
from .timeline import timeline_events

# -- the case page ---------------------------------------------------------------------------------


def _tracker_shown(user, case) -> bool:
    return can(user, Action.VIEW_ALL_RETURNS, case)


def _tracker_load(user, case):
    return {
        "trawl": services.trawl_of(case),
        "lines": tracker.case_lines(case),
        "may_circulate": can(user, Action.CIRCULATE_TRAWL, case),
    }


def _tracker_task(user, case, data) -> CaseTask:
    lines = data["lines"]
    href = url_for("trawl.tracker", case_id=case.id) if data["trawl"] else url_for("trawl.circulate", case_id=case.id)
    if data["trawl"] is None:
        return CaseTask("Information trawl", href, "Not started", "grey", "Ask the agencies what they knew")
    if all(line.status == "accepted" for line in lines):
        return CaseTask("Information trawl", href, "Completed", None)
    overdue = sum(1 for line in lines if line.status == "overdue")
    accepted = sum(1 for line in lines if line.status == "accepted")
    hint = f"{accepted} of {len(lines)} returns accepted"
    if overdue:
        return CaseTask("Information trawl", href, "Overdue", "red", f"{hint}; {overdue} overdue")
    return CaseTask("Information trawl", href, "In progress", "blue", hint)


def _own_requests_shown(user, case) -> bool:
    return can(user, Action.SUBMIT_OWN_RETURN, case) and not can(user, Action.VIEW_ALL_RETURNS, case)


def _own_requests_load(user, case):
    requests = list(
        db.session.execute(
            select(TrawlRequest).where(
                TrawlRequest.case_id == case.id, TrawlRequest.organisation_id == user.organisation_id
            )
        ).scalars()
    )
    return tracker.lines_for(requests)


SECTIONS = (
    CaseSection(
        "information_trawl", "trawl/_case-tracker.html", _tracker_shown, _tracker_load, _tracker_task, order=20
    ),
    CaseSection("trawl_requests", "trawl/_case-requests.html", _own_requests_shown, _own_requests_load, order=10),
)


# -- home page work queues -------------------------------------------------------------------------


def _agency_queue(user) -> list[WorkItem]:
    items = []
    for line in tracker.agency_lines(user, include_closed=True):
        if not line.waiting_on_agency and not (line.imr and line.imr.is_open):
            continue
        title = "Answer the information request"
        if line.imr is not None and line.imr.is_open:
            title = "Send the Individual Management Review"
        elif line.status == "more_info":
            title = "Give the more information asked for"
        items.append(
            WorkItem(
                title,
                url_for("trawl.request_page", case_id=line.request.case_id, request_id=line.request.id),
                due_on=line.due_on,
                case_reference=line.request.case.reference,
                status=line.label,
                colour="red" if line.days_left < 0 else (line.colour or "grey"),
            )
        )
    return items


def _reviewer_queue(user) -> list[WorkItem]:
    items = []
    for line in tracker.reviewer_lines(user):
        if line.no_contact:
            title = f"Invite a contact for {line.request.organisation.name}: no one can answer its request"
        elif line.status in ("nil_return", "returned", "imr_received"):
            title = f"Read {line.request.organisation.name}'s return"
        elif line.status == "overdue":
            title = f"Chase {line.request.organisation.name}: its return is overdue"
        elif line.status == "imr_requested" and line.imr.is_open and line.days_left < 0:
            title = f"Chase {line.request.organisation.name}: its IMR is overdue"
        else:
            continue
        items.append(
            WorkItem(
                title,
                url_for("trawl.request_page", case_id=line.request.case_id, request_id=line.request.id),
                due_on=line.due_on,
                case_reference=line.request.case.reference,
                status="No contact in the portal" if line.no_contact else line.label,
                colour="yellow" if line.no_contact else (line.colour or "grey"),
            )
        )
    return items


QUEUES = (
    WorkQueue(
        "trawl_agency",
        "Requests for your agency",
        _agency_queue,
        order=20,
        empty=lambda user: "No information request is waiting for your agency." if user.is_agency_contact else None,
    ),
    WorkQueue("trawl_returns", "Information trawl: returns to read and requests overdue", _reviewer_queue, order=30),
)


# -- reminders -------------------------------------------------------------------------------------


def open_requests(due_by: date) -> Iterator[DueItem]:
    """Requests still waiting for a return, due on or before ``due_by``: two queries in all."""
    statement = (
        select(TrawlRequest, TrawlReturn.status)
        .join(TrawlReturn, TrawlReturn.request_id == TrawlRequest.id)
        .where(TrawlRequest.closed_at.is_(None), TrawlRequest.due_on <= due_by, TrawlReturn.status == "draft")
    )
    found = list(db.session.execute(statement).all())
    contacts = services.agency_contacts(request.organisation_id for request, _status in found)
    office = _office_if_needed(contacts, (request.organisation_id for request, _status in found))
    for request, _status in found:
        yield _due_item(request.reminder_key, contacts.get(request.organisation_id), office, request.due_on, request)


def _office_if_needed(contacts, organisation_ids) -> tuple[int, ...]:
    """The business office's active accounts, looked up only when some agency has no contact."""
    from portal.auth.models import User

    if all(organisation_id in contacts for organisation_id in organisation_ids):
        return ()
    return tuple(
        db.session.execute(
            select(User.id).where(User.system_role == "business_office", User.active.is_(True))
        ).scalars()
    )


def _due_item(thing: str, agency_contacts, office: tuple[int, ...], due_on: date, request) -> DueItem:
    """Chase the agency's contacts; an agency with none in the portal would be chased by nobody,
    so its request goes to the business office from the start (to invite a contact, or answer
    for it), and there is no later escalation to them: they are the ones reminded already."""
    link = f"/cases/{request.case_id}/trawl/requests/{request.id}"
    if agency_contacts:
        return DueItem(thing=thing, recipients=tuple(user.id for user in agency_contacts), due_on=due_on, link=link)
    return DueItem(thing=thing, recipients=office, due_on=due_on, link=link, escalations=())


def open_imrs(due_by: date) -> Iterator[DueItem]:
    found = list(
        db.session.execute(
            select(Imr, TrawlRequest)
            .join(TrawlRequest, TrawlRequest.id == Imr.request_id)
            .where(Imr.status.in_(("requested", "returned")), Imr.due_on <= due_by)
        ).all()
    )
    contacts = services.agency_contacts(request.organisation_id for _imr, request in found)
    office = _office_if_needed(contacts, (request.organisation_id for _imr, request in found))
    for imr, request in found:
        yield _due_item(f"trawl_imr:{imr.id}", contacts.get(request.organisation_id), office, imr.due_on, request)


KINDS = ("trawl_request_sent", "trawl_more_information", "trawl_imr_requested")


def _agency_contact(user) -> bool:
    return bool(getattr(user, "is_agency_contact", False))


def init_app(app) -> None:
    for section in SECTIONS:
        register_section(app, section)
    for queue in QUEUES:
        register_queue(app, queue)
    register_nav(
        app,
        # After "My actions" (30): each item has its own order, so none depends on how keys sort.
        NavItem("trawl_requests", "Requests for my agency", "trawl.my_requests", _agency_contact, ("trawl.",), 35),
    )
    register_nav(
        app,
        NavItem(
            "agency_lists",
            "Agency lists",
            "trawl.agency_lists",
            lambda user: can(user, Action.MANAGE_AGENCY_LISTS),
            ("trawl.agency_lists", "trawl.new_agency_list", "trawl.edit_agency_list"),
            74,  # before Retention (75)
        ),
    )
    register_events(app, "trawl", timeline_events)
    for kind in KINDS:
        register_kind(kind)
    register_source("trawl_request", open_requests)
    register_source("trawl_imr", open_imrs)
