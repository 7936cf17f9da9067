"""Loading drafts through their case, and who may see which version.

Uncirculated versions exist only for the author and the business office: for anyone else an
uncirculated version's id is a 404, exactly like an id from another case, so its existence is
not revealed.
"""

from __future__ import annotations

from flask import abort, request
from sqlalchemy import select

from portal.audit import record_now
from portal.authz import Action, can
from portal.authz.decorators import child_or_404
from portal.authz.roles import case_roles
from portal.extensions import db

from .models import Circulation, DraftComment, DraftVersion

# Who a circulation goes to (and whose downloads are receipts); of them, who is asked to comment.
READER_ROLES = ("panel_member", "csp_lead", "observer")
COMMENTING_ROLES = ("panel_member", "csp_lead")


def _not_found(case) -> None:
    db.session.rollback()
    record_now(
        "access.denied",
        outcome="denied",
        case_id=case.id,
        detail={"status": 404, "endpoint": request.endpoint, "method": request.method},
    )
    abort(404)


def sees_uncirculated(user, case) -> bool:
    return can(user, Action.VIEW_UNCIRCULATED_DRAFTS, case)


def manages(user, case) -> bool:
    """The author and the business office: upload, circulate, answer comments, see the tracker."""
    return can(user, Action.UPLOAD_DRAFT, case)


def is_author(user, case) -> bool:
    """Holds the author role on the case: their own downloads are not stamped."""
    return "author" in case_roles(user, case)


def version_or_404(user, case, version_id: int) -> DraftVersion:
    version = child_or_404(DraftVersion, case, version_id)
    if version.circulation is None and not sees_uncirculated(user, case):
        _not_found(case)
    return version


def circulation_or_404(user, case, version_id: int) -> Circulation:
    """The circulation of a visible version; a version not circulated has no comments, tracker..."""
    version = version_or_404(user, case, version_id)
    if version.circulation is None:
        abort(404)
    return version.circulation


def comment_or_404(circulation: Circulation, comment_id: int) -> DraftComment:
    comment = db.session.get(DraftComment, comment_id)
    if comment is None or comment.circulation_id != circulation.id:
        _not_found(circulation.case)
    return comment


def visible_versions_query(user, case):
    """The versions of ``case`` this person may see, newest document first then by number."""
    query = select(DraftVersion).where(DraftVersion.case_id == case.id)
    if not sees_uncirculated(user, case):
        query = query.join(Circulation, Circulation.version_id == DraftVersion.id)
    return query.order_by(DraftVersion.document_id, DraftVersion.number.desc())
