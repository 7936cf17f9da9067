"""Reading the trail: the administrators' search and a case's "who accessed this case".

Reading the trail is itself recorded (``audit.searched``, ``case.access_log_viewed``):
who looked into whose activity is part of the record.
"""

from __future__ import annotations

from flask import g, request, url_for

from portal.authz import Action, requires, requires_case
from portal.extensions import db
from portal.web.page_cache import cached_page
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


def _search_form() -> tuple[AuditSearchForm, queries.Criteria | None]:
    """The search form and what it asks for (None when it is not valid), built once a request:
    the page cache's key (``_trail_key``) reads them before the view, which builds the page
    from the same ones."""
    if "audit_search" not in g:
        form = AuditSearchForm(request.args)
        g.audit_search = (form, form.criteria() if form.validate() else None)
    return g.audit_search


def _trail_key() -> tuple:
    """What the search page shows from the audit trail, which the data generation does not follow
    (every audited request writes it): the actions in the filter's list, and the rows matching
    the search, as their count and newest id (``queries.matching_state``). A kept page is served
    only while both are as they were; the search's own event (recorded once the key is read,
    and again on every hit) moves them only for a search that matches it, whose page then
    shows it, so is rebuilt."""
    form, criteria = _search_form()
    names = tuple(choice.value for choice in form.action.choices)
    return names, queries.matching_state(criteria) if criteria is not None else None


@bp.route("/admin/audit")
@cached_page(extra_key=_trail_key)
@requires(Action.VIEW_AUDIT)
def trail():
    form, criteria = _search_form()
    results = pager = None
    if criteria is not None:
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
