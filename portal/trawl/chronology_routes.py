"""The merged chronology (page and exports) and the chronology import of a return.

The merged chronology is for those who read every return; each export is audited. The import
belongs to the agency answering: all or nothing, every bad row named in the error summary.
"""

from __future__ import annotations

from flask import Response, flash, redirect, request, url_for
from flask_login import current_user

from portal.audit import record
from portal.authz import Action, requires_case
from portal.clock import london_today
from portal.extensions import db
from portal.web.fields import options
from portal.web.page_cache import cached_page
from portal.web.paging import page_number, pagination
from portal.web.rendering import INVALID, render_page

from . import bp, returns, services
from .access import AGENCY, requires_request
from .chronology import Filters, accepted_agencies, merged_rows, paged
from .chronology_io import NOTE, parse_rows, template_csv, template_xlsx
from .exports import chronology_csv, chronology_docx, chronology_xlsx
from .forms import ChronologyFilterForm, ImportForm
from .merged import merge

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _filters(case):
    form = ChronologyFilterForm(request.args)
    form.agency.choices = options([(0, "All agencies")] + accepted_agencies(case))
    trawl = services.trawl_of(case)
    labels = trawl.subject_labels if trawl else []
    form.subject.choices = options([("", "All subjects")] + [(label, label) for label in labels])
    filters = Filters()
    offered_agencies = {choice.value for choice in form.agency.choices}
    if form.validate():
        filters = Filters(
            agency_id=form.agency.data if form.agency.data in offered_agencies and form.agency.data else None,
            subject=form.subject.data if form.subject.data in labels else None,
            start=form.date_from.data,
            end=form.date_to.data,
        )
    return form, filters


@bp.route("/cases/<int:case_id>/trawl/chronology")
@requires_case(Action.VIEW_ALL_RETURNS)
@cached_page
def chronology(case):
    form, filters = _filters(case)
    rows = merged_rows(case, filters)
    query = {key: request.args.getlist(key) for key in request.args if key != "page" and any(request.args.getlist(key))}
    page = page_number(request.args.get("page"))
    groups, pages = paged(merge(rows), page)
    page = min(page, pages)
    return render_page(
        "trawl/chronology.html",
        case=case,
        form=form,
        groups=groups,
        count=len(rows),
        filtered=filters.active,
        pagination=pagination(
            page,
            pages,
            lambda number: url_for("trawl.chronology", case_id=case.id, **query, page=number),
            label="Pages of the merged chronology",
        ),
        export_urls={
            kind: url_for(f"trawl.chronology_{kind}", case_id=case.id, **query) for kind in ("docx", "xlsx", "csv")
        },
    )


def _export(case, kind: str, build, mimetype: str) -> Response:
    _form, filters = _filters(case)
    rows = merged_rows(case, filters)
    body = build(rows, case_reference=case.reference)
    record(
        "trawl.chronology_exported",
        object_type="case",
        object_id=case.id,
        case_id=case.id,
        detail={"format": kind, "rows": len(rows), **filters.audit_detail()},
    )
    db.session.commit()
    filename = f"merged-chronology-{case.letter}-{case.year}-{london_today().isoformat()}.{kind}"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@bp.route("/cases/<int:case_id>/trawl/chronology.docx", endpoint="chronology_docx")
@requires_case(Action.VIEW_ALL_RETURNS)
def chronology_docx_export(case):
    return _export(case, "docx", chronology_docx, DOCX)


@bp.route("/cases/<int:case_id>/trawl/chronology.xlsx", endpoint="chronology_xlsx")
@requires_case(Action.VIEW_ALL_RETURNS)
def chronology_xlsx_export(case):
    return _export(case, "xlsx", chronology_xlsx, XLSX)


@bp.route("/cases/<int:case_id>/trawl/chronology.csv", endpoint="chronology_csv")
@requires_case(Action.VIEW_ALL_RETURNS)
def chronology_csv_export(case):
    return _export(case, "csv", chronology_csv, "text/csv")


# -- importing rows into a draft return (the agency) -------------------------------------------------


@bp.route("/cases/<int:case_id>/trawl/requests/<int:request_id>/import", methods=["GET", "POST"])
@requires_request(*AGENCY)
@cached_page
def import_rows(case, trawl_request):
    current = trawl_request.current
    if current is None or not current.editable:
        flash("This return has been submitted and can no longer be changed.", "error")
        return redirect(url_for("trawl.request_page", case_id=case.id, request_id=trawl_request.id))
    form = ImportForm()
    errors = []
    if form.validate_on_submit():
        upload = request.files.get("file")
        data = upload.read() if upload else b""
        result = parse_rows(
            upload.filename if upload else "", data, trawl_request.trawl.subject_labels, today=london_today()
        )
        if result.ok:
            from portal.web.saving import save

            outcome = save(form, lambda: returns.import_rows(current, actor=current_user, rows=result.rows))
            if outcome:
                flash(f"{outcome.value} rows have been imported.", "success")
                return redirect(
                    url_for("trawl.edit_return", case_id=case.id, request_id=trawl_request.id) + "#chronology"
                )
        errors = result.errors
    status = INVALID if errors or form.errors or form.form_errors else 200
    return render_page(
        "trawl/import.html",
        status=status,
        case=case,
        trawl_request=trawl_request,
        form=form,
        errors=errors,
        note=NOTE,
    )


@bp.route("/cases/<int:case_id>/trawl/requests/<int:request_id>/import/template.csv")
@requires_request(*AGENCY)
def import_template_csv(case, trawl_request):
    return Response(
        template_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="chronology-template.csv"'},
    )


@bp.route("/cases/<int:case_id>/trawl/requests/<int:request_id>/import/template.xlsx")
@requires_request(*AGENCY)
def import_template_xlsx(case, trawl_request):
    return Response(
        template_xlsx(trawl_request.trawl.subject_labels),
        mimetype=XLSX,
        headers={"Content-Disposition": 'attachment; filename="chronology-template.xlsx"'},
    )
