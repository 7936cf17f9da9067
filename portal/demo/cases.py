"""The twelve cases of the business office's September 2025 board paper, as demo data.

Stages, holds and the June 2025 CRG updates are the paper's; the dates are invented but
consistent with each stage, and each case's history is replayed through the lifecycle's own
rules (``plan_move``), so the demo can only hold histories the portal itself would allow.
Which CSP owns each case is not in the paper, so they are assigned plausibly. Pseudonyms are
invented.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy import select

from portal.admin.models import CSP
from portal.auth.models import User
from portal.cases.lifecycle import history_entry, plan_move
from portal.cases.models import Case, CrgUpdate
from portal.cases.record import created_entry
from portal.clock import LONDON
from portal.extensions import db

APRIL_CRG = date(2025, 4, 10)
JUNE_CRG = date(2025, 6, 12)


@dataclass
class DemoCase:
    letter: str
    year: int
    area: str | None  # owning CSP area; None for a review led elsewhere
    pseudonym: str
    death_on: date
    csp_notified_on: date
    first_crg_on: date
    steps: list[tuple]  # (move code, date, note, extra fields), in order
    updates: list[tuple[date, str]] = field(default_factory=list)
    lead_area: str | None = None

    @property
    def key(self) -> tuple[str, int, str | None]:
        return (self.letter, self.year, self.lead_area)


def _decided(on: date, review_type: str = "dhr") -> tuple:
    return ("decide_conduct", on, "CRG agreed the case meets the criteria for a review", {"review_type": review_type})


def _informed(on: date) -> tuple:
    return ("home_office_informed", on, None, {})


def _author(on: date) -> tuple:
    return ("author_agreed", on, "Independent author agreed after expressions of interest", {})


EOI = "Expression of interest for author circulated"

BOARD_PAPER_CASES = [
    DemoCase(
        "X",
        2021,
        "Charnwood",
        "Adult P",
        date(2021, 10, 2),
        date(2021, 11, 15),
        date(2022, 1, 13),
        [
            _decided(date(2022, 1, 13)),
            _informed(date(2022, 2, 3)),
            _author(date(2022, 5, 10)),
            ("sign_off", APRIL_CRG, "Presented at April CRG and signed off", {}),
            ("amendments", date(2025, 8, 14), "Further amendments to the report requested and completed", {}),
        ],
        [
            (APRIL_CRG, "Final report presented to CRG for sign-off."),
            (
                JUNE_CRG,
                "Presented at April CRG and signed off. Further amendments to the report requested and completed "
                "(Aug 2025), case not yet progressed forward to Home Office.",
            ),
        ],
    ),
    DemoCase(
        "H",
        2022,
        "Hinckley and Bosworth",
        "Adult K",
        date(2022, 8, 20),
        date(2022, 9, 5),
        date(2022, 10, 13),
        [
            _decided(date(2022, 10, 13)),
            _informed(date(2022, 11, 1)),
            _author(date(2023, 2, 14)),
            ("sign_off", date(2025, 3, 13), "Signed off at March CRG", {}),
            ("send_to_home_office", date(2025, 6, 11), "Overview report, executive summary and action plan sent", {}),
        ],
        [(JUNE_CRG, "Sent to the Home Office on 11/06/25. Action Plan is being progressed.")],
    ),
    DemoCase(
        "J",
        2022,
        "North West Leicestershire",
        "Adult L",
        date(2022, 10, 30),
        date(2022, 11, 14),
        date(2022, 12, 8),
        [
            ("decide_not_conduct", date(2022, 12, 8), None, {"reasons": "CRG considered the criteria were not met"}),
            ("informed_no_review", date(2022, 12, 20), None, {}),
            (
                "reopen",
                JUNE_CRG,
                "Judicial review of the original decision (July 2024); June 2025 CRG agreed the case will progress",
                {"target_stage": "awaiting_home_office", "review_type": "dhr"},
            ),
            _informed(date(2025, 6, 26)),
        ],
        [
            (APRIL_CRG, "Judicial Review hearing took place July 2024 against original decision. Appeal lodged."),
            (
                JUNE_CRG,
                "Judicial Review hearing took place July 2024 against original decision not to conduct a DHR. "
                "Appeal lodged. June 2025 CRG - agreed that case will now progress as a DHR.",
            ),
        ],
    ),
    DemoCase(
        "U",
        2023,
        "Blaby",
        "Adult S",
        date(2023, 8, 12),
        date(2023, 9, 1),
        date(2023, 10, 12),
        [_decided(date(2023, 10, 12)), _informed(date(2023, 10, 26)), _author(date(2024, 1, 16))],
        [
            (APRIL_CRG, "First draft report received and discussed at Panel."),
            (JUNE_CRG, "2nd draft report has been shared with Panel for feedback. Next Panel meeting TBC."),
        ],
    ),
    DemoCase(
        "A",
        2024,
        "Charnwood",
        "Adult T",
        date(2023, 12, 28),
        date(2024, 1, 15),
        date(2024, 2, 8),
        [_decided(date(2024, 2, 8)), _informed(date(2024, 2, 22)), _author(date(2024, 5, 7))],
        [
            (
                JUNE_CRG,
                "2nd draft report has been shared with Panel for feedback. Now exploring contact with victim's family.",
            )
        ],
    ),
    DemoCase(
        "B",
        2024,
        "Harborough",
        "Adult V",
        date(2024, 1, 30),
        date(2024, 2, 12),
        date(2024, 3, 14),
        [_decided(date(2024, 3, 14)), _informed(date(2024, 3, 28)), _author(date(2024, 6, 11))],
        [
            (
                JUNE_CRG,
                "3rd draft of the Overview Report is currently being prepared by the Independent Author following "
                "interview with the perpetrator.",
            )
        ],
    ),
    DemoCase(
        "D",
        2024,
        "Oadby and Wigston",
        "Adult W",
        date(2024, 2, 25),
        date(2024, 3, 11),
        date(2024, 4, 11),
        [_decided(date(2024, 4, 11)), _informed(date(2024, 4, 25)), _author(date(2024, 7, 9))],
        [(JUNE_CRG, "3rd draft of the report shared with Panel. Now exploring contact with victim's family.")],
    ),
    DemoCase(
        "I",
        2024,
        "Melton",
        "Adult Y",
        date(2024, 5, 4),
        date(2024, 5, 28),
        date(2024, 6, 13),
        [
            (
                "hold",
                date(2024, 6, 13),
                "Out of area death of a care leaver from Leicestershire",
                {
                    "hold_reason": "Awaiting the inquest before the CRG decides",
                    "hold_requested_by": "Nottinghamshire Coroner",
                },
            )
        ],
        [(JUNE_CRG, "No changes, case still on hold at request of Nottinghamshire coroner.")],
    ),
    DemoCase(
        "M",
        2024,
        "Rutland",
        "Adult Z",
        date(2024, 9, 21),
        date(2024, 10, 7),
        date(2024, 11, 14),
        [_decided(date(2024, 11, 14), "dardr"), _informed(date(2024, 11, 28))],
        [(APRIL_CRG, EOI), (JUNE_CRG, EOI)],
    ),
    DemoCase(
        "Q",
        2025,
        "Charnwood",
        "Adult E",
        date(2025, 2, 15),
        date(2025, 3, 3),
        date(2025, 4, 10),
        [_decided(date(2025, 4, 10), "dardr"), _informed(date(2025, 4, 24))],
        [(JUNE_CRG, EOI)],
    ),
    DemoCase(
        "R",
        2025,
        "Blaby",
        "Adult F",
        date(2025, 4, 20),
        date(2025, 5, 6),
        date(2025, 6, 12),
        [_decided(date(2025, 6, 12), "dardr"), _informed(date(2025, 6, 26))],
        [(JUNE_CRG, EOI)],
    ),
    DemoCase(
        "M",
        2025,
        None,
        "Adult M",
        date(2025, 4, 2),
        date(2025, 5, 19),
        date(2025, 6, 12),
        [_decided(date(2025, 6, 12)), _informed(date(2025, 6, 20)), _author(date(2025, 7, 15))],
        [],
        lead_area="Warwickshire (Nuneaton and Bedworth Safer Communities Partnership)",
    ),
]


# Not in the board paper: a review that ended long ago, so the retention page has a case due for
# disposal (closed in March 2019; with the default six years it was due in March 2025).
CLOSED_CASES = [
    DemoCase(
        "B",
        2016,
        "Melton",
        "Adult D",
        date(2016, 2, 20),
        date(2016, 3, 7),
        date(2016, 4, 14),
        [
            _decided(date(2016, 4, 14)),
            _informed(date(2016, 4, 28)),
            _author(date(2016, 7, 5)),
            ("sign_off", date(2017, 6, 15), "Signed off at June CRG", {}),
            ("send_to_home_office", date(2017, 7, 3), "Overview report, executive summary and action plan sent", {}),
            ("graded_adequate", date(2017, 11, 20), None, {}),
            ("publish", date(2018, 1, 15), None, {}),
            ("close", date(2019, 3, 14), "Every action of the action plan confirmed complete", {}),
        ],
        [(date(2019, 2, 14), "Last actions of the plan confirmed complete; case to be closed.")],
    ),
]


def on_the_day(day: date) -> datetime:
    """When the demo pretends something was written down: that day, in office hours (stored in UTC).

    Demo data is loaded in one go, but its updates and history were "written" over years: an
    update given at the June 2025 CRG must not say it was added on the day the demo was loaded.
    """
    return datetime.combine(day, time(10, 0), tzinfo=LONDON).astimezone(UTC)


def start_case(case: Case, actor=None) -> None:
    """Add ``case`` at referral with its 'created' history entry (no audit: this is seeding)."""
    case.stage = "referral"
    case.stage_entered_on = case.csp_notified_on
    case.created_at = on_the_day(case.csp_notified_on)
    db.session.add(case)
    db.session.flush()
    db.session.add(created_entry(case, case.csp_notified_on, actor, recorded_at=on_the_day(case.csp_notified_on)))


def replay(case: Case, steps, actor=None) -> None:
    """Play ``steps`` through the lifecycle's rules, writing the case and its history directly."""
    for code, on, note, extra in steps:
        plan = plan_move(case, code, occurred_on=on, note=note, **extra)
        entry = history_entry(case, plan, actor)
        entry.recorded_at = on_the_day(on)
        db.session.add(entry)
        for name, value in plan.values.items():
            setattr(case, name, value)


def demo_update(case: Case, meeting_on: date, text: str, officer=None) -> CrgUpdate:
    """A CRG update written on the day of the meeting it was given at."""
    return CrgUpdate(
        case_id=case.id,
        meeting_on=meeting_on,
        text=text,
        created_by_id=getattr(officer, "id", None),
        created_at=on_the_day(meeting_on),
    )


def load_cases() -> dict[tuple[str, int, str | None], Case]:
    """Create the board paper's cases and the closed ones, with histories and updates; keyed by
    (letter, year, lead area)."""
    csps = {csp.area: csp for csp in db.session.execute(select(CSP)).scalars()}
    officer = db.session.execute(select(User).where(User.system_role == "business_office")).scalars().first()
    created = {}
    for spec in [*BOARD_PAPER_CASES, *CLOSED_CASES]:
        case = Case(
            letter=spec.letter,
            year=spec.year,
            review_type="undecided",
            csp_id=csps[spec.area].id if spec.area else None,
            pseudonym=spec.pseudonym,
            lead_area=spec.lead_area,
            death_on=spec.death_on,
            csp_notified_on=spec.csp_notified_on,
            first_crg_on=spec.first_crg_on,
        )
        start_case(case, officer)
        replay(case, spec.steps, officer)
        for meeting_on, text in spec.updates:
            db.session.add(demo_update(case, meeting_on, text, officer))
        created[spec.key] = case
    db.session.flush()
    return created
