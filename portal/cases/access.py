"""The ways of holding a role on a case that the register's own tables give (see portal/authz/sources.py).

Each source is one SELECT of grant rows; authz derives from it the roles on one case, the
cases a person can see, and who holds the role on a case and why.
"""

from __future__ import annotations

from sqlalchemy import and_, or_, select, true

from portal.admin.models import CSP, Organisation, csp_leads
from portal.auth.models import User
from portal.authz import sources
from portal.authz.sources import RoleSource, grant
from portal.clock import london_today

from .models import MEMBER_ROLES, Case, CaseAgency, Membership


def _business_office():
    return (
        select(*grant(case_id=Case.id, user_id=User.id, role="business_office"))
        .select_from(Case)
        .join(User, true())
        .where(User.system_role == "business_office")
    )


def _csp_lead():
    return (
        select(
            *grant(
                case_id=Case.id,
                user_id=csp_leads.c.user_id,
                role="csp_lead",
                detail=CSP.name,
                granted_by_id=csp_leads.c.granted_by_id,
                granted_at=csp_leads.c.granted_at,
            )
        )
        .select_from(Case)
        .join(csp_leads, csp_leads.c.csp_id == Case.csp_id)
        .join(CSP, CSP.id == Case.csp_id)
    )


def _membership():
    return select(
        *grant(
            case_id=Membership.case_id,
            user_id=Membership.user_id,
            role=Membership.role,
            until=Membership.ends_on,
            granted_by_id=Membership.added_by_id,
            granted_at=Membership.added_at,
        )
    ).where(or_(Membership.ends_on.is_(None), Membership.ends_on >= london_today()))


def _agency_contact():
    return (
        select(
            *grant(
                case_id=CaseAgency.case_id,
                user_id=User.id,
                role="agency_contact",
                detail=Organisation.name,
                granted_by_id=User.contact_granted_by_id,
                granted_at=User.contact_granted_at,
            )
        )
        .select_from(CaseAgency)
        .join(User, and_(User.organisation_id == CaseAgency.organisation_id, User.is_agency_contact.is_(True)))
        .join(Organisation, Organisation.id == CaseAgency.organisation_id)
    )


SOURCES = (
    RoleSource(
        "business_office",
        grants=_business_office,
        reason=lambda g: "Business office: every review",
        label=lambda g: "Business office",
    ),
    RoleSource(
        "csp_lead",
        grants=_csp_lead,
        reason=lambda g: f"CSP lead: {g.detail}",
        label=lambda g: "CSP lead",
        records_grants=True,
    ),
    RoleSource("membership", grants=_membership, reason=lambda g: MEMBER_ROLES[g.role], records_grants=True),
    RoleSource(
        "agency_contact",
        grants=_agency_contact,
        on_object=sources.same_agency,
        reason=lambda g: f"Agency contact: {g.detail}",
        label=lambda g: f"Agency contact for {g.detail}",
        records_grants=True,
    ),
)


def init_app(app) -> None:
    sources.register_cases(app, Case)
    for source in SOURCES:
        sources.register_source(app, source)
