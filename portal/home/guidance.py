"""What the home page tells each person: what the portal gives them, and what to do next.

One part per way of taking part (a person may hold several). The text says only what the
portal does today; whatever is still done outside it is said as such, with what to do
meanwhile. Each part's ``coming`` text (shown as "How it works") says how its area's work is done here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import url_for
from sqlalchemy import select

from portal.auth.models import User
from portal.authz import Action, can
from portal.cases.models import MEMBER_ROLES
from portal.extensions import db


@dataclass
class Step:
    text: str
    link: str | None = None  # the words that link, at the start of the step
    href: str | None = None


@dataclass
class Part:
    key: str
    heading: str
    intro: str
    steps: list[Step] = field(default_factory=list)
    coming: str | None = None


ACTION_OWNER_LABEL = "Owner of actions on this review"
OPEN_A_REVIEW = Step("Open a review below to see where it stands: its stage, its clocks and the latest CRG update.")


def _held(user, my_cases) -> list[str]:
    """The ways ``user`` takes part, in the order the page explains them."""
    held = []
    if user.system_role in ("business_office", "admin"):
        held.append(user.system_role)
    if user.led_csps:
        held.append("csp_lead")
    # Membership roles as my_cases labels them (the same labels as the members page).
    labels = {label for item in my_cases for label in item.roles}
    held += [role for role, label in MEMBER_ROLES.items() if label in labels]
    if user.is_agency_contact:
        held.append("agency_contact")
    # The action plans' role source labels it so (portal/actions/access.py).
    if any(label == ACTION_OWNER_LABEL for item in my_cases for label in item.roles):
        held.append("action_owner")
    return held or ["nothing_yet"]


def _business_office(user, my_cases) -> Part:
    steps = [
        Step(
            ": overdue clocks first, then the reviews waiting on the Home Office.",
            "Start with the dashboard",
            url_for("dashboard.index"),
        ),
        Step(
            " before each CRG meeting, once each review's update is added on its page.",
            "Produce the board report",
            url_for("reports.board_report"),
        ),
        Step(
            ": every review's action plan, completion by theme, agency and scope, the overdue actions and "
            "the learning repeated across reviews.",
            "Follow the action plans",
            url_for("actions.tracker"),
        ),
        Step(
            " of every review, to find one or to filter by stage, partnership or year.",
            "Search the register",
            url_for("cases.register"),
        ),
    ]
    if can(user, Action.CREATE_CASE):
        steps.append(
            Step(" when a partnership is notified of a death.", "Register a new referral", url_for("cases.new_case"))
        )
    return Part(
        "business_office",
        "You run the reviews",
        "As the business office you see every review, for every partnership, and keep each one moving: its stage, "
        "holds and statutory clocks, who takes part and which agencies are involved, and the update given at each CRG.",
        steps,
        "Send each review's information trawl from its page: the agencies answer here, the portal chases them "
        "by itself, and the review's tracker shows who has answered. Keep the saved lists of agencies under "
        "Agency lists. Upload and circulate drafts to the panel from each review's drafts page, where the "
        "contact log with the family is kept too.",
    )


def _admin(user, my_cases) -> Part:
    return Part(
        "admin",
        "You look after the accounts",
        "As an administrator you invite people, set their organisation and what they may do, and keep the lists of "
        "agencies and partnerships. You cannot open reviews: case details stay with the people working on them.",
        [
            Step(
                ": each person sets their own password and authenticator app from the e-mail.",
                "Invite someone",
                url_for("admin.invite_user"),
            ),
            Step(
                ": deactivate anyone who has left, and resend invitations that were not used.",
                "Check the users",
                url_for("admin.users"),
            ),
            Step(
                ": add an agency when a review involves one that is not listed yet.",
                "Agencies",
                url_for("admin.organisations"),
            ),
            Step(
                ": the Community Safety Partnerships that own the reviews, and who leads each.",
                "Partnerships",
                url_for("admin.csps"),
            ),
            Step(
                " to see who signed in, opened or changed what, and when.",
                "Search the audit trail",
                url_for("audit.trail"),
            ),
        ],
    )


def _csp_lead(user, my_cases) -> Part:
    names = " and ".join(sorted(csp.name for csp in user.led_csps))
    steps = (
        [OPEN_A_REVIEW]
        if my_cases
        else [
            Step(
                "Your partnership has no reviews in the portal yet. The business office registers each death your "
                "partnership is notified of, and it will appear here."
            )
        ]
    )
    steps = [
        *steps,
        Step(
            ": how far your partnership's reviews' action plans are implemented, by theme and agency. From "
            "your work queue above, confirm the actions your partnership's agencies complete, or return them "
            "with what is still needed.",
            "Open the action tracker",
            url_for("actions.tracker"),
        ),
    ]
    return Part(
        "csp_lead",
        f"You lead {names}",
        "Your partnership owns the reviews below, their reports and their action plans. Here you follow each one: "
        "its stage and how long it has been there, its statutory clocks, and the update given at each CRG.",
        steps,
    )


def _author(user, my_cases) -> Part:
    return Part(
        "author",
        "You are the independent author",
        "You write the overview report and executive summary of the reviews below and chair their panels. Here you "
        "see each review's key facts, stage and clocks, and the real names of the victim, perpetrator and family, "
        "which only you and the business office can see.",
        [Step("Open a review below to check its key facts and names. Tell the business office if anything is wrong.")],
        "Send the information trawl to the agencies from the review's page, read their returns as they arrive, ask "
        "for more information or an IMR, and read every accepted chronology merged in date order. Upload and "
        "circulate drafts to the panel from the review's drafts page, answer the comments there, and keep the "
        "contact log with the family and the perpetrator. The action plan is built here too: open it from the "
        "review's page, until the CRG signs the report off.",
    )


def _panel_member(user, my_cases) -> Part:
    return Part(
        "panel_member",
        "You sit on a review panel",
        f"You represent {user.organisation.name} on the panel of the reviews below: you read each draft report and "
        "comment on it by its deadline. Here you follow each review's stage and the update given at each CRG.",
        [OPEN_A_REVIEW],
        "Drafts circulated to the panel appear at the top of this page with the date your comments are due. Each "
        "copy you download carries your name; comment on the draft's page, or say you have no further comments.",
    )


def _observer(user, my_cases) -> Part:
    return Part(
        "observer",
        "You observe reviews",
        "You follow the reviews below without taking part in their decisions: you see each review's stage, clocks "
        "and the update given at each CRG. You cannot change anything.",
        [OPEN_A_REVIEW],
        "You read the drafts circulated to the panel on each review's drafts page, and the action plan from the "
        "review's page.",
    )


def _agency_contact(user, my_cases) -> Part:
    agency = user.organisation.name
    involved = any("agency" in label.lower() for item in my_cases for label in item.roles)
    if involved:
        steps = [
            Step(
                f"{agency} is involved in the reviews below. Make sure your agency's records about the people in "
                "them are kept safe and not destroyed: the review may need them."
            ),
            Step("Open a review below to see its reference, pseudonym, partnership and stage."),
        ]
    else:
        steps = [
            Step(
                f"No review involves {agency} at the moment. When the business office adds your agency to a "
                "review, it will appear here."
            )
        ]
    return Part(
        "agency_contact",
        f"You answer for {agency}",
        f"You are {agency}'s single point of contact for reviews. When a review asks what your agency knew of the "
        "victim, the perpetrator or their children, you answer: whether you had contact (a nil return is an answer "
        "too), a summary, a chronology and, when asked, an Individual Management Review (IMR).",
        steps,
        "Information requests arrive under Requests for my agency, each with its due date, and you answer them "
        "there: acknowledge, say whether you had contact, add your chronology (typed in or imported from the "
        "template), then submit. The portal reminds you by e-mail before a request is due. The actions your "
        "agency leads in a review's action plan are under My actions.",
    )


def _action_owner(user, my_cases) -> Part:
    return Part(
        "action_owner",
        "You own actions from reviews' action plans",
        "Each action answers a recommendation of a review. You see your actions and the recommendation each one "
        "answers, not the rest of the review.",
        [
            Step(
                ": overdue first. Record progress with a dated note, add evidence, and mark an action complete "
                "when it is done; the CSP lead or the business office then confirms it, or returns it to you "
                "saying what is still needed.",
                "Open my actions",
                url_for("actions.my_actions"),
            )
        ],
    )


def _nothing_yet(user, my_cases) -> Part:
    return Part(
        "nothing_yet",
        "Nothing needs you yet",
        "You are not part of any review at the moment. Reviews appear here once you have a part in one: when the "
        "business office adds you to a review's panel or as its author or an observer, when a review involves your "
        "agency and you are its contact, or when an action from a review's action plan is given to you.",
        [
            Step(
                "There is nothing to do now. If you expected to see a review or an action, contact the business office."
            )
        ],
        "Actions given to you will appear here with their target dates, for you to record progress and evidence; "
        "the CSP lead or the business office then confirms each one complete.",
    )


PARTS = {
    "business_office": _business_office,
    "admin": _admin,
    "csp_lead": _csp_lead,
    "author": _author,
    "panel_member": _panel_member,
    "observer": _observer,
    "agency_contact": _agency_contact,
    "action_owner": _action_owner,
    "nothing_yet": _nothing_yet,
}


def guidance_for(user, my_cases) -> list[Part]:
    """The parts of the home page that explain ``user``'s place in the portal."""
    return [PARTS[key](user, my_cases) for key in _held(user, my_cases)]


def business_office_contacts(limit: int = 3) -> list[User]:
    """Who to ask: the business office's active officers (everyone's "contact the business office")."""
    return list(
        db.session.execute(
            select(User)
            .where(User.system_role == "business_office", User.active.is_(True), User.password_hash.is_not(None))
            .order_by(User.name)
            .limit(limit)
        ).scalars()
    )
