"""The agency's return: its answers, its chronology rows edited inline (htmx, and plain forms
without JavaScript), and submitting it with the declaration. Only a draft changes."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user

from portal.authz.decorators import _deny
from portal.extensions import db
from portal.web.fields import options
from portal.web.forms import has_errors
from portal.web.page_cache import cached_page
from portal.web.rendering import INVALID, render_form, render_page, wants_fragment
from portal.web.saving import save

from . import bp, returns
from .access import AGENCY, request_url, requires_request
from .forms import AddRowForm, EditRowForm, RemoveRowForm, SubmitReturnForm, parse_time, return_form
from .models import ChronologyRow, TrawlReturn

# -- the return (the agency) --------------------------------------------------------------------------


def _editable_or_redirect(trawl_request):
    current = trawl_request.current
    if current is None or not current.editable:
        flash("This return has been submitted and can no longer be changed.", "error")
        return None
    return current


def _answers_data(current) -> dict:
    data = {
        "version": current.version,
        "involvement_from": current.involvement_from,
        "involvement_to": current.involvement_to,
        "summary": current.summary,
    }
    for contact in current.contacts:
        data[f"contact_{contact.subject_id}"] = "yes" if contact.had_contact else "no"
    return data


def _subject_choices(trawl_request):
    return options([("", "Choose a person")] + [(label, label) for label in trawl_request.trawl.subject_labels])


def _return_page(
    case,
    trawl_request,
    current,
    *,
    form=None,
    row_form=None,
    editing=None,
    edit_form=None,
    remove_error=None,
    status=200,
):
    form = form or return_form(trawl_request.trawl.subjects, data=_answers_data(current))
    if row_form is None:
        row_form = AddRowForm(formdata=None)
    row_form.subject.choices = _subject_choices(trawl_request)
    if edit_form is not None:
        edit_form.subject.choices = _subject_choices(trawl_request)
    context = {
        "case": case,
        "trawl_request": trawl_request,
        "trawl": trawl_request.trawl,
        "current": current,
        "answers": form,
        "row_form": row_form,
        "editing": editing,
        "edit_form": edit_form,
        "remove_forms": {row.id: RemoveRowForm(formdata=None, data={"version": row.version}) for row in current.rows},
        "missing": returns.missing_answers(current),
        "remove_error": remove_error,
        "as_fragment": _rows_request(),
        "import_url": url_for("trawl.import_rows", case_id=case.id, request_id=trawl_request.id),
    }
    failed = next((f for f in (edit_form, row_form, form) if f is not None and has_errors(f)), None)
    fragment = "trawl/_chronology.html" if (failed is not form or failed is None) and _rows_request() else None
    if failed is not None:
        return render_form("trawl/return.html", failed, fragment, **context)
    return render_page("trawl/return.html", fragment, status=status, **context)


def _rows_request() -> bool:
    """An htmx request from the chronology part of the page swaps only that part."""
    return wants_fragment() and request.endpoint in ("trawl.add_row", "trawl.edit_row", "trawl.remove_row")


def _back_to_rows(case, trawl_request, current, message: str):
    if wants_fragment():
        return _return_page(case, trawl_request, current)
    flash(message, "success")
    return redirect(url_for("trawl.edit_return", case_id=case.id, request_id=trawl_request.id) + "#chronology")


@bp.route("/cases/<int:case_id>/trawl/requests/<int:request_id>/return", methods=["GET", "POST"])
@requires_request(*AGENCY)
@cached_page
def edit_return(case, trawl_request):
    current = _editable_or_redirect(trawl_request)
    if current is None:
        return redirect(request_url(trawl_request))
    subjects = trawl_request.trawl.subjects
    form = return_form(subjects, data=None if request.method == "POST" else _answers_data(current))
    if request.method == "POST" and form.validate_on_submit():
        answers = {s.id: {"yes": True, "no": False}.get(getattr(form, f"contact_{s.id}").data) for s in subjects}

        def refresh():
            form.version.data = db.session.get(TrawlReturn, current.id).version

        outcome = save(
            form,
            lambda: returns.save_answers(
                current,
                actor=current_user,
                version=form.version.data,
                contacts=answers,
                involvement_from=form.involvement_from.data,
                involvement_to=form.involvement_to.data,
                summary=form.summary.data,
            ),
            stale=refresh,
        )
        if outcome:
            flash("Your answers have been saved as a draft.", "success")
            return redirect(url_for("trawl.edit_return", case_id=case.id, request_id=trawl_request.id))
    return _return_page(case, trawl_request, current, form=form)


def _row_values(form) -> returns.RowInput:
    return returns.RowInput(
        occurred_on=form.occurred_on.data,
        occurred_at=parse_time(form.occurred_at.data),
        subject=form.subject.data,
        practitioner=form.practitioner.data,
        contact_type=form.contact_type.data,
        what_happened=form.what_happened.data,
        action_taken=form.action_taken.data,
        source_reference=form.source_reference.data,
    )


@bp.route("/cases/<int:case_id>/trawl/requests/<int:request_id>/rows", methods=["POST"])
@requires_request(*AGENCY)
def add_row(case, trawl_request):
    current = _editable_or_redirect(trawl_request)
    if current is None:
        return redirect(request_url(trawl_request))
    form = AddRowForm()
    form.subject.choices = _subject_choices(trawl_request)
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: returns.add_row(current, actor=current_user, values=_row_values(form)),
            result_url=lambda _row: url_for("trawl.edit_return", case_id=case.id, request_id=trawl_request.id),
        )
        if outcome:
            return _back_to_rows(case, trawl_request, current, outcome.message(lambda _row: "The row has been added."))
    return _return_page(case, trawl_request, current, row_form=form)


def _row(trawl_request, current, row_id: int) -> ChronologyRow:
    """A row of this request's current version; any other id (another agency's too) is a 404."""
    row = db.session.get(ChronologyRow, row_id)
    if row is None or current is None or row.return_id != current.id:
        _deny(404, case_id=trawl_request.case_id)
    return row


@bp.route("/cases/<int:case_id>/trawl/requests/<int:request_id>/rows/<int:row_id>", methods=["GET", "POST"])
@requires_request(*AGENCY)
@cached_page
def edit_row(case, trawl_request, row_id):
    row = _row(trawl_request, trawl_request.current, row_id)
    current = _editable_or_redirect(trawl_request)
    if current is None:
        return redirect(request_url(trawl_request))
    if request.method == "GET":
        data = {name: getattr(row, name) for name in returns.ROW_FIELDS}
        data["occurred_at"] = row.occurred_at.strftime("%H:%M") if row.occurred_at else ""
        form = EditRowForm(prefix="edit", data={**data, "version": row.version})
        return _return_page(case, trawl_request, current, editing=row.id, edit_form=form)
    form = EditRowForm(prefix="edit")
    form.subject.choices = _subject_choices(trawl_request)
    if form.validate_on_submit():

        def refresh():
            form.version.data = db.session.get(ChronologyRow, row.id).version

        outcome = save(
            form,
            lambda: returns.edit_row(row, actor=current_user, version=form.version.data, values=_row_values(form)),
            stale=refresh,
        )
        if outcome:
            return _back_to_rows(case, trawl_request, current, "The row has been changed.")
    return _return_page(case, trawl_request, current, editing=row.id, edit_form=form)


@bp.route("/cases/<int:case_id>/trawl/requests/<int:request_id>/rows/<int:row_id>/remove", methods=["POST"])
@requires_request(*AGENCY)
def remove_row(case, trawl_request, row_id):
    row = _row(trawl_request, trawl_request.current, row_id)
    current = _editable_or_redirect(trawl_request)
    if current is None:
        return redirect(request_url(trawl_request))
    form = RemoveRowForm()
    if form.validate_on_submit() and save(
        form, lambda: returns.remove_row(row, actor=current_user, version=form.version.data)
    ):
        return _back_to_rows(case, trawl_request, current, "The row has been removed.")
    problem = next(iter(form.form_errors), None) or next((e[0] for e in form.errors.values() if e), None)
    return _return_page(case, trawl_request, current, remove_error=problem or "Try again.", status=INVALID)


@bp.route("/cases/<int:case_id>/trawl/requests/<int:request_id>/submit", methods=["GET", "POST"])
@requires_request(*AGENCY)
@cached_page
def submit_return(case, trawl_request):
    current = _editable_or_redirect(trawl_request)
    if current is None:
        return redirect(request_url(trawl_request))
    form = SubmitReturnForm(data=None if request.method == "POST" else {"version": current.version})
    if request.method == "POST" and form.validate_on_submit():

        def refresh():
            form.version.data = db.session.get(TrawlReturn, current.id).version

        outcome = save(
            form,
            lambda: returns.submit(
                current,
                actor=current_user,
                version=form.version.data,
                name=form.name.data,
                role=form.role.data,
                confirmed=form.confirmed.data,
            ),
            stale=refresh,
        )
        if outcome:
            flash("Your return has been submitted. Thank you.", "success")
            return redirect(request_url(trawl_request))
    return render_form(
        "trawl/submit.html",
        form,
        case=case,
        trawl_request=trawl_request,
        current=current,
        missing=returns.missing_answers(current),
    )
