"""Who is on a case: members, involved agencies and restricted identities (business office pages)."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user

from portal.authz import Action, child_or_404, requires_case
from portal.extensions import db
from portal.web.fields import options
from portal.web.forms import has_errors
from portal.web.rendering import INVALID, render_form, render_page
from portal.web.saving import save

from . import bp, member_services
from .member_forms import AddAgencyForm, AddIdentityForm, AddMemberForm, EditIdentityForm, RemoveForm
from .member_services import IDENTITY_DETAILS
from .models import CaseAgency, Membership, RestrictedIdentity


def _forms(member_form=None, agency_form=None):
    """Both forms of the members page, with their choices (needed before validation too)."""
    member_form = member_form or AddMemberForm()
    agency_form = agency_form or AddAgencyForm(prefix="agency")
    member_form.user_id.choices = options(
        [(0, "Select a person")]
        + [(user.id, f"{user.name} ({user.organisation.name})") for user in member_services.candidate_members()]
    )
    agency_form.organisation_id.choices = options(
        [(0, "Select an agency")] + [(org.id, org.name) for org in member_services.candidate_agencies()]
    )
    return member_form, agency_form


def _members_page(case, member_form=None, agency_form=None):
    member_form, agency_form = _forms(member_form, agency_form)
    failed = has_errors(member_form) or has_errors(agency_form)
    return render_page(
        "cases/members.html",
        status=INVALID if failed else 200,
        case=case,
        access=member_services.who_has_access(case),
        memberships=member_services.member_rows(case),
        agencies=member_services.agencies(case),
        member_form=member_form,
        agency_form=agency_form,
        remove_form=RemoveForm(),
    )


@bp.route("/cases/<int:case_id>/members")
@requires_case(Action.MANAGE_MEMBERS)
def members(case):
    return _members_page(case)


@bp.route("/cases/<int:case_id>/members", methods=["POST"])
@requires_case(Action.MANAGE_MEMBERS)
def add_member(case):
    form, _ = _forms()
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: member_services.add_member(
                case, user_id=form.user_id.data, role=form.role.data, ends_on=form.ends_on.data, added_by=current_user
            ),
            result_url=lambda _added: _members_url(case),
        )
        if outcome:
            flash(outcome.message(lambda added: f"{added.user.name} added as {added.role_label.lower()}."), "success")
            return redirect(outcome.url)
    return _members_page(case, member_form=form)


def _members_url(case) -> str:
    return url_for("cases.members", case_id=case.id)


@bp.route("/cases/<int:case_id>/members/<int:membership_id>/remove", methods=["POST"])
@requires_case(Action.MANAGE_MEMBERS)
def remove_member(case, membership_id):
    item = child_or_404(Membership, case, membership_id)
    form = RemoveForm()
    name, role = item.user.name, item.role_label.lower()
    if form.validate_on_submit() and save(form, lambda: member_services.remove_member(case, item)):
        flash(f"{name} is no longer {role} on this review.", "success")
    return redirect(_members_url(case))


@bp.route("/cases/<int:case_id>/agencies", methods=["POST"])
@requires_case(Action.MANAGE_MEMBERS)
def add_agency(case):
    _, form = _forms()
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: member_services.add_agency(case, form.organisation_id.data),
            result_url=lambda _link: _members_url(case),
        )
        if outcome:
            flash(outcome.message(lambda link: f"{link.organisation.name} added to the agencies involved."), "success")
            return redirect(outcome.url)
    return _members_page(case, agency_form=form)


@bp.route("/cases/<int:case_id>/agencies/<int:link_id>/remove", methods=["POST"])
@requires_case(Action.MANAGE_MEMBERS)
def remove_agency(case, link_id):
    link = child_or_404(CaseAgency, case, link_id)
    form = RemoveForm()
    name = link.organisation.name
    if form.validate_on_submit() and save(form, lambda: member_services.remove_agency(case, link)):
        flash(f"{name} removed from the agencies involved.", "success")
    return redirect(_members_url(case))


@bp.route("/cases/<int:case_id>/identities")
@requires_case(Action.VIEW_IDENTITIES)
def identities(case):
    rows = member_services.identities_for(case)
    db.session.commit()  # the read is recorded: it goes with the page
    return render_page("cases/identities.html", case=case, identities=rows)


@bp.route("/cases/<int:case_id>/identities/new", methods=["GET", "POST"])
@requires_case(Action.MANAGE_CASE)
def add_identity(case):
    form = AddIdentityForm()
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: member_services.add_identity(case, **form.details()),
            result_url=lambda _identity: url_for("cases.identities", case_id=case.id),
        )
        if outcome:
            flash(outcome.message(lambda _identity: "Name recorded."), "success")
            return redirect(outcome.url)
    return render_form("cases/add-identity.html", form, case=case)


@bp.route("/cases/<int:case_id>/identities/<int:identity_id>/edit", methods=["GET", "POST"])
@requires_case(Action.MANAGE_CASE)
def edit_identity(case, identity_id):
    identity = child_or_404(RestrictedIdentity, case, identity_id)
    if request.method == "GET":
        member_services.identity_for_editing(identity)
        db.session.commit()  # the read is recorded: it goes with the page
        form = EditIdentityForm(
            data={**{name: getattr(identity, name) for name in IDENTITY_DETAILS}, "version": identity.version}
        )
    else:
        form = EditIdentityForm()
    if form.validate_on_submit():

        def refresh():
            form.version.data = db.session.get(RestrictedIdentity, identity_id).version

        outcome = save(
            form,
            lambda: member_services.edit_identity(identity, version=form.version.data, **form.details()),
            stale=refresh,
        )
        if outcome:
            flash("Changes saved." if outcome.value else "Nothing was changed.", "success")
            return redirect(url_for("cases.identities", case_id=case.id))
    return render_form("cases/add-identity.html", form, case=case, identity=identity)
