"""Who reaches the trawl's objects: the ``trawl_request`` role source and the request loader.

The source: the contact of an agency with an open request on a case (or an IMR still
being written) holds ``agency_contact`` on it, and on objects under it only their own
agency's (``same_agency``). Circulating also adds the agency to the case's involved
agencies (whose own source gives the same role), so the source matters for the time the
two differ: an agency taken off a review while its request is still open keeps answering it.

Every page of one request loads it through its case and then checks the person on the
request itself: an agency's request, return, row or document asked for by another agency's
contact is a 404, exactly as a case they have no role on.
"""

from __future__ import annotations

import functools

from flask import url_for
from flask_login import current_user
from sqlalchemy import and_, or_, select

from portal.admin.models import Organisation
from portal.auth.models import User
from portal.authz import Action, can, requires_case, sources
from portal.authz.decorators import Requirement, _deny
from portal.extensions import db

from .models import Imr, TrawlRequest


def _trawl_request():
    return (
        select(
            *sources.grant(
                case_id=TrawlRequest.case_id,
                user_id=User.id,
                role="agency_contact",
                detail=Organisation.name,
                granted_at=TrawlRequest.sent_at,
                granted_by_id=TrawlRequest.sent_by_id,
            )
        )
        .select_from(TrawlRequest)
        .join(User, and_(User.organisation_id == TrawlRequest.organisation_id, User.is_agency_contact.is_(True)))
        .join(Organisation, Organisation.id == TrawlRequest.organisation_id)
        .where(or_(TrawlRequest.closed_at.is_(None), TrawlRequest.id.in_(_open_imrs)))
    )


# An IMR asked of the agency keeps its request open for this purpose until the IMR is accepted.
_open_imrs = select(Imr.request_id).where(Imr.status.in_(("requested", "received", "returned"))).scalar_subquery()


SOURCE = sources.RoleSource(
    "trawl_request",
    grants=_trawl_request,
    on_object=sources.same_agency,
    reason=lambda g: f"Information request to {g.detail}",
    label=lambda g: f"Information request to {g.detail}",
)

# Who may open one request's pages: its agency's contact, or whoever sees every return.
AGENCY = (Action.SUBMIT_OWN_RETURN,)
REVIEWERS = (Action.VIEW_ALL_RETURNS,)
EITHER = AGENCY + REVIEWERS


def load_request(case, request_id: int, actions=EITHER) -> TrawlRequest:
    """The request ``request_id`` of ``case``, if the person may act on it in one of ``actions``.

    Another case's request, or another agency's (on any page), is a 404; someone on the case
    allowed none of ``actions`` on any request (a panel member; an agency on a reviewer's page
    of its own request) gets 403.
    """
    trawl_request = db.session.get(TrawlRequest, request_id)
    if trawl_request is None or trawl_request.case_id != case.id:
        _deny(404, case_id=case.id)
    if any(can(current_user, action, trawl_request) for action in actions):
        return trawl_request
    agency_side = can(current_user, Action.SUBMIT_OWN_RETURN, case)
    if agency_side and not can(current_user, Action.SUBMIT_OWN_RETURN, trawl_request):
        # Another agency's request: not found, whatever the page (even one this person may never
        # open), so that its existence is not revealed either.
        _deny(404, case_id=case.id)
    if any(can(current_user, action, case) for action in actions):
        _deny(404, case_id=case.id)  # allowed on the case, but not on this request
    _deny(403, case_id=case.id)


def requires_request(*actions: Action):
    """A page of one request (``/cases/<case_id>/.../<request_id>``): the view gets ``case`` and
    ``trawl_request``; checks as ``load_request``."""
    actions = actions or EITHER

    def decorate(view):
        @requires_case(Action.VIEW_CASE)
        @functools.wraps(view)
        def inner(*args, case, request_id: int, **kwargs):
            return view(*args, case=case, trawl_request=load_request(case, request_id, actions), **kwargs)

        inner.authz = Requirement(actions[0], needs=("case_id", "request_id"))
        return inner

    return decorate


def request_url(trawl_request, **values) -> str:
    """The page of one request (for its agency and for those who read every return)."""
    return url_for("trawl.request_page", case_id=trawl_request.case_id, request_id=trawl_request.id, **values)


def init_app(app) -> None:
    sources.register_source(app, SOURCE)
