"""The board report (docs/PROCESS.md, "The board report"), built from live data.

One ``BoardReport`` feeds the page, the Word document and the PDF, so the three always agree:
the counts paragraphs, the table of reviews in progress grouped by the year and month they
were first presented at CRG with each case in its stage column, and the table of other areas'
reviews that local agencies support.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import func, select

from portal.authz import visible_cases
from portal.cases.models import Case, CrgUpdate, crg_label
from portal.cases.stages import BOARD_COLUMNS, EARLY_STAGES, ON_HOLD_COLUMN, OPEN_STAGES, SIGNED_OFF_STAGES
from portal.extensions import db

FIRST_COLUMN = "Cases arranged by year they were first presented at CRG"
# The board paper's words for its stage columns (``stages.BOARD_COLUMNS``; "on_hold" is the hold overlay).
COLUMN_LABELS = {
    "referral": "Referrals to be discussed / decision to be made by CRG",
    ON_HOLD_COLUMN: "Cases currently on hold by the CRG",
    "awaiting_home_office": "CRG have agreed case meets the criteria, awaiting Home Office response",
    "commissioning": "Out for commissioning of Independent Author",
    "in_review": "Panel meeting / Report being written by Independent Author",
    "signed_off": "Report signed off by CRG",
    "with_home_office": "Review completed and with Home Office awaiting outcome",
}
COLUMNS = [(code, COLUMN_LABELS[code]) for code in BOARD_COLUMNS]
COLUMN_CODES = list(BOARD_COLUMNS)
OTHER_AREAS_HEADING = "Involvement in DHRs from other areas:"
OTHER_AREAS_COLUMN = "CSP / Area"
MARKING = "OFFICIAL-SENSITIVE"

_WORDS = [
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"),
]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def in_words(number: int) -> str:
    """How the board paper writes a count: "twelve (12)"."""
    if number < 20:
        words = _WORDS[number]
    elif number < 100:
        words = _TENS[number // 10] + ("-" + _WORDS[number % 10] if number % 10 else "")
    else:
        return str(number)
    return f"{words} ({number})"


def _cases(number: int) -> str:
    return f"{in_words(number)} case{'s' if number != 1 else ''}"


@dataclass
class Entry:
    case: Case
    column: str  # one of COLUMN_CODES
    update: CrgUpdate | None = None

    @property
    def update_text(self) -> str:
        if self.update is None:
            return ""
        return self.update.text

    def update_note(self, meeting: date | None) -> str:
        """Says so when the latest update is from an earlier meeting than the one reported on."""
        if self.update is None or meeting is None or self.update.meeting_on == meeting:
            return ""
        return f"(Update from the {self.update.meeting_label}.)"


@dataclass
class MonthGroup:
    label: str
    entries: list[Entry]


@dataclass
class YearGroup:
    label: str
    months: list[MonthGroup] = field(default_factory=list)


@dataclass
class Counts:
    total: int
    on_hold: int
    held_at_referral: int
    in_progress: int
    signed_off: int
    other_areas: int
    early: int
    referral: int
    awaiting_home_office: int
    commissioning: int


@dataclass
class ReportSection:
    """A table another area adds to the board report, shown alike in the page, the Word and the PDF."""

    key: str
    heading: str
    headers: list[str]
    rows: list[list[str]]
    empty: str = "None"


SECTIONS = "portal.reports.sections"


def register_section(app, key: str, build: Callable[[object, date], ReportSection | None]) -> None:
    """An area adds a section: ``build(user, report_date)`` returns it (or None), in a fixed number of queries."""
    sections = app.extensions.setdefault(SECTIONS, {})
    if key in sections:
        raise ValueError(f"board report section {key!r} is registered twice")
    sections[key] = build


def _sections(user, report_date: date) -> list[ReportSection]:
    built = (build(user, report_date) for build in current_app.extensions.get(SECTIONS, {}).values())
    return [section for section in built if section is not None]


@dataclass
class BoardReport:
    report_date: date
    meeting: date | None
    years: list[YearGroup]
    other_areas: list[Entry]
    counts: Counts
    board_name: str
    area: str
    sections: list[ReportSection] = field(default_factory=list)  # other areas' tables (register_section)

    @property
    def meeting_label(self) -> str:
        return crg_label(self.meeting) if self.meeting else "latest CRG"

    @property
    def update_column(self) -> str:
        return f"Case Updates (for {self.meeting_label})"

    @property
    def headers(self) -> list[str]:
        return [FIRST_COLUMN] + [label for _code, label in COLUMNS] + [self.update_column]

    @property
    def column_codes(self) -> list[str]:
        return COLUMN_CODES

    @property
    def entries(self) -> list[Entry]:
        return [entry for year in self.years for month in year.months for entry in month.entries]

    @property
    def paragraphs(self) -> list[str]:
        return summary_paragraphs(self.counts, self.area)


def summary_paragraphs(counts: Counts, area: str) -> list[str]:
    """The narrative counts, worded like paragraphs 7 and 8 of the seed paper."""
    parts = []
    if counts.on_hold:
        pending = (
            " pending a decision as to whether to conduct a DARDR" if counts.held_at_referral == counts.on_hold else ""
        )
        verb = "is" if counts.on_hold == 1 else "are"
        parts.append(f"{in_words(counts.on_hold)} that {verb} on hold{pending}")
    progress = f"{_cases(counts.in_progress)} in progress"
    if counts.signed_off:
        progress += (
            f", {in_words(counts.signed_off)} of which {'has' if counts.signed_off == 1 else 'have'} had final "
            "reports created and signed off by the Case Review Group"
        )
    parts.append(progress)
    if counts.other_areas:
        verb = "is" if counts.other_areas == 1 else "are"
        parts.append(
            f"{_cases(counts.other_areas)} that {verb} outside {area} but {verb} being supported by local agencies "
            "and the Safeguarding Partnerships Business Office"
        )
    includes = ", ".join(parts[:-1]) + (", and " if len(parts) > 1 else "") + parts[-1]
    first = (
        f"There are currently {in_words(counts.total)} Domestic Abuse Related Death Reviews (DARDR) in progress "
        f"at various stages across {area}. This figure includes {includes}."
    )
    early_parts = []
    if counts.commissioning:
        verb = "is" if counts.commissioning == 1 else "are"
        early_parts.append(
            f"{in_words(counts.commissioning)} of which {verb} currently out for commissioning of an Independent Author"
        )
    if counts.awaiting_home_office:
        early_parts.append(
            f"{in_words(counts.awaiting_home_office)} awaiting a Home Office response to the CRG's decision"
        )
    if counts.referral:
        early_parts.append(f"{in_words(counts.referral)} waiting for a decision by the CRG")
    verb = "is" if counts.early == 1 else "are"
    second = f"Of the total {in_words(counts.total)}, {_cases(counts.early)} {verb} in the early stages"
    second += (", " + "; ".join(early_parts) + ".") if early_parts else "."
    return [first, second]


def _column(case: Case) -> str:
    return ON_HOLD_COLUMN if case.on_hold else case.stage


def _latest_updates(case_ids: list[int], meeting: date | None) -> dict[int, CrgUpdate]:
    """Each case's latest CRG update (up to ``meeting``), in one query whatever the history's length.

    A window function ranks every case's updates, newest meeting first (the latest written
    breaking a tie), and only the first of each case is loaded.
    """
    if not case_ids:
        return {}
    conditions = [CrgUpdate.case_id.in_(case_ids)]
    if meeting is not None:
        conditions.append(CrgUpdate.meeting_on <= meeting)
    rank = (
        func.row_number()
        .over(partition_by=CrgUpdate.case_id, order_by=(CrgUpdate.meeting_on.desc(), CrgUpdate.id.desc()))
        .label("rank")
    )
    ranked = select(CrgUpdate.id, rank).where(*conditions).subquery()
    statement = select(CrgUpdate).join(ranked, ranked.c.id == CrgUpdate.id).where(ranked.c.rank == 1)
    return {update.case_id: update for update in db.session.execute(statement).unique().scalars()}


def build(user, report_date: date, meeting: date | None) -> BoardReport:
    """The report for the board meeting on ``report_date``, with updates from the CRG on ``meeting``.

    Only the business office produces it, and they see every case; it still lists the cases
    ``user`` may see, like every other list of cases.
    """
    cases = list(
        db.session.execute(
            visible_cases(user)
            .where(Case.stage.in_(OPEN_STAGES))
            .order_by(Case.first_crg_on.is_(None), Case.first_crg_on, Case.year, Case.letter)
        )
        .unique()
        .scalars()
    )
    updates = _latest_updates([case.id for case in cases], meeting)
    local = [case for case in cases if not case.lead_area]
    elsewhere = [case for case in cases if case.lead_area]

    years: list[YearGroup] = []
    for case in local:
        entry = Entry(case, _column(case), updates.get(case.id))
        if case.first_crg_on:
            year_label, month_label = str(case.first_crg_on.year), f"{case.first_crg_on:%B %Y}"
        else:
            year_label = month_label = "Not yet presented at CRG"
        if not years or years[-1].label != year_label:
            years.append(YearGroup(year_label))
        months = years[-1].months
        if not months or months[-1].label != month_label:
            months.append(MonthGroup(month_label, []))
        months[-1].entries.append(entry)

    held = [case for case in local if case.on_hold]
    running = [case for case in local if not case.on_hold]
    counts = Counts(
        total=len(local) + len(elsewhere),
        on_hold=len(held),
        held_at_referral=sum(1 for case in held if case.stage == "referral"),
        in_progress=len(running),
        signed_off=sum(1 for case in running if case.stage in SIGNED_OFF_STAGES),
        other_areas=len(elsewhere),
        early=sum(1 for case in running if case.stage in EARLY_STAGES),
        referral=sum(1 for case in running if case.stage == "referral"),
        awaiting_home_office=sum(1 for case in running if case.stage == "awaiting_home_office"),
        commissioning=sum(1 for case in running if case.stage == "commissioning"),
    )
    config = current_app.config
    return BoardReport(
        report_date=report_date,
        meeting=meeting,
        years=years,
        other_areas=[Entry(case, _column(case), updates.get(case.id)) for case in elsewhere],
        counts=counts,
        board_name=config.get("BOARD_NAME", "Leicestershire & Rutland Safer Communities Strategy Board"),
        area=config.get("BOARD_AREA", "Leicestershire and Rutland"),
        sections=_sections(user, report_date),
    )
