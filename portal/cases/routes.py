"""The register and the case page (the lifecycle issue grows both)."""

from __future__ import annotations

from flask_login import current_user

from portal.audit import record
from portal.authz import Action, requires_case, signed_in, visible_cases
from portal.extensions import db
from portal.web.rendering import render_page

from . import bp
from .models import Case


@bp.route("/cases")
@signed_in
def register():
    cases = db.session.execute(visible_cases(current_user).order_by(Case.year.desc(), Case.letter)).scalars().all()
    return render_page("cases/register.html", cases=cases)


@bp.route("/cases/<int:case_id>")
@requires_case(Action.VIEW_CASE)
def case_page(case):
    record("case.viewed", object_type="case", object_id=case.id, case_id=case.id)
    db.session.commit()
    return render_page("cases/case.html", case=case)
