"""Pages of sign-off, the Home Office submission, quality assurance and publication: the
blueprint, the submission page and what its pages share. The forms' pages are in
``signoff_routes``, ``round_routes`` and ``publication_routes``, all on this blueprint.

Thin views: the decorator checks the case rule, child rows are loaded through their case
(``child_or_404``), a service does the work, ``save`` commits it.
"""

from __future__ import annotations

from flask import Blueprint, url_for
from flask_login import current_user

from portal.audit import record
from portal.authz import Action, can, requires_case
from portal.extensions import db
from portal.web.forms import error_list
from portal.web.page_cache import cached_page
from portal.web.rendering import render_page

from . import services
from .forms import (
    ChangeForm,
    CloseForm,
    RunCheckForm,
)

bp = Blueprint("submission", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _home(case) -> str:
    return url_for("submission.index", case_id=case.id)


def overview(case, user) -> dict:
    """What the submission page and the case page section show."""
    case_rounds = services.rounds(case)
    publication = services.publication_of(case)
    return {
        "signoffs": services.signoffs(case),
        "current": services.current_signoff(case),
        "amendments": services.amendments(case),
        "rounds": case_rounds,
        "waiting": services.waiting(case_rounds),
        "publication": publication,
        # The case record's own date (demo data, a stage move, an import): the summary says it
        # until a sign-off of exact versions is recorded here, so the two pages agree.
        "record_signed_off_on": case.signed_off_on,
        "check": services.latest_check(case) if can(user, Action.CHECK_ANONYMISATION, case) else None,
        "records": can(user, Action.RECORD_OUTCOMES, case),
        "ticks": can(user, Action.TICK_REQUIRED_CHANGES, case),
        "checks": can(user, Action.CHECK_ANONYMISATION, case),
        # (actions, not yet confirmed) while the review is published: what closure waits on.
        "plan": services.plan_progress(case) if case.stage == "published" else None,
    }


def _index(case, *, status=200, errors=(), **forms):
    context = overview(case, current_user)
    context.update(
        change_form=lambda change: ChangeForm(formdata=None, data={"version": change.row_version}),
        run_form=forms.pop("run_form", None) or RunCheckForm(formdata=None),
        close_form=forms.pop("close_form", None) or CloseForm(formdata=None),
        page_errors=list(errors),
        **forms,
    )
    return render_page("submission/index.html", status=status, case=case, **context)


def _errors(form) -> list[dict]:
    return error_list(form)


@bp.route("/cases/<int:case_id>/submission")
@requires_case(Action.VIEW_SUBMISSION)
@cached_page
def index(case):
    record("submission.viewed", object_type="case", object_id=case.id, case_id=case.id)
    # Committed once the page is rendered: a commit expires every loaded row, and committing
    # first reloaded the case and the person (as the case page, portal/cases/routes.py). If
    # recording fails the page is never sent, so nobody reads it unrecorded.
    page = _index(case)
    db.session.commit()
    return page


def _date(value) -> str:
    from portal.web.dates import govuk_date

    return govuk_date(value)
