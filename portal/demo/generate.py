"""``flask demo generate --cases N``: ten years of invented reviews, for trying the portal at scale.

Each case is referred on a random day of the last ten years and then walks the lifecycle
with plausible durations (decision within weeks, reviews taking one to three years, months
waiting on the Home Office, some held, some not progressed, some graded inadequate), through
the lifecycle's own rules, until its next step would be in the future. Updates are written
for every CRG meeting (every other month) while a review is in progress. Everything is
fictional; the same seed gives the same cases.
"""

from __future__ import annotations

import random
import string
from datetime import date, timedelta

import click
from sqlalchemy import select

from portal.admin.models import CSP
from portal.audit import record
from portal.cases.models import Case
from portal.cases.stages import OPEN_STAGES
from portal.clock import london_today
from portal.extensions import db

from .cases import demo_update, replay, start_case
from .cli import _require_demo_enabled, demo_cli

OTHER_AREAS = [
    "Nottinghamshire (Safer Nottinghamshire Board)",
    "Derbyshire (Safer Derbyshire)",
    "Northamptonshire (Community Safety Partnership)",
    "Warwickshire (Nuneaton and Bedworth Safer Communities Partnership)",
]
HOLD_REASONS = [
    ("Criminal trial in progress", "Crown Prosecution Service"),
    ("Awaiting the inquest", "HM Coroner"),
    ("Police investigation ongoing", "Senior Investigating Officer"),
    ("Family asked for time before contact", "CRG"),
]
UPDATE_TEXT = {
    "referral": ["Information gathered from agencies for the CRG decision.", "Referral to be discussed at CRG."],
    "awaiting_home_office": ["Home Office informed of the decision; response awaited."],
    "commissioning": ["Expression of interest for author circulated", "Author interviews being arranged."],
    "in_review": [
        "Information trawl circulated to agencies.",
        "Initial Panel meeting held; terms of reference agreed.",
        "IMRs requested from agencies with significant contact.",
        "1st draft report shared with Panel for feedback.",
        "2nd draft report has been shared with Panel for feedback.",
        "Now exploring contact with victim's family.",
        "3rd draft of the report shared with Panel.",
    ],
    "signed_off": ["Signed off by CRG; action plan being progressed.", "Further amendments requested by CRG."],
    "with_home_office": ["With the Home Office Quality Assurance Panel; action plan being progressed."],
}


def crg_meetings(start: date, end: date) -> list[date]:
    """CRG meets every other month (even months), on the second Thursday."""
    meetings = []
    year, month = start.year, start.month + (start.month % 2)
    if month > 12:
        year, month = year + 1, month - 12
    while date(year, month, 1) <= end:
        first = date(year, month, 1)
        second_thursday = first + timedelta(days=(3 - first.weekday()) % 7 + 7)
        if start <= second_thursday <= end:
            meetings.append(second_thursday)
        month += 2
        if month > 12:
            year, month = year + 1, month - 12
    return meetings


def _letters():
    yield from string.ascii_uppercase
    for first in string.ascii_uppercase:
        for second in string.ascii_uppercase:
            yield first + second


class _Walk:
    """One case's steps: each ``step`` is taken only if it happens by ``today``."""

    def __init__(self, rng: random.Random, start: date, today: date):
        self.rng, self.on, self.today = rng, start, today
        self.steps: list[tuple] = []
        self.done = False

    def after(self, low: int, high: int) -> date | None:
        when = self.on + timedelta(days=self.rng.randint(low, high))
        if when > self.today:
            self.done = True
            return None
        self.on = when
        return when

    def step(self, code: str, low: int, high: int, note: str | None = None, **extra) -> bool:
        if self.done:
            return False
        when = self.after(low, high)
        if when is None:
            return False
        self.steps.append((code, when, note, extra))
        return True

    def maybe_hold(self, chance: float) -> None:
        if self.done or self.rng.random() >= chance:
            return
        reason, asked_by = self.rng.choice(HOLD_REASONS)
        if self.step("hold", 5, 60, None, hold_reason=reason, hold_requested_by=asked_by):
            self.step("resume", 60, 300, "Hold lifted")


def _walk(rng: random.Random, notified: date, first_crg: date, today: date, review_type: str) -> list[tuple]:
    walk = _Walk(rng, notified, today)
    walk.maybe_hold(0.06)
    if rng.random() < 0.12:
        # Not progressed: the CRG decides there is no review to hold.
        walk.on = max(walk.on, first_crg - timedelta(days=1))
        if walk.step("decide_not_conduct", 1, 10, None, reasons="CRG considered the criteria were not met"):
            walk.step("informed_no_review", 5, 30)
        return walk.steps
    walk.on = max(walk.on, first_crg - timedelta(days=1))
    walk.step("decide_conduct", 1, 40, "CRG agreed the case meets the criteria", review_type=review_type)
    walk.step("home_office_informed", 5, 30)
    walk.step("author_agreed", 30, 150)
    walk.maybe_hold(0.2)
    rounds = 2 if rng.random() < 0.2 else 1
    for attempt in range(rounds):
        walk.step("sign_off", 240 if attempt == 0 else 60, 900 if attempt == 0 else 200)
        if rng.random() < 0.3:
            walk.step("amendments", 14, 90, "Further amendments requested and completed")
        walk.step("send_to_home_office", 14, 120)
        if attempt + 1 < rounds:
            walk.step("graded_inadequate", 90, 300, "Quality Assurance Panel asked for changes")
    walk.step("graded_adequate", 90, 300)
    walk.step("publish", 20, 90)
    walk.step("close", 180, 700, "All actions complete")
    return walk.steps


def generate(count: int, seed: int = 2026, years: int = 10) -> int:
    """Create ``count`` invented cases over the last ``years`` years; returns how many were made."""
    rng = random.Random(seed)
    today = london_today()
    csps = list(db.session.execute(select(CSP).where(CSP.active.is_(True)).order_by(CSP.id)).scalars())
    if not csps:
        raise click.ClickException("No CSPs yet: run `flask demo load` first")
    used = set(db.session.execute(select(Case.letter, Case.year)).tuples())
    letters: dict[int, object] = {}
    first_day = today - timedelta(days=365 * years)
    span = (today - first_day).days - 14
    notified_days = sorted(first_day + timedelta(days=rng.randint(0, span)) for _ in range(count))
    all_meetings = crg_meetings(first_day, today)
    made = 0
    for notified in notified_days:
        year = notified.year
        sequence = letters.setdefault(year, _letters())
        letter = next(sequence)
        while (letter, year) in used:
            letter = next(sequence)
        used.add((letter, year))
        elsewhere = rng.random() < 0.04
        case = Case(
            letter=letter,
            year=year,
            review_type="undecided",
            pseudonym=f"Adult {letter}",
            csp_id=None if elsewhere else rng.choice(csps).id,
            lead_area=rng.choice(OTHER_AREAS) if elsewhere else None,
            death_on=notified - timedelta(days=rng.randint(3, 40)),
            csp_notified_on=notified,
        )
        first_crg = next((m for m in all_meetings if m >= notified + timedelta(days=7)), None)
        case.first_crg_on = first_crg
        start_case(case)
        if first_crg is not None:
            review_type = "dardr" if notified >= date(2024, 6, 1) else "dhr"
            steps = _walk(rng, notified, first_crg, today, review_type)
            _write(case, steps, all_meetings, rng)
        made += 1
        if made % 200 == 0:
            db.session.flush()
    record("demo.generated", object_type="demo", detail={"cases": made, "seed": seed})
    db.session.commit()
    return made


def _write(case: Case, steps: list[tuple], meetings: list[date], rng: random.Random) -> None:
    """Replay the steps, adding an update for every CRG meeting while the case is in progress."""
    pending = list(steps)
    for meeting in meetings:
        if meeting < case.first_crg_on:
            continue
        while pending and pending[0][1] <= meeting:
            replay(case, [pending.pop(0)])
        if case.stage not in OPEN_STAGES:
            if not pending:
                break
            continue
        text = rng.choice(UPDATE_TEXT["referral" if case.on_hold else case.stage])
        if case.on_hold:
            text = "No changes, case still on hold."
        db.session.add(demo_update(case, meeting, text))
    replay(case, pending)


@demo_cli.command("generate")
@click.option("--cases", "count", type=click.IntRange(1, 20000), default=300, show_default=True)
@click.option("--seed", type=int, default=2026, show_default=True, help="The same seed gives the same cases.")
def generate_command(count: int, seed: int):
    """Add COUNT invented reviews spread over the last ten years (development only)."""
    _require_demo_enabled()
    made = generate(count, seed)
    click.echo(f"Generated {made} demo reviews over the last ten years.")
