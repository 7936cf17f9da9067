"""Who may do what: the one table of access rules.

Every ``Action`` maps to the principals allowed to perform it. Case-level actions
name *case roles* (worked out by ``roles.case_roles``); global actions name
system roles. Views declare the action they need with the decorators in
``decorators.py``; templates ask ``can(...)``. Nothing else restates a rule.
``flask authz table`` prints this table for people (docs/ACCESS.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Action(StrEnum):
    # Global actions (no object)
    ADMINISTER_USERS = "administer users and organisations"
    VIEW_AUDIT = "view the audit trail"
    PRODUCE_BOARD_REPORT = "produce the board report"
    CREATE_CASE = "create a case"
    MANAGE_AGENCY_LISTS = "keep the saved lists of agencies a trawl is sent to"
    MANAGE_THEMES = "manage the themes of recommendations"
    VIEW_RETENTION = "see ended cases and when they are due for disposal"
    OPEN_ACTION_TRACKER = "open the action tracker"
    # Case-level actions (object: a case)
    VIEW_CASE = "view case summary"
    VIEW_CASE_RECORD = "view the case record, clocks and timeline"
    VIEW_CRG_UPDATES = "read CRG updates"
    VIEW_IDENTITIES = "view restricted identities"
    MANAGE_CASE = "manage case"
    MANAGE_MEMBERS = "manage members"
    VIEW_CASE_ACCESS = "see who accessed a case"
    ADD_CRG_UPDATE = "add CRG update"
    CIRCULATE_TRAWL = "circulate trawl"
    VIEW_ALL_RETURNS = "view all returns of a case"
    SUBMIT_OWN_RETURN = "submit and view own agency's return"
    VIEW_REQUEST_IDENTITIES = "see the identifying details an information request names"
    UPLOAD_DRAFT = "upload draft"
    VIEW_CIRCULATED_DRAFTS = "view circulated drafts"
    VIEW_UNCIRCULATED_DRAFTS = "view uncirculated drafts"
    COMMENT_ON_DRAFT = "comment on a draft"
    VIEW_CONTACT_LOG = "view and keep the family and perpetrator contact log"
    RECORD_OUTCOMES = "record sign-off, submission and Home Office outcome"
    VIEW_ACTION_PLAN = "view action plan"
    EDIT_ACTION_PLAN = "edit action plan"
    UPDATE_ACTION = "update an action"
    CONFIRM_ACTION = "confirm an action complete"
    TRACK_ACTIONS = "follow action plans across reviews"
    VIEW_ACTION = "view an action and the recommendation it answers"
    VIEW_SUBMISSION = "view sign-off, submissions to the Home Office and publication"
    TICK_REQUIRED_CHANGES = "tick the changes the Home Office required"
    CHECK_ANONYMISATION = "run the anonymisation check and record why a hit stays"
    MANAGE_RETENTION = "extend retention, place and lift a legal hold, dispose of a case"


# Case roles. Every way of holding one is a role source: see sources.py.
CASE_ROLES = {
    "business_office": "Business office (system role): every case",
    "csp_lead": "CSP lead of the CSP that owns the case",
    "author": "Independent author (case membership)",
    "panel_member": "Panel member (case membership)",
    "observer": "Observer (case membership)",
    "agency_contact": "Contact of an agency involved in the case",
    "action_owner": "Named owner of an action on the case (that action only)",
}

# The system roles a user may hold (``User.system_role``), named once here.
SYSTEM_ROLES = {"admin": "Administrator", "business_office": "Business office"}


@dataclass(frozen=True)
class Rule:
    """Who may: system roles for global actions, case roles for case-level ones.

    A global action may also name ``anywhere`` case roles: whoever holds one of them on at least
    one case may do it (the action tracker is for CSP leads, who are CSP leads through their
    partnerships' reviews, not through a system role).
    """

    system_roles: frozenset[str] = frozenset()
    case_roles: frozenset[str] = frozenset()
    note: str = ""
    anywhere: frozenset[str] = frozenset()

    @property
    def case_level(self) -> bool:
        return bool(self.case_roles)


def _global(*roles: str, anywhere: tuple[str, ...] = (), note: str = "") -> Rule:
    unknown = set(anywhere) - set(CASE_ROLES)
    if unknown:
        raise ValueError(f"unknown case roles {unknown}")
    return Rule(system_roles=frozenset(roles), anywhere=frozenset(anywhere), note=note)


def _case(*roles: str, note: str = "") -> Rule:
    unknown = set(roles) - set(CASE_ROLES)
    if unknown:
        raise ValueError(f"unknown case roles {unknown}")
    return Rule(case_roles=frozenset(roles), note=note)


BO = "business_office"
POLICY: dict[Action, Rule] = {
    Action.ADMINISTER_USERS: _global("admin"),
    Action.VIEW_AUDIT: _global("admin"),
    Action.PRODUCE_BOARD_REPORT: _global(BO),
    Action.CREATE_CASE: _global(BO),
    Action.MANAGE_AGENCY_LISTS: _global(BO),
    Action.MANAGE_THEMES: _global(BO),
    Action.VIEW_RETENTION: _global(BO),
    Action.OPEN_ACTION_TRACKER: _global(
        BO,
        anywhere=("csp_lead",),
        note="the business office, and CSP leads of a partnership with a review; what it shows is TRACK_ACTIONS's",
    ),
    Action.VIEW_CASE: _case(
        BO,
        "csp_lead",
        "author",
        "panel_member",
        "observer",
        "agency_contact",
        "action_owner",
        note="agency contacts and action owners see a summary limited to what their request or action needs",
    ),
    Action.VIEW_CASE_RECORD: _case(
        BO,
        "csp_lead",
        "author",
        note="date of death and of each stage, the CRG decision and its reasons, why the review is on hold "
        "and who asked, the statutory clocks and the timeline; everyone else sees the summary: reference, "
        "pseudonym, review type, CSP, stage",
    ),
    Action.VIEW_CRG_UPDATES: _case(
        BO, "csp_lead", note="the business office's written update for each CRG meeting, and who wrote it"
    ),
    Action.VIEW_IDENTITIES: _case(BO, "author", note="real names of victim, perpetrator and family"),
    Action.MANAGE_CASE: _case(BO, note="edit the record, move stages, holds"),
    Action.MANAGE_MEMBERS: _case(BO),
    Action.VIEW_CASE_ACCESS: _case(BO),
    Action.ADD_CRG_UPDATE: _case(BO),
    Action.CIRCULATE_TRAWL: _case(BO, "author"),
    Action.VIEW_ALL_RETURNS: _case(BO, "author"),
    Action.SUBMIT_OWN_RETURN: _case("agency_contact", note="only their own agency's request and return"),
    Action.VIEW_REQUEST_IDENTITIES: _case(
        "agency_contact",
        note="the real names, dates of birth and addresses of the subjects, for the contact of the request's "
        "agency while that request is open (until its return is accepted); each view is audited",
    ),
    Action.UPLOAD_DRAFT: _case(
        BO,
        "author",
        note="and circulate it with a deadline, extend the deadline, answer comments, see who downloaded "
        "and responded, export the comments log",
    ),
    Action.VIEW_CIRCULATED_DRAFTS: _case(BO, "csp_lead", "author", "panel_member", "observer"),
    Action.VIEW_UNCIRCULATED_DRAFTS: _case(BO, "author"),
    Action.COMMENT_ON_DRAFT: _case(
        "panel_member",
        "csp_lead",
        note="on circulated versions, until the deadline; observers read without commenting",
    ),
    Action.VIEW_CONTACT_LOG: _case(BO, "author", note="contact with the family and the perpetrator"),
    Action.RECORD_OUTCOMES: _case(
        BO, note="also the Home Office pack, dates sent, feedback letters, ready for publication, publication, closure"
    ),
    Action.VIEW_SUBMISSION: _case(
        BO,
        "csp_lead",
        "author",
        note="the versions signed off, the rounds, the letters, the required changes, the waits",
    ),
    Action.TICK_REQUIRED_CHANGES: _case(BO, "author"),
    Action.CHECK_ANONYMISATION: _case(
        BO, "author", note="its hits quote the report around the restricted identities: the same people as those"
    ),
    Action.VIEW_ACTION_PLAN: _case(BO, "csp_lead", "author", "panel_member", "observer"),
    Action.EDIT_ACTION_PLAN: _case(
        BO, "author", note="recommendations and actions; the author until CRG sign-off, then the business office only"
    ),
    Action.UPDATE_ACTION: _case(
        BO,
        "action_owner",
        "agency_contact",
        note="the action's owner, or the contact of the action's lead agency; that action only",
    ),
    Action.CONFIRM_ACTION: _case(BO, "csp_lead", note="or return it to its owner with a reason"),
    Action.VIEW_ACTION: _case(
        BO,
        "csp_lead",
        "author",
        "panel_member",
        "observer",
        "action_owner",
        "agency_contact",
        note="the action's owner and the contact of its lead agency see that action and its recommendation only",
    ),
    Action.TRACK_ACTIONS: _case(
        BO, "csp_lead", note="the action tracker: every review (business office), their CSPs' (CSP lead)"
    ),
    Action.MANAGE_RETENTION: _case(
        BO, note="disposal removes every row and document of the case and keeps a disposal record"
    ),
}


def rule_for(action: Action | str) -> Rule:
    """The rule of ``action``; an unknown action name raises ``ValueError``."""
    return POLICY[Action(action)]


def can(user, action: Action | str, obj=None) -> bool:
    """True when ``user`` may perform ``action`` on ``obj`` (a case, or an object under one).

    Unknown action names raise. Inactive or anonymous users may do nothing.
    """
    from .roles import case_roles, object_case, roles_anywhere

    rule = rule_for(action)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if not rule.case_level:
        if user.system_role in rule.system_roles:
            return True
        return bool(rule.anywhere) and bool(rule.anywhere & roles_anywhere(user))
    case = object_case(obj)
    if case is None:
        return False
    return bool(case_roles(user, case, obj) & rule.case_roles)
