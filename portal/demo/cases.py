"""The twelve cases of the September 2025 board paper (shared/seed), as demo data.

Stages and holds are the paper's; which CSP owns each case is not in the paper,
so they are assigned plausibly. Pseudonyms are invented.
"""

from __future__ import annotations

from portal.admin.models import CSP
from portal.cases.models import Case
from portal.extensions import db

# letter, year, review type, stage, on hold, owning CSP area (None: led elsewhere),
# first presented at CRG (year, month), pseudonym, lead area, June 2025 CRG update
BOARD_PAPER_CASES = [
    (
        "X",
        2021,
        "dhr",
        "signed_off",
        False,
        "Charnwood",
        (2022, 1),
        "Adult P",
        None,
        "Presented at April CRG and signed off. Further amendments to the report requested and completed "
        "(Aug 2025), case not yet progressed forward to Home Office.",
    ),
    (
        "H",
        2022,
        "dhr",
        "with_home_office",
        False,
        "Hinckley and Bosworth",
        (2022, 10),
        "Adult K",
        None,
        "Sent to the Home Office on 11/06/25. Action Plan is being progressed.",
    ),
    (
        "J",
        2022,
        "dhr",
        "commissioning",
        False,
        "North West Leicestershire",
        (2022, 12),
        "Adult L",
        None,
        "Judicial Review hearing took place July 2024 against original decision not to conduct a DHR. "
        "Appeal lodged. June 2025 CRG - agreed that case will now progress as a DHR.",
    ),
    (
        "U",
        2023,
        "dhr",
        "in_review",
        False,
        "Blaby",
        (2023, 10),
        "Adult S",
        None,
        "2nd draft report has been shared with Panel for feedback. Next Panel meeting TBC.",
    ),
    (
        "A",
        2024,
        "dhr",
        "in_review",
        False,
        "Charnwood",
        (2024, 2),
        "Adult T",
        None,
        "2nd draft report has been shared with Panel for feedback. Now exploring contact with victim's family.",
    ),
    (
        "B",
        2024,
        "dhr",
        "in_review",
        False,
        "Harborough",
        (2024, 3),
        "Adult V",
        None,
        "3rd draft of the Overview Report is currently being prepared by the Independent Author following "
        "interview with the perpetrator.",
    ),
    (
        "D",
        2024,
        "dhr",
        "in_review",
        False,
        "Oadby and Wigston",
        (2024, 4),
        "Adult W",
        None,
        "3rd draft of the report shared with Panel. Now exploring contact with victim's family.",
    ),
    (
        "I",
        2024,
        "undecided",
        "referral",
        True,
        "Melton",
        (2024, 6),
        "Adult Y",
        None,
        "No changes, case still on hold at request of Nottinghamshire coroner.",
    ),
    (
        "M",
        2024,
        "dardr",
        "commissioning",
        False,
        "Rutland",
        (2024, 11),
        "Adult Z",
        None,
        "Expression of interest for author circulated",
    ),
    (
        "Q",
        2025,
        "dardr",
        "commissioning",
        False,
        "Charnwood",
        (2025, 4),
        "Adult E",
        None,
        "Expression of interest for author circulated",
    ),
    (
        "R",
        2025,
        "dardr",
        "commissioning",
        False,
        "Blaby",
        (2025, 6),
        "Adult F",
        None,
        "Expression of interest for author circulated",
    ),
    (
        "M",
        2025,
        "dhr",
        "in_review",
        False,
        None,
        (2025, 6),
        "Adult M",
        "Warwickshire (Nuneaton and Bedworth Safer Communities Partnership)",
        "",
    ),
]


def load_cases() -> dict[tuple[str, int, str | None], Case]:
    """Create the board paper's cases; keyed by (letter, year, lead area)."""
    csps = {csp.area: csp for csp in db.session.execute(db.select(CSP)).scalars()}
    created = {}
    for letter, year, review_type, stage, on_hold, area, _first, pseudonym, lead_area, _update in BOARD_PAPER_CASES:
        case = Case(
            letter=letter,
            year=year,
            review_type=review_type,
            stage=stage,
            on_hold=on_hold,
            csp_id=csps[area].id if area else None,
            pseudonym=pseudonym,
            lead_area=lead_area,
        )
        db.session.add(case)
        created[(letter, year, lead_area)] = case
    db.session.flush()
    return created
