"""Administration pages: accounts and organisations."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user
from sqlalchemy import select

from portal.auth.models import User
from portal.authz import Action, requires
from portal.extensions import db
from portal.web.rendering import render_form, render_page

from . import bp, services
from .forms import ConfirmForm, InviteUserForm, OrganisationForm
from .models import Organisation


def _attach(form, error: services.AdminError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    (field.errors if field is not None else form.form_errors).append(str(error))


@bp.route("/users")
@requires(Action.ADMINISTER_USERS)
def users():
    rows = db.session.execute(select(User).order_by(User.name)).scalars().all()
    return render_page("admin/users.html", users=rows)


@bp.route("/users/invite", methods=["GET", "POST"])
@requires(Action.ADMINISTER_USERS)
def invite_user():
    form = InviteUserForm()
    organisations = db.session.execute(select(Organisation).order_by(Organisation.name)).scalars().all()
    form.organisation_id.choices = [(0, "Select an organisation")] + [(o.id, o.name) for o in organisations]
    if form.validate_on_submit():
        try:
            user = services.invite_user(
                name=form.name.data,
                email=form.email.data,
                organisation_id=form.organisation_id.data,
                system_role=None if form.system_role.data == "none" else form.system_role.data,
                invited_by=current_user,
            )
        except services.AdminError as error:
            _attach(form, error)
        else:
            flash(f"Invitation sent to {user.email}. The link works once and expires in 72 hours.", "success")
            return redirect(url_for("admin.user", user_id=user.id))
    return render_form("admin/invite-user.html", form)


@bp.route("/users/<int:user_id>")
@requires(Action.ADMINISTER_USERS)
def user(user_id):
    return render_page("admin/user.html", user=db.get_or_404(User, user_id), form=ConfirmForm())


def _user_action(user_id, action, message):
    user = db.get_or_404(User, user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            action(user)
        except services.AdminError as error:
            flash(str(error), "error")
        else:
            flash(message.format(name=user.name), "success")
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


@bp.route("/organisations", methods=["GET", "POST"])
@requires(Action.ADMINISTER_USERS)
def organisations():
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            organisation = services.create_organisation(form.name.data)
        except services.AdminError as error:
            _attach(form, error)
        else:
            flash(f"{organisation.name} has been added.", "success")
            return redirect(url_for("admin.organisations"))
    rows = db.session.execute(select(Organisation).order_by(Organisation.name)).scalars().all()
    return render_form("admin/organisations.html", form, organisations=rows)
