"""The move table of a review's stage machine (docs/PROCESS.md, "The stages of a case").

Each ``Move`` says where it may be made from, where it takes the case, the date and answers it
asks for and what it writes to the case record; ``portal/cases/lifecycle.py`` applies them. What
is particular to one move is a field of its row here, never a test of its code elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.authz import Action

from .models import STAGES, Case
from .stages import NOT_CLOSED


@dataclass(frozen=True)
class Answer:
    """A free-text answer a move requires, and the case field it writes."""

    name: str  # the form field and keyword of apply_move
    writes: str  # the Case attribute
    missing: str  # the error when it is left blank


@dataclass(frozen=True)
class Target:
    """A stage a move returns the case to, chosen in its form (reopening a decision)."""

    label: str
    sets: dict  # constant values written to the case
    date_field: str | None = None  # the Case date set to the move's date
    asks_review_type: bool = False


@dataclass(frozen=True)
class Move:
    code: str
    label: str  # what happened, as the officer would say it
    from_stages: tuple[str, ...]
    to_stage: str | None  # None: the stage stays (an event, a hold or a resume) or a target is chosen
    kind: str  # StageHistory kind: move, event, reopen, hold, resume
    action: Action = Action.MANAGE_CASE
    date_field: str | None = None  # the Case date this move records
    date_label: str = "Date"
    note_required: bool = False
    note_label: str = "Note"
    sets: dict = field(default_factory=dict)  # constant values written to the case
    asks_review_type: bool = False  # the form asks for the type of review (DHR or DARDR)
    answers: tuple[Answer, ...] = ()
    targets: dict[str, Target] = field(default_factory=dict)  # the stages the form offers
    once: bool = False  # refused once its date field is set
    # (Case date, what it is): the move's date may not be before it.
    not_before: tuple[str, str] | None = None

    @property
    def extra(self) -> tuple[str, ...]:
        """The names of the fields the move's form asks for besides its date and note."""
        names = ("target_stage",) if self.targets else ()
        if self.asks_review_type or any(target.asks_review_type for target in self.targets.values()):
            names += ("review_type",)
        return names + tuple(answer.name for answer in self.answers)

    @property
    def audit_event(self) -> str:
        return "case.moved" if self.kind in ("move", "reopen") else f"case.{self.kind}"

    def allowed_from(self, case: Case) -> bool:
        if self.kind == "resume":
            return case.on_hold
        if case.on_hold:
            return False
        if self.once and getattr(case, self.date_field) is not None:
            return False
        return case.stage in self.from_stages


# What both of the CRG's decisions record.
_CRG_DECISION = {
    "date_field": "decision_on",
    "date_label": "Date of the CRG decision",
    "not_before": ("csp_notified_on", "the CSP was notified"),
}

_MOVES = [
    Move(
        "decide_conduct",
        "CRG decided to hold a review",
        ("referral",),
        "awaiting_home_office",
        "move",
        **_CRG_DECISION,
        asks_review_type=True,
        sets={"decision_outcome": "conduct", "decision_reasons": None},
    ),
    Move(
        "decide_not_conduct",
        "CRG decided not to hold a review",
        ("referral",),
        "not_progressed",
        "move",
        **_CRG_DECISION,
        answers=(Answer("reasons", "decision_reasons", "Enter the reasons for not holding a review"),),
        sets={"decision_outcome": "not_conduct"},
    ),
    Move(
        "home_office_informed",
        "Home Office informed of the decision",
        ("awaiting_home_office",),
        "commissioning",
        "move",
        date_field="home_office_informed_on",
        date_label="Date the Home Office was informed",
    ),
    Move(
        "informed_no_review",
        "Home Office informed of the decision not to hold a review",
        ("not_progressed",),
        None,
        "event",
        date_field="home_office_informed_on",
        date_label="Date the Home Office was informed",
        once=True,
    ),
    Move(
        "author_agreed",
        "Independent author agreed",
        ("commissioning",),
        "in_review",
        "move",
        date_field="author_agreed_on",
        date_label="Date the author was agreed",
    ),
    Move(
        "sign_off",
        "CRG signed off the report",
        ("in_review",),
        "signed_off",
        "move",
        action=Action.RECORD_OUTCOMES,
        date_field="signed_off_on",
        date_label="Date of the CRG sign-off",
    ),
    Move(
        "amendments",
        # Asked for while the report is still being written, or after it was signed off (the
        # sign-off then no longer stands): either way the stage stays and the history says so.
        "Further amendments to the report",
        ("in_review", "signed_off"),
        None,
        "event",
        action=Action.RECORD_OUTCOMES,
        date_label="Date the amendments were requested or completed",
        note_required=True,
        note_label="What was amended",
    ),
    Move(
        "send_to_home_office",
        "Report sent to the Home Office",
        ("signed_off",),
        "with_home_office",
        "move",
        action=Action.RECORD_OUTCOMES,
        date_field="sent_to_home_office_on",
        date_label="Date sent to the Home Office",
    ),
    Move(
        "graded_adequate",
        "Home Office graded the report adequate",
        ("with_home_office",),
        "approved",
        "move",
        action=Action.RECORD_OUTCOMES,
        date_field="home_office_outcome_on",
        date_label="Date of the Home Office feedback letter",
        sets={"home_office_outcome": "adequate"},
    ),
    Move(
        "graded_inadequate",
        "Home Office graded the report inadequate",
        ("with_home_office",),
        "in_review",
        "move",
        action=Action.RECORD_OUTCOMES,
        date_field="home_office_outcome_on",
        date_label="Date of the Home Office feedback letter",
        note_required=True,
        note_label="What the Home Office requires",
        sets={"home_office_outcome": "inadequate"},
    ),
    Move(
        "publish",
        "Report published",
        ("approved",),
        "published",
        "move",
        date_field="published_on",
        date_label="Date published",
    ),
    Move(
        "close",
        "All actions complete: case closed",
        ("published",),
        "closed",
        "move",
        date_field="closed_on",
        date_label="Date closed",
    ),
    Move(
        "reopen_closed",
        "Reopen the closed case",
        ("closed",),
        "published",
        "reopen",
        date_label="Date reopened",
        note_required=True,
        note_label="Why the case is reopened",
        sets={"closed_on": None},
    ),
    Move(
        "reopen",
        "Reopen the decision (for example after a judicial review)",
        ("not_progressed",),
        None,
        "reopen",
        date_label="Date of the new decision or reopening",
        note_required=True,
        note_label="Why the case is reopened",
        # The old decision no longer stands; the Home Office is told of the new one.
        targets={
            "referral": Target(
                STAGES["referral"],
                {
                    "decision_reasons": None,
                    "home_office_informed_on": None,
                    "decision_on": None,
                    "decision_outcome": None,
                },
            ),
            "awaiting_home_office": Target(
                STAGES["awaiting_home_office"],
                {"decision_reasons": None, "home_office_informed_on": None, "decision_outcome": "conduct"},
                date_field="decision_on",
                asks_review_type=True,
            ),
        },
    ),
    Move(
        "hold",
        "Put the case on hold",
        NOT_CLOSED,  # a closed case is reopened, not put on hold
        None,
        "hold",
        date_field="hold_since",
        date_label="On hold since",
        answers=(
            Answer("hold_reason", "hold_reason", "Enter why the review is on hold"),
            Answer("hold_requested_by", "hold_requested_by", "Enter who asked for the hold"),
        ),
        sets={"on_hold": True},
    ),
    Move(
        "resume",
        "Resume the case",
        tuple(STAGES),
        None,
        "resume",
        date_label="Date resumed",
        sets={"on_hold": False, "hold_reason": None, "hold_requested_by": None, "hold_since": None},
    ),
]
MOVES: dict[str, Move] = {move.code: move for move in _MOVES}


def available_moves(case: Case) -> list[Move]:
    """The moves that make sense for ``case`` now (the caller still checks the user's permission)."""
    return [move for move in _MOVES if move.allowed_from(case)]


def get_move(code: str) -> Move | None:
    return MOVES.get(code)
