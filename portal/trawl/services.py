"""The trawl's rules: circulating, adding an agency, and deciding on returns.

Services flush and record their audit events; routes commit (``portal.web.saving.save``).
Audit details hold ids and codes only, never what anyone typed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import select

from portal.admin.models import Organisation
from portal.audit import record
from portal.auth.models import User
from portal.cases import member_services
from portal.cases.models import CaseAgency, RestrictedIdentity
from portal.clock import london_today, utcnow
from portal.errors import FormError
from portal.extensions import db
from portal.notify import add_working_days, enqueue

from .models import SUBJECT_ROLES, AgencyList, AgencyListMember, Trawl, TrawlRequest, TrawlReturn, TrawlSubject
from .returns import copy_version

# Organisations a trawl goes to: every type but "other" (the business office, the authors' group).
AGENCY_TYPES_EXCLUDED = ("other",)


@dataclass(frozen=True)
class SubjectInput:
    role: str
    pseudonym: str
    identity_id: int | None = None


def default_due_on(start: date | None = None) -> date:
    return add_working_days(start or london_today(), current_app.config.get("TRAWL_DUE_WORKING_DAYS", 20))


def default_due_on_more(start: date | None = None) -> date:
    """When more information is asked for: half the usual time, at least five working days."""
    days = max(5, current_app.config.get("TRAWL_DUE_WORKING_DAYS", 20) // 2)
    return add_working_days(start or london_today(), days)


def trawl_of(case) -> Trawl | None:
    return db.session.execute(select(Trawl).where(Trawl.case_id == case.id)).scalar_one_or_none()


def candidate_agencies() -> list[Organisation]:
    return list(
        db.session.execute(
            select(Organisation)
            .where(Organisation.active.is_(True), Organisation.type.not_in(AGENCY_TYPES_EXCLUDED))
            .order_by(Organisation.name)
        ).scalars()
    )


def agency_lists() -> list[AgencyList]:
    return list(db.session.execute(select(AgencyList).order_by(AgencyList.name)).scalars())


def _agencies(organisation_ids: Iterable[int], list_ids: Iterable[int]) -> list[Organisation]:
    wanted = set(organisation_ids)
    for list_id in list_ids:
        saved = db.session.get(AgencyList, list_id)
        if saved is None:
            raise FormError("Select a saved list of agencies", field="list_ids")
        wanted.update(saved.organisation_ids)
    allowed = {org.id: org for org in candidate_agencies()}
    if not wanted:
        raise FormError("Select at least one agency or a saved list", field="organisation_ids")
    if wanted - set(allowed):
        raise FormError("Select agencies from the list", field="organisation_ids")
    return [allowed[org_id] for org_id in sorted(wanted, key=lambda i: allowed[i].name)]


def _check_due(due_on: date | None) -> date:
    if due_on is None:
        raise FormError("Enter the date the returns are due", field="due_on")
    if due_on <= london_today():
        raise FormError("The due date must be in the future", field="due_on")
    return due_on


def circulate(
    case,
    *,
    actor: User,
    organisation_ids: Sequence[int],
    list_ids: Sequence[int] = (),
    scope_from: date | None,
    scope_to: date | None,
    subjects: Sequence[SubjectInput],
    due_on: date | None,
    message: str | None,
) -> Trawl:
    """Send the review's trawl: one request per agency, each agency involved in the case from now on."""
    if trawl_of(case) is not None:
        raise FormError("This review's trawl has already been sent: add agencies to it instead")
    if scope_from is None or scope_to is None:
        raise FormError("Enter the period the trawl covers", field="scope_from" if scope_from is None else "scope_to")
    if scope_to < scope_from:
        raise FormError("The end of the period must be the same as or after its start", field="scope_to")
    if not subjects:
        raise FormError("Name at least one person the trawl asks about", field="subjects")
    identities = {
        identity.id
        for identity in db.session.execute(
            select(RestrictedIdentity).where(RestrictedIdentity.case_id == case.id)
        ).scalars()
    }
    for subject in subjects:
        if subject.role not in SUBJECT_ROLES:
            raise FormError("Select the role of each person", field="subjects")
        if subject.identity_id is not None and subject.identity_id not in identities:
            raise FormError("Select a recorded name of this review", field="subjects")
    agencies = _agencies(organisation_ids, list_ids)
    due_on = _check_due(due_on)
    trawl = Trawl(
        case_id=case.id,
        scope_from=scope_from,
        scope_to=scope_to,
        message=message or None,
        created_by_id=actor.id,
        subjects=[TrawlSubject(role=s.role, pseudonym=s.pseudonym, identity_id=s.identity_id) for s in subjects],
    )
    db.session.add(trawl)
    db.session.flush()
    record(
        "trawl.circulated",
        object_type="trawl",
        object_id=trawl.id,
        case_id=case.id,
        detail={"agencies": [org.id for org in agencies], "subjects": len(subjects), "due_on": due_on.isoformat()},
    )
    for organisation in agencies:
        _send(trawl, organisation, due_on, actor)
    return trawl


def add_agency(trawl: Trawl, *, actor: User, organisation_id: int | None, due_on: date | None) -> TrawlRequest:
    """An agency asked later gets its own request, with its own due date."""
    agencies = {org.id: org for org in candidate_agencies()}
    organisation = agencies.get(organisation_id or 0)
    if organisation is None:
        raise FormError("Select an agency", field="organisation_id")
    existing = db.session.execute(
        select(TrawlRequest).where(TrawlRequest.trawl_id == trawl.id, TrawlRequest.organisation_id == organisation.id)
    ).scalar_one_or_none()
    if existing is not None:
        raise FormError(f"{organisation.name} has already been sent this trawl", field="organisation_id")
    return _send(trawl, organisation, _check_due(due_on), actor)


def _send(trawl: Trawl, organisation: Organisation, due_on: date, actor: User) -> TrawlRequest:
    request = TrawlRequest(
        trawl_id=trawl.id,
        case_id=trawl.case_id,
        organisation_id=organisation.id,
        due_on=due_on,
        sent_at=utcnow(),
        sent_by_id=actor.id,
    )
    request.returns.append(TrawlReturn(number=1, status="draft"))
    db.session.add(request)
    db.session.flush()
    involved = db.session.execute(
        select(CaseAgency).where(CaseAgency.case_id == trawl.case_id, CaseAgency.organisation_id == organisation.id)
    ).scalar_one_or_none()
    if involved is None:
        member_services.add_agency(trawl.case, organisation.id)
    record(
        "trawl.request_sent",
        object_type="trawl_request",
        object_id=request.id,
        case_id=trawl.case_id,
        detail={"organisation_id": organisation.id, "due_on": due_on.isoformat()},
    )
    for contact in agency_contacts([organisation.id]).get(organisation.id, []):
        enqueue("trawl_request_sent", contact, f"/cases/{trawl.case_id}/trawl/requests/{request.id}")
    return request


def agency_contacts(organisation_ids: Iterable[int]) -> dict[int, list[User]]:
    """The active contacts of each organisation, in one query."""
    ids = list(set(organisation_ids))
    found: dict[int, list[User]] = {}
    if not ids:
        return found
    rows = db.session.execute(
        select(User).where(User.organisation_id.in_(ids), User.is_agency_contact.is_(True), User.active.is_(True))
    ).scalars()
    for user in rows:
        found.setdefault(user.organisation_id, []).append(user)
    return found


def attach_to_trawl(trawl: Trawl, *, document) -> None:
    """A file every asked agency can download (terms of reference, a blank chronology template)."""
    from .models import TrawlAttachment

    trawl.attachments.append(TrawlAttachment(document_id=document.id))
    db.session.flush()
    record(
        "trawl.attachment_added",
        object_type="trawl",
        object_id=trawl.id,
        case_id=trawl.case_id,
        detail={"document_id": document.id},
    )


# -- decisions on a return (business office or author) -----------------------------------------------


def _check_version(item, version) -> None:
    from portal.errors import StaleError

    if str(item.version) != str(version or ""):
        raise StaleError()


def ask_for_more(
    trawl_return: TrawlReturn, *, actor: User, note: str | None, version, due_on: date | None = None
) -> TrawlReturn:
    """Reopen a submitted return as a new version, due ``due_on``; this one is kept as it was, with the note."""
    _check_version(trawl_return, version)
    if trawl_return.status != "submitted":
        raise FormError("Only a submitted return can be reopened")
    if not note:
        raise FormError("Say what more information is needed", field="note")
    if due_on is not None:
        # A new due date starts a new set of reminders (the reminder key holds the date).
        trawl_return.request.due_on = _check_due(due_on)
    trawl_return.status = "more_info"
    trawl_return.more_info_note = note
    trawl_return.decided_at, trawl_return.decided_by_id = utcnow(), actor.id
    following = copy_version(trawl_return)
    db.session.flush()
    request = trawl_return.request
    record(
        "trawl.more_information_requested",
        object_type="trawl_return",
        object_id=trawl_return.id,
        case_id=request.case_id,
        detail={"request_id": request.id, "new_version": following.number},
    )
    for contact in agency_contacts([request.organisation_id]).get(request.organisation_id, []):
        enqueue("trawl_more_information", contact, f"/cases/{request.case_id}/trawl/requests/{request.id}")
    return following


def accept(trawl_return: TrawlReturn, *, actor: User, version) -> TrawlReturn:
    """Accept a submitted return: the request closes, and its agency no longer sees the subjects' names."""
    _check_version(trawl_return, version)
    if trawl_return.status != "submitted":
        raise FormError("Only a submitted return can be accepted")
    trawl_return.status = "accepted"
    trawl_return.decided_at, trawl_return.decided_by_id = utcnow(), actor.id
    trawl_return.request.closed_at = utcnow()
    db.session.flush()
    record(
        "trawl.return_accepted",
        object_type="trawl_return",
        object_id=trawl_return.id,
        case_id=trawl_return.request.case_id,
        detail={"request_id": trawl_return.request_id, "version": trawl_return.number},
    )
    return trawl_return


# -- saved lists of agencies (business office) ----------------------------------------------------


def save_agency_list(
    saved: AgencyList | None, *, actor: User, name: str, organisation_ids: Sequence[int]
) -> AgencyList:
    if not name:
        raise FormError("Enter a name for the list", field="name")
    clash = db.session.execute(select(AgencyList).where(AgencyList.name == name)).scalar_one_or_none()
    if clash is not None and clash is not saved:
        raise FormError(f"There is already a list called {name}", field="name")
    agencies = {org.id for org in candidate_agencies()}
    chosen = [org_id for org_id in dict.fromkeys(organisation_ids) if org_id in agencies]
    if not chosen:
        raise FormError("Select at least one agency", field="organisation_ids")
    if saved is None:
        saved = AgencyList(name=name, created_by_id=actor.id)
        db.session.add(saved)
    saved.name = name
    saved.members = [AgencyListMember(organisation_id=org_id) for org_id in chosen]
    db.session.flush()
    record("trawl.agency_list_saved", object_type="agency_list", object_id=saved.id, detail={"agencies": chosen})
    return saved
