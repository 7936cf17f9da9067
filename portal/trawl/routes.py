"""The trawl's pages: circulating, the tracker, a request and its return, decisions on returns.

Thin views: parse, authorize (decorator), call a service, render. Pages of one request load it
through its case (``access.requires_request``): another agency's is a 404.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal.authz import Action, can, requires, requires_case, signed_in
from portal.authz.decorators import _deny
from portal.cases.models import RestrictedIdentity
from portal.documents import UploadRefused, store_upload
from portal.extensions import db
from portal.web.fields import options
from portal.web.forms import has_errors
from portal.web.page_cache import cached_page
from portal.web.rendering import render_form, render_page
from portal.web.requests import int_arg
from portal.web.saving import save

from . import bp, returns, services, tracker
from .access import AGENCY, REVIEWERS, request_url, requires_request
from .forms import (
    AcceptForm,
    AcknowledgeForm,
    AddRequestForm,
    AgencyListForm,
    CirculateForm,
    MoreInfoForm,
    subject_slots,
)
from .models import AgencyList, RequestIdentities, TrawlReturn

# -- circulating (business office or author) -------------------------------------------------------


def _agency_choices(form_field, agencies):
    form_field.choices = options([(org.id, org.name) for org in agencies])


def _without_contact(agencies) -> list[str]:
    """Names of the agencies with no active agency contact: a request to one reaches nobody
    (no e-mail, nobody to answer) until an administrator invites a contact."""
    agencies = list(agencies)
    contacted = tracker.organisations_with_contacts(org.id for org in agencies)
    return [org.name for org in agencies if org.id not in contacted]


def _sent_message(case, first: str) -> str:
    lines = tracker.case_lines(case)
    unseen = [line.request.organisation.name for line in lines if line.no_contact]
    if not unseen:
        return first
    return f"{first} Nobody can answer for {', '.join(unseen)} yet: no agency contact is in the portal."


@bp.route("/cases/<int:case_id>/trawl/circulate", methods=["GET", "POST"])
@requires_case(Action.CIRCULATE_TRAWL)
def circulate(case):
    existing = services.trawl_of(case)
    if existing is not None:
        return redirect(url_for("trawl.tracker", case_id=case.id))
    form = CirculateForm(data=None if request.method == "POST" else {"due_on": services.default_due_on()})
    candidates = services.candidate_agencies()
    _agency_choices(form.organisation_ids, candidates)
    uncontacted = _without_contact(candidates)
    form.list_ids.choices = options([(saved.id, saved.name) for saved in services.agency_lists()])
    names = [(0, "None")]
    if can(current_user, Action.VIEW_IDENTITIES, case):
        rows = db.session.execute(select(RestrictedIdentity).where(RestrictedIdentity.case_id == case.id)).scalars()
        names += [(row.id, f"{row.full_name} ({row.role_label.lower()})") for row in rows]
    for _role, _pseudonym, identity in subject_slots(form):
        identity.choices = options(names)
    if form.validate_on_submit():
        subjects = [
            services.SubjectInput(role.data, pseudonym.data, identity.data or None)
            for role, pseudonym, identity in subject_slots(form)
            if role.data or pseudonym.data
        ]
        for subject in subjects:
            if not subject.role or not subject.pseudonym:
                form.form_errors.append("Give each person both a role and a pseudonym")
                return render_form(
                    "trawl/circulate.html", form, case=case, slots=subject_slots(form), uncontacted=uncontacted
                )
        try:
            # Stored through the document store first (type, scan, encryption); a refusal is
            # audited and commits on its own, and nothing is sent.
            documents = [
                store_upload(upload, uploaded_by=current_user)
                for upload in (request.files.get(name) for name in CIRCULATION_FILES)
                if upload is not None and upload.filename
            ]
        except UploadRefused as refusal:
            form.form_errors.append(refusal.message)
            return render_form(
                "trawl/circulate.html", form, case=case, slots=subject_slots(form), uncontacted=uncontacted
            )

        def change():
            trawl = services.circulate(
                case,
                actor=current_user,
                organisation_ids=form.organisation_ids.data or [],
                list_ids=form.list_ids.data or [],
                scope_from=form.scope_from.data,
                scope_to=form.scope_to.data,
                subjects=subjects,
                due_on=form.due_on.data,
                message=form.message.data,
            )
            for document in documents:  # with the trawl: every request, also one sent later, has them
                services.attach_to_trawl(trawl, document=document)
            return trawl

        outcome = save(form, change, result_url=lambda _trawl: url_for("trawl.tracker", case_id=case.id))
        if outcome:
            flash(outcome.message(lambda trawl: _sent_message(case, "The requests have been sent.")), "success")
            return redirect(outcome.url)
    return render_form("trawl/circulate.html", form, case=case, slots=subject_slots(form), uncontacted=uncontacted)


# The circulation form's files, in the order the agencies see them.
CIRCULATION_FILES = ("terms_file", "template_file")


@bp.route("/cases/<int:case_id>/trawl/agencies/new", methods=["GET", "POST"])
@requires_case(Action.CIRCULATE_TRAWL)
def add_request(case):
    trawl = services.trawl_of(case)
    if trawl is None:
        return redirect(url_for("trawl.circulate", case_id=case.id))
    form = AddRequestForm(data=None if request.method == "POST" else {"due_on": services.default_due_on()})
    asked = {line.request.organisation_id for line in tracker.case_lines(case)}
    candidates = [org for org in services.candidate_agencies() if org.id not in asked]
    form.organisation_id.choices = options([(0, "Choose an agency")] + [(org.id, org.name) for org in candidates])
    uncontacted = _without_contact(candidates)
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.add_agency(
                trawl, actor=current_user, organisation_id=form.organisation_id.data, due_on=form.due_on.data
            ),
            result_url=lambda _request: url_for("trawl.tracker", case_id=case.id),
        )
        if outcome:
            flash(
                outcome.message(
                    lambda sent: _sent_message(case, f"The request has been sent to {sent.organisation.name}.")
                ),
                "success",
            )
            return redirect(outcome.url)
    return render_form("trawl/add-request.html", form, case=case, uncontacted=uncontacted)


@bp.route("/cases/<int:case_id>/trawl", endpoint="tracker")
@requires_case(Action.VIEW_ALL_RETURNS)
@cached_page
def tracker_page(case):
    lines = tracker.case_lines(case)
    return render_page(
        "trawl/tracker.html",
        case=case,
        trawl=services.trawl_of(case),
        lines=lines,
        counts=tracker.counts(lines),
        statuses=tracker.STATUSES,
        chronology_url=url_for("trawl.chronology", case_id=case.id),
    )


# -- one request ---------------------------------------------------------------------------------------


def _shown_version(trawl_request) -> TrawlReturn | None:
    number = int_arg(request.args.get("version"), minimum=1)
    if number is not None:
        found = next((item for item in trawl_request.returns if item.number == number), None)
        if found is not None:
            return found
    return trawl_request.current


def _request_page(case, trawl_request, *, status: int = 200, upload_error: str | None = None, **forms):
    from .forms import ImrDecisionForm
    from .imrs import imr_of, versions

    shown = _shown_version(trawl_request)
    current = trawl_request.current
    reviewer = can(current_user, Action.VIEW_ALL_RETURNS, case)
    imr = imr_of(trawl_request)
    context = {
        "case": case,
        "trawl_request": trawl_request,
        "trawl": trawl_request.trawl,
        "shown": shown,
        "current": current,
        "reviewer": reviewer,
        "agency": can(current_user, Action.SUBMIT_OWN_RETURN, trawl_request),
        "may_see_names": can(current_user, Action.VIEW_REQUEST_IDENTITIES, RequestIdentities(trawl_request)),
        "line": tracker.line_of(trawl_request, imr),
        "imr": imr,
        "upload_error": upload_error,
    }
    if imr is not None:
        context["imr_versions"] = versions(imr)
        context["imr_terms"] = [item for item in imr.documents if item.kind == "terms"]
        if reviewer and imr.status == "received":
            context["imr_form"] = forms.get("imr_form") or ImrDecisionForm(data={"version": imr.version})
    context["may_ask_imr"] = (
        reviewer and imr is None and current is not None and current.status in ("submitted", "accepted")
    )
    context["decide"] = reviewer and current is not None and current.status == "submitted" and shown is current
    if context["decide"]:
        context["more_form"] = forms.get("more_form") or MoreInfoForm(
            data={"version": current.version, "due_on": services.default_due_on_more()}
        )
        context["accept_form"] = forms.get("accept_form") or AcceptForm(data={"version": current.version})
    if trawl_request.acknowledged_at is None:
        context["acknowledge_form"] = forms.get("acknowledge_form") or AcknowledgeForm()
    if "imr_form" in forms and "imr_form" not in context:
        context["imr_form"] = forms["imr_form"]
    failed = next((f for f in forms.values() if f is not None and has_errors(f)), None)
    if failed is not None:
        return render_form("trawl/request.html", failed, **context)
    return render_page("trawl/request.html", status=status, **context)


@bp.route("/cases/<int:case_id>/trawl/requests/<int:request_id>")
@requires_request()
@cached_page
def request_page(case, trawl_request):
    return _request_page(case, trawl_request)


@bp.route("/cases/<int:case_id>/trawl/requests/<int:request_id>/identities")
@requires_request(*AGENCY)
@cached_page
def identities(case, trawl_request):
    """The subjects' real details, for the agency to search its records: only while the request is open."""
    if not can(current_user, Action.VIEW_REQUEST_IDENTITIES, RequestIdentities(trawl_request)):
        # Refused and audited as before; once the request is closed, say why, with a way back.
        closed = None
        if not trawl_request.is_open:
            closed = lambda: render_template("trawl/identities-closed.html", case=case, trawl_request=trawl_request)  # noqa: E731
        _deny(403, case_id=case.id, page=closed)
    shown = returns.identities(trawl_request)
    page = render_page("trawl/identities.html", case=case, trawl_request=trawl_request, subjects=shown)
    # The audited read, committed once the page is built: nothing it shows is read again after
    # the commit (which expires everything loaded).
    db.session.commit()
    return page


@bp.route("/cases/<int:case_id>/trawl/requests/<int:request_id>/acknowledge", methods=["POST"])
@requires_request(*AGENCY)
def acknowledge(case, trawl_request):
    form = AcknowledgeForm()
    if form.validate_on_submit() and save(form, lambda: returns.acknowledge(trawl_request, actor=current_user)):
        flash("You have acknowledged the request.", "success")
        return redirect(request_url(trawl_request))
    return _request_page(case, trawl_request, acknowledge_form=form)


# -- decisions on a return (business office or author) -------------------------------------------------


@bp.route("/cases/<int:case_id>/trawl/requests/<int:request_id>/more-information", methods=["POST"])
@requires_request(*REVIEWERS)
def more_information(case, trawl_request):
    current = trawl_request.current
    form = MoreInfoForm()
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.ask_for_more(
                current, actor=current_user, note=form.note.data, version=form.version.data, due_on=form.due_on.data
            ),
        )
        if outcome:
            flash("The return has been reopened and the agency asked for more information.", "success")
            return redirect(request_url(trawl_request))
    return _request_page(case, trawl_request, more_form=form)


@bp.route("/cases/<int:case_id>/trawl/requests/<int:request_id>/accept", methods=["POST"])
@requires_request(*REVIEWERS)
def accept_return(case, trawl_request):
    current = trawl_request.current
    form = AcceptForm()
    if form.validate_on_submit() and save(
        form, lambda: services.accept(current, actor=current_user, version=form.version.data)
    ):
        flash("The return has been accepted.", "success")
        return redirect(request_url(trawl_request))
    return _request_page(case, trawl_request, accept_form=form)


# -- the agency's own list ------------------------------------------------------------------------------


@bp.route("/trawl/requests")
@signed_in
@cached_page
def my_requests():
    """Requests for my agency, on every review: due first, overdue flagged."""
    lines = tracker.agency_lines(current_user, include_closed=True)
    # An accepted return with an IMR still to write is open work: it stays with the open requests.
    open_lines = [line for line in lines if line.request.is_open or (line.imr is not None and line.imr.is_open)]
    closed = [line for line in lines if line not in open_lines]
    return render_page("trawl/my-requests.html", lines=open_lines, closed=closed)


# -- saved lists of agencies (business office) ------------------------------------------------------------


@bp.route("/trawl/agency-lists")
@requires(Action.MANAGE_AGENCY_LISTS)
@cached_page
def agency_lists():
    return render_page("trawl/agency-lists.html", lists=services.agency_lists())


@bp.route("/trawl/agency-lists/new", methods=["GET", "POST"])
@requires(Action.MANAGE_AGENCY_LISTS)
def new_agency_list():
    return _agency_list_form(None)


@bp.route("/trawl/agency-lists/<int:list_id>", methods=["GET", "POST"])
@requires(Action.MANAGE_AGENCY_LISTS)
def edit_agency_list(list_id):
    saved = db.session.get(AgencyList, list_id)
    if saved is None:
        _deny(404)
    return _agency_list_form(saved)


def _agency_list_form(saved):
    initial = {"name": saved.name, "organisation_ids": saved.organisation_ids} if saved is not None else {}
    form = AgencyListForm(data=None if request.method == "POST" else initial)
    _agency_choices(form.organisation_ids, services.candidate_agencies())
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.save_agency_list(
                saved, actor=current_user, name=form.name.data, organisation_ids=form.organisation_ids.data or []
            ),
            result_url=lambda _saved: url_for("trawl.agency_lists"),
        )
        if outcome:
            flash(outcome.message(lambda kept: f"{kept.name} has been saved."), "success")
            return redirect(outcome.url)
    return render_form("trawl/agency-list.html", form, saved=saved)


# More pages on this blueprint.
from . import attachment_routes, chronology_routes, imr_routes, return_routes  # noqa: E402, F401
