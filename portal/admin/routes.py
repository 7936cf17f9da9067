"""Administration pages: accounts and organisations."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal.auth.models import User
from portal.authz import Action, requires
from portal.extensions import db
from portal.web.fields import options
from portal.web.rendering import render_form, render_page
from portal.web.saving import save

from . import bp, services
from .forms import ConfirmForm, CSPForm, EditUserForm, InviteUserForm, OrganisationForm
from .models import CSP, Organisation


def _organisation_choices(current_id: int | None = None):
    """Active organisations, plus the current one even if it has since been deactivated."""
    rows = db.session.execute(select(Organisation).order_by(Organisation.name)).scalars()
    return options([(0, "Select an organisation")] + [(o.id, o.name) for o in rows if o.active or o.id == current_id])


@bp.route("/users")
@requires(Action.ADMINISTER_USERS)
def users():
    rows = db.session.execute(select(User).order_by(User.name)).scalars().all()
    return render_page("admin/users.html", users=rows)


@bp.route("/users/invite", methods=["GET", "POST"])
@requires(Action.ADMINISTER_USERS)
def invite_user():
    form = InviteUserForm()
    form.organisation_id.choices = _organisation_choices()
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.invite_user(
                name=form.name.data,
                email=form.email.data,
                organisation_id=form.organisation_id.data,
                system_role=None if form.system_role.data == "none" else form.system_role.data,
                invited_by=current_user,
            ),
            result_url=lambda user: url_for("admin.user", user_id=user.id),
        )
        if outcome:
            message = "Invitation sent to {}. The link works once and expires in 72 hours."
            flash(outcome.message(lambda user: message.format(user.email)), "success")
            return redirect(outcome.url)
    return render_form("admin/invite-user.html", form)


@bp.route("/users/<int:user_id>")
@requires(Action.ADMINISTER_USERS)
def user(user_id):
    return render_page("admin/user.html", user=db.get_or_404(User, user_id), form=ConfirmForm())


def _user_action(user_id, action, message):
    user = db.get_or_404(User, user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        if save(form, lambda: action(user)):
            flash(message.format(name=user.name), "success")
        else:
            flash(form.form_errors[0], "error")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@requires(Action.ADMINISTER_USERS)
def deactivate_user(user_id):
    return _user_action(
        user_id, lambda u: services.set_active(u, False, current_user), "{name} has been deactivated and signed out"
    )


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@requires(Action.ADMINISTER_USERS)
def reactivate_user(user_id):
    return _user_action(user_id, lambda u: services.set_active(u, True, current_user), "{name} can sign in again")


@bp.route("/users/<int:user_id>/reset-security-code", methods=["POST"])
@requires(Action.ADMINISTER_USERS)
def reset_security_code(user_id):
    return _user_action(
        user_id,
        lambda u: services.reset_security_code(u, current_user),
        "{name}'s security code has been reset. They have been sent a link to set up a new one",
    )


@bp.route("/users/<int:user_id>/resend-invitation", methods=["POST"])
@requires(Action.ADMINISTER_USERS)
def resend_invitation(user_id):
    return _user_action(
        user_id, lambda u: services.resend_invitation(u, current_user), "A new invitation has been sent to {name}"
    )


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@requires(Action.ADMINISTER_USERS)
def edit_user(user_id):
    user = db.get_or_404(User, user_id)
    form = EditUserForm(
        data=None
        if request.method == "POST"
        else {
            "organisation_id": user.organisation_id,
            "system_role": user.system_role or "none",
            "is_agency_contact": user.is_agency_contact,
            "led_csps": [csp.id for csp in user.led_csps],
        }
    )
    form.organisation_id.choices = _organisation_choices(user.organisation_id)
    csps = db.session.execute(select(CSP).order_by(CSP.name)).scalars()
    form.led_csps.choices = options((c.id, c.name) for c in csps if c.active or c in user.led_csps)
    if form.validate_on_submit():
        saved = save(
            form,
            lambda: services.update_user(
                user,
                organisation_id=form.organisation_id.data,
                system_role=None if form.system_role.data == "none" else form.system_role.data,
                is_agency_contact=form.is_agency_contact.data,
                led_csp_ids=form.led_csps.data or [],
                by=current_user,
            ),
        )
        if saved:
            flash(f"Changes to {user.name} saved.", "success")
            return redirect(url_for("admin.user", user_id=user.id))
    return render_form("admin/edit-user.html", form, user=user)


@bp.route("/organisations")
@requires(Action.ADMINISTER_USERS)
def organisations():
    rows = db.session.execute(select(Organisation).order_by(Organisation.name)).scalars().all()
    return render_page("admin/organisations.html", organisations=rows)


@bp.route("/organisations/new", methods=["GET", "POST"])
@bp.route("/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@requires(Action.ADMINISTER_USERS)
def edit_organisation(organisation_id=None):
    organisation = db.get_or_404(Organisation, organisation_id) if organisation_id else None
    form = OrganisationForm(obj=organisation if request.method == "GET" else None)
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.save_organisation(organisation, name=form.name.data, type=form.type.data),
            result_url=lambda _saved: url_for("admin.organisations"),
        )
        if outcome:
            flash(outcome.message(lambda saved: f"{saved.name} saved."), "success")
            return redirect(outcome.url)
    return render_form("admin/edit-organisation.html", form, organisation=organisation, confirm=ConfirmForm())


@bp.route("/organisations/<int:organisation_id>/active", methods=["POST"])
@requires(Action.ADMINISTER_USERS)
def toggle_organisation(organisation_id):
    organisation = db.get_or_404(Organisation, organisation_id)
    form = ConfirmForm()
    if form.validate_on_submit() and save(
        form, lambda: services.set_organisation_active(organisation, not organisation.active)
    ):
        state = "reactivated" if organisation.active else "deactivated"
        flash(f"{organisation.name} has been {state}.", "success")
    return redirect(url_for("admin.organisations"))


@bp.route("/csps")
@requires(Action.ADMINISTER_USERS)
def csps():
    rows = db.session.execute(select(CSP).order_by(CSP.name)).scalars().all()
    return render_page("admin/csps.html", csps=rows)


@bp.route("/csps/new", methods=["GET", "POST"])
@bp.route("/csps/<int:csp_id>/edit", methods=["GET", "POST"])
@requires(Action.ADMINISTER_USERS)
def edit_csp(csp_id=None):
    csp = db.get_or_404(CSP, csp_id) if csp_id else None
    form = CSPForm(obj=csp if request.method == "GET" else None)
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.save_csp(csp, name=form.name.data, area=form.area.data),
            result_url=lambda _saved: url_for("admin.csps"),
        )
        if outcome:
            flash(outcome.message(lambda saved: f"{saved.name} saved."), "success")
            return redirect(outcome.url)
    return render_form("admin/edit-csp.html", form, csp=csp, confirm=ConfirmForm())


@bp.route("/csps/<int:csp_id>/active", methods=["POST"])
@requires(Action.ADMINISTER_USERS)
def toggle_csp(csp_id):
    csp = db.get_or_404(CSP, csp_id)
    form = ConfirmForm()
    if form.validate_on_submit() and save(form, lambda: services.set_csp_active(csp, not csp.active)):
        flash(f"{csp.name} has been {'reactivated' if csp.active else 'deactivated'}.", "success")
    return redirect(url_for("admin.csps"))
