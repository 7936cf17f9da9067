"""Reading the trail: the administrators' search and a case's "who accessed this case".

Reading the trail is itself recorded (``audit.searched``, ``case.access_log_viewed``):
who looked into whose activity is part of the record.
"""

from __future__ import annotations

from flask import request, url_for

from portal.authz import Action, requires, requires_case
from portal.extensions import db
from portal.web.paging import page_number, pagination
from portal.web.rendering import render_form, render_page

from . import bp, queries
from .forms import AuditSearchForm
from .services import record

# htmx fetches pages of results in place; ``None`` stands for each link's own URL.
IN_PLACE = {
    "hx-get": None,
    "hx-target": "#audit-search",
    "hx-swap": "outerHTML show:#audit-search:top",
    "hx-push-url": "true",
}


@bp.route("/admin/audit")
@requires(Action.VIEW_AUDIT)
def trail():
    form = AuditSearchForm(request.args)
    results = pager = None
    if form.validate():
        criteria = form.criteria()
        record("audit.searched", detail=criteria.summary())
        db.session.commit()
        results = queries.search(criteria, page_number(request.args.get("page")))
        filters = {field.name: request.args.getlist(field.name) for field in form if field.name in request.args}
        pager = pagination(
            results.number, results.pages, lambda number: url_for("audit.trail", **filters, page=number), IN_PLACE
        )
    return render_form("audit/trail.html", form, "audit/_trail.html", results=results, pager=pager)


@bp.route("/cases/<int:case_id>/access")
@requires_case(Action.VIEW_CASE_ACCESS)
def case_access(case):
    record("case.access_log_viewed", object_type="case", object_id=case.id, case_id=case.id)
    db.session.commit()
    results = queries.case_events(case.id, page_number(request.args.get("page")))
    pager = pagination(
        results.number, results.pages, lambda number: url_for("audit.case_access", case_id=case.id, page=number)
    )
    return render_page("audit/case-access.html", case=case, results=results, pager=pager)
