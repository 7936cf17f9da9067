"""Thin views for signing in and managing one's own credentials."""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from portal.audit import record
from portal.authz import public, signed_in
from portal.extensions import db
from portal.notify import send_email
from portal.web.rendering import render_form, render_page, safe_next

from . import bp, enrolment, services
from .forms import (
    ConfirmIdentityForm,
    EnrolCodeForm,
    ForgotPasswordForm,
    NewPasswordForm,
    PasswordOnlyForm,
    ResetPasswordForm,
    SignInForm,
)
from .passwords import password_problem
from .sessions import end_session, recently_authenticated
from .throttle import config_limit, in_words
from .totp import qr_svg

SIGN_IN_FAILED = "The email address, password or security code is not correct"


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = services.sign_in(form.email.data, form.password.data, form.code.data, request.remote_addr or "")
        except services.Throttled:
            return render_page("auth/throttled.html", status=429)
        if user is not None:
            login_user(user)
            return redirect(safe_next(request.args.get("next"), url_for("home.index")))
        form.code.data = ""
        form.form_errors.append(SIGN_IN_FAILED)
        return render_page("auth/sign-in.html", status=422, form=form)
    expired = request.args.get("expired") == "1"
    return render_form("auth/sign-in.html", form, expired=expired)


@bp.route("/sign-out", methods=["POST"])
@signed_in
def sign_out():
    end_session(current_user.session_record, "signed_out")
    record("auth.sign_out", object_type="user", object_id=current_user.id)
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))


def _new_password_ok(form, user) -> bool:
    problem = password_problem(form.password.data or "", [user.email, user.name, *user.name.split()])
    if problem:
        form.password.errors.append(problem)
        return False
    return True


# E-mailed links carry their token in the query (``/invitation?token=...``), never in the path.
# Opening one keeps the token's SHA-256 in this browser's session and redirects at once to the
# same page without it, so the token is in no later URL, Referer or browser history entry, and
# the access log (which records paths without their query, gunicorn.conf.py) never sees it.
# docs/SECURITY.md ("Links in e-mails") says why this rather than tokens in paths.
LINKS_KEY = "links"


def _link_or_gone(purpose: str):
    """The link of ``purpose`` this browser opened, still valid; a 404 for anything else."""
    raw = request.args.get("token")
    if raw is not None:
        if services.valid_token(raw, purpose) is None:
            abort(404, description="link")
        session[LINKS_KEY] = {**(session.get(LINKS_KEY) or {}), purpose: services.token_digest(raw)}
        abort(redirect(url_for(request.endpoint), code=303))
    digest = (session.get(LINKS_KEY) or {}).get(purpose)
    token = services.valid_token_digest(digest, purpose) if isinstance(digest, str) else None
    if token is None:
        abort(404, description="link")
    return token


def _forget_link(purpose: str) -> None:
    links = dict(session.get(LINKS_KEY) or {})
    if links.pop(purpose, None) is not None:
        session[LINKS_KEY] = links


@bp.route("/invitation", methods=["GET", "POST"])
@public
def accept_invitation():
    account_token = _link_or_gone("invitation")
    user = account_token.user
    if account_token.password_set_at is not None:
        return _password_before_enrolment(account_token, "auth.invitation_security_code", invitation=True)
    form = NewPasswordForm()
    if form.validate_on_submit() and _new_password_ok(form, user):
        if not enrolment.claim_password_step(account_token):
            # Another browser set the password a moment ago: it is not ours to replace.
            db.session.rollback()
            return redirect(url_for("auth.accept_invitation"))
        services.set_password(user, form.password.data, "password_set")
        enrolment.offer(account_token)
        db.session.commit()
        return redirect(url_for("auth.invitation_security_code"))
    return render_form("auth/set-password.html", form, user=user, heading="Create your password", step=1)


def _password_before_enrolment(account_token, next_endpoint: str, *, invitation: bool = False):
    """The password step of a link whose account already has a password.

    The browser holding the offer goes straight on; any other browser must give the password
    first, and then takes the offer over (a fresh secret, so the earlier browser cannot finish).
    """
    if enrolment.offered_here(account_token):
        return redirect(url_for(next_endpoint))
    user = account_token.user
    form = PasswordOnlyForm()
    if form.validate_on_submit():
        where = "continue_invitation" if invitation else "renew_security_code"
        try:
            password_ok = services.check_factors(
                user, request.remote_addr or "", where=where, password=form.password.data
            )
        except services.Throttled:
            return render_page("auth/throttled.html", status=429)
        if password_ok:
            enrolment.offer(account_token)
            db.session.commit()
            return redirect(url_for(next_endpoint))
        form.password.errors.append("The password is not correct")
    return render_form("auth/confirm-password.html", form, invitation=invitation)


def _enrol(account_token, *, on_success: str):
    user = account_token.user
    if not enrolment.offered_here(account_token):
        abort(404)
    secret = account_token.pending_secret
    form = EnrolCodeForm()
    if form.validate_on_submit():
        if services.enrol_security_code(user, secret, form.code.data):
            services.complete_invitation(account_token)
            enrolment.finish(account_token)
            services.continue_after_enrolment(user)  # a new session: the opened links go with the old one
            db.session.commit()
            login_user(user)
            flash(on_success, "success")
            return redirect(url_for("home.index"))
        form.code.errors.append("The code is not correct. Enter the newest code your app shows")
    return render_form("auth/security-code.html", form, secret=secret, qr=qr_svg(secret, user.email))


@bp.route("/invitation/security-code", methods=["GET", "POST"])
@public
def invitation_security_code():
    return _enrol(_link_or_gone("invitation"), on_success="Your account is ready.")


@bp.route("/security-code/renew", methods=["GET", "POST"])
@public
def renew_security_code():
    return _password_before_enrolment(_link_or_gone("totp_reset"), "auth.renew_security_code_confirm")


@bp.route("/security-code/renew/confirm", methods=["GET", "POST"])
@public
def renew_security_code_confirm():
    return _enrol(_link_or_gone("totp_reset"), on_success="Your new security code is set up.")


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, request.remote_addr or "")
        return render_page(
            "auth/reset-sent.html",
            email=form.email.data,
            emails_allowed=in_words(config_limit("RESET_THROTTLE_EMAIL"), "links"),
        )
    return render_form("auth/forgot-password.html", form)


@bp.route("/reset-password", methods=["GET", "POST"])
@public
def reset_password():
    account_token = _link_or_gone("password_reset")
    user = account_token.user
    form = ResetPasswordForm()
    if form.validate_on_submit() and _new_password_ok(form, user):
        # The reset link proves control of the mailbox; the code proves the second factor.
        try:
            code_ok = services.check_factors(
                user, request.remote_addr or "", where="password_reset", code=form.code.data
            )
        except services.Throttled:
            return render_page("auth/throttled.html", status=429)
        if code_ok:
            services.set_password(user, form.password.data, "password_reset")  # ends this link and the others
            record("auth.password_reset", object_type="user", object_id=user.id, actor=user)
            db.session.commit()
            _forget_link("password_reset")
            send_email(user.email, "password-changed", name=user.name)
            flash("Your password has been reset. Sign in with your new password.", "success")
            return redirect(url_for("auth.sign_in"))
        form.code.errors.append("The security code is not correct")
        form.code.data = ""
    return render_form("auth/set-password.html", form, user=user, heading="Reset your password", reset=True)


@bp.route("/account")
@signed_in
def account():
    return render_page("auth/account.html")


@bp.route("/account/confirm-identity", methods=["GET", "POST"])
@signed_in
def confirm_identity():
    form = ConfirmIdentityForm()
    target = safe_next(request.args.get("next"), url_for("auth.account"))
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            confirmed = services.check_factors(
                user,
                request.remote_addr or "",
                where="reauthenticate",
                password=form.password.data,
                code=form.code.data,
            )
        except services.Throttled:
            return render_page("auth/throttled.html", status=429)
        if confirmed:
            user.session_record.reauthenticated_at = services.utcnow()
            record("auth.reauthenticated", object_type="user", object_id=user.id)
            db.session.commit()
            return redirect(target)
        record("auth.reauthenticated", outcome="failure", object_type="user", object_id=user.id)
        db.session.commit()
        form.form_errors.append("The password or security code is not correct")
        form.code.data = ""
    return render_form("auth/confirm-identity.html", form)


def _require_recent_authentication():
    if not recently_authenticated(current_user):
        return redirect(url_for("auth.confirm_identity", next=request.path))
    return None


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password():
    if (response := _require_recent_authentication()) is not None:
        return response
    user = current_user._get_current_object()
    form = NewPasswordForm()
    if form.validate_on_submit() and _new_password_ok(form, user):
        services.set_password(user, form.password.data, "password_changed")
        record("auth.password_changed", object_type="user", object_id=user.id)
        db.session.commit()
        send_email(user.email, "password-changed", name=user.name)
        logout_user()
        session.clear()
        flash("Your password has been changed and you have been signed out everywhere. Sign in again.", "success")
        return redirect(url_for("auth.sign_in"))
    return render_form("auth/set-password.html", form, user=user, heading="Change your password")


@bp.route("/account/security-code", methods=["GET", "POST"])
@signed_in
def change_security_code():
    if (response := _require_recent_authentication()) is not None:
        return response
    user = current_user._get_current_object()
    offered = user.session_record.pending_secret_sealed
    pending = enrolment.offer_to_session(user.session_record)
    if offered is None:
        db.session.commit()
    form = EnrolCodeForm()
    if form.validate_on_submit():
        if services.enrol_security_code(user, pending, form.code.data):
            user.session_record.pending_secret = None
            record("auth.security_code_changed", object_type="user", object_id=user.id)
            db.session.commit()
            flash("Your authenticator app is set up with the new security code.", "success")
            return redirect(url_for("auth.account"))
        form.code.errors.append("The code is not correct. Enter the newest code your app shows")
    return render_form("auth/security-code.html", form, secret=pending, qr=qr_svg(pending, user.email))


def session_expired_message() -> str | None:
    reason = g.get("session_ended")
    if reason in ("idle_timeout", "absolute_timeout"):
        return "You have been signed out"
    return None
