"""The family and perpetrator contact log: the author's and the business office's only."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user

from portal.audit import record
from portal.authz import Action, requires_case
from portal.authz.decorators import child_or_404
from portal.extensions import db
from portal.web.page_cache import cached_page
from portal.web.rendering import render_form, render_page
from portal.web.saving import save

from . import bp
from . import contacts as contact_service
from .forms import EditContactForm, NewContactForm
from .models import ContactEntry

VALUE_FIELDS = ("party", "contact_on", "who", "method", "advocate", "discussed", "views", "offered_on")


def _values(form) -> dict:
    values = {name: getattr(form, name).data for name in VALUE_FIELDS}
    values["advocate"] = values["advocate"] or ""
    values["discussed"] = values["discussed"] or ""
    values["views"] = values["views"] or ""
    values["offered_report"] = form.offered_report.data == "yes"
    return values


def _entry_url(entry) -> str:
    return url_for("drafts.contact_entry", case_id=entry.case_id, entry_id=entry.id)


def _viewed(page, case, entry=None):
    """Record the view after ``page`` was rendered, and return it (a commit expires what was
    loaded: recording first reloaded the case and the entries; see drafts/routes.py)."""
    record(
        "draft.contact_log_viewed",
        object_type="contact_entry" if entry else "case",
        object_id=entry.id if entry else case.id,
        case_id=case.id,
    )
    db.session.commit()
    return page


@bp.route("/cases/<int:case_id>/contact-log")
@requires_case(Action.VIEW_CONTACT_LOG)
@cached_page
def contact_log(case):
    entries = contact_service.entries_of(case)
    return _viewed(render_page("drafts/contact-log.html", case=case, entries=entries), case)


@bp.route("/cases/<int:case_id>/contact-log/new", methods=["GET", "POST"])
@requires_case(Action.VIEW_CONTACT_LOG)
@cached_page
def new_contact(case):
    form = NewContactForm()
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: contact_service.add_entry(case, _values(form), actor=current_user),
            result_url=_entry_url,
        )
        if outcome:
            flash(outcome.message(lambda entry: "The contact has been added to the log."), "success")
            return redirect(outcome.url)
    return render_form("drafts/contact-form.html", form, case=case, entry=None)


@bp.route("/cases/<int:case_id>/contact-log/<int:entry_id>")
@requires_case(Action.VIEW_CONTACT_LOG)
@cached_page
def contact_entry(case, entry_id):
    entry = child_or_404(ContactEntry, case, entry_id)
    page = render_page("drafts/contact-entry.html", case=case, entry=entry, fields=contact_service.FIELDS)
    return _viewed(page, case, entry)


@bp.route("/cases/<int:case_id>/contact-log/<int:entry_id>/edit", methods=["GET", "POST"])
@requires_case(Action.VIEW_CONTACT_LOG)
@cached_page
def edit_contact(case, entry_id):
    entry = child_or_404(ContactEntry, case, entry_id)
    data = None
    if request.method == "GET":
        data = {name: getattr(entry, name) for name in VALUE_FIELDS}
        data.update(version=entry.row_version, offered_report="yes" if entry.offered_report else "no")
    form = EditContactForm(data=data)
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: contact_service.update_entry(entry, _values(form), actor=current_user, version=form.version.data),
            stale=lambda: setattr(form.version, "data", db.session.get(ContactEntry, entry.id).row_version),
        )
        if outcome:
            flash("The entry has been changed." if outcome.value else "Nothing was changed.", "success")
            return redirect(_entry_url(entry))
    return render_form("drafts/contact-form.html", form, case=case, entry=entry)
