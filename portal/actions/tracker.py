"""The cross-review tracker: how far the recommendations of every review are implemented.

For the business office (every review) and CSP leads (their partnerships' reviews): completion
(actions confirmed complete out of all actions) by case, by lead agency, by theme and by scope,
and the overdue actions, filtered by CSP, year and theme. Every figure is one grouped query,
so the page runs the same number of queries whatever the number of reviews.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from sqlalchemy import and_, exists, func, select

from portal.admin.models import CSP, Organisation, csp_leads
from portal.auth.models import User
from portal.authz import Action, can
from portal.authz.roles import cases_allowing
from portal.cases.models import Case, reference_of
from portal.extensions import db
from portal.web.paging import Window
from portal.web.requests import int_arg
from portal.web.text import printable

from .models import OPEN_STATUSES, SCOPES, STATUSES, PlanAction, Recommendation, Theme, recommendation_themes


@dataclass(frozen=True)
class TrackerQuery:
    csp_id: int | None = None
    year: int | None = None
    theme_id: int | None = None

    @classmethod
    def from_args(cls, args) -> TrackerQuery:
        return cls(
            csp_id=int_arg(args.get("csp")),
            year=int_arg(args.get("year"), minimum=1990, maximum=2100),
            theme_id=int_arg(args.get("theme")),
        )

    def args(self) -> dict:
        values = {"csp": self.csp_id, "year": self.year, "theme": self.theme_id}
        return {name: value for name, value in values.items() if value is not None}


@dataclass
class Row:
    label: str
    total: int
    complete: int
    overdue: int
    href: str | None = None

    @property
    def bar(self) -> tuple[str, int, int]:
        """What ``chart.completion_chart`` draws."""
        return (self.label, self.complete, self.total)

    @property
    def percent(self) -> int:
        return round(100 * self.complete / self.total) if self.total else 0


class OverdueRow(NamedTuple):
    """One overdue action as the page and the CSV show it (columns, not ORM objects)."""

    action_id: int
    case_id: int
    reference: str
    number: int
    text: str
    agency: str
    owner: str | None
    target_date: date | None
    status: str

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)


class Choice(NamedTuple):
    id: int
    name: str


@dataclass
class TrackerResult:
    allowed: bool
    query: TrackerQuery
    by_case: list[Row] = field(default_factory=list)  # one page of it (all of it for the CSV)
    by_agency: list[Row] = field(default_factory=list)
    by_theme: list[Row] = field(default_factory=list)
    by_scope: list[Row] = field(default_factory=list)
    overdue: list[OverdueRow] = field(default_factory=list)
    csps: list[Choice] = field(default_factory=list)
    themes: list[Choice] = field(default_factory=list)
    years: list = field(default_factory=list)
    total: int = 0
    complete: int = 0
    overdue_total: int = 0
    cases: int = 0  # reviews with an action (the by-case table's rows, over every page)
    case_window: Window | None = None  # the by-case table's page, None when it has every row


def _scope(user):
    """The cases ``user`` follows here: every case (business office), their CSPs' (CSP lead), or none."""
    return Case.id.in_(cases_allowing(user, Action.TRACK_ACTIONS))


def _may_track(user) -> bool:
    return can(user, Action.OPEN_ACTION_TRACKER)


def _conditions(user, query: TrackerQuery) -> list:
    conditions = [_scope(user), Case.stage != "not_progressed"]
    if query.csp_id is not None:
        conditions.append(Case.csp_id == query.csp_id)
    if query.year is not None:
        conditions.append(Case.year == query.year)
    if query.theme_id is not None:
        # IN, not EXISTS: the by-theme figures join recommendation_themes too, and would correlate it.
        themed = select(recommendation_themes.c.recommendation_id).where(
            recommendation_themes.c.theme_id == query.theme_id
        )
        conditions.append(Recommendation.id.in_(themed))
    return conditions


def _counts(today: date):
    overdue = and_(PlanAction.status.in_(OPEN_STATUSES), PlanAction.target_date < today)
    return (
        func.count(PlanAction.id).label("total"),
        func.count(PlanAction.id).filter(PlanAction.status == "confirmed").label("complete"),
        func.count(PlanAction.id).filter(overdue).label("overdue"),
    )


def _base(*columns, today: date):
    return (
        select(*columns, *_counts(today))
        .select_from(PlanAction)
        .join(Recommendation, Recommendation.id == PlanAction.recommendation_id)
        .join(Case, Case.id == PlanAction.case_id)
    )


# What a case's reference is made of (``portal.cases.models.reference_of``): lists select these
# columns rather than whole cases, which cost a Python object each to build.
CASE_REFERENCE = (Case.letter, Case.year, Case.review_type, Case.lead_area, Case.pseudonym)


def by_case_statement(today: date):
    """Counts per case: rows of (case id, the reference's five columns, total, complete, overdue),
    grouped by the case's key (PostgreSQL accepts the case's own columns with it)."""
    return _base(Case.id, *CASE_REFERENCE, today=today).group_by(Case.id).order_by(Case.year, Case.letter, Case.id)


def case_rows(statement, url_for_case=None) -> list[Row]:
    rows = []
    for case_id, letter, year, review_type, lead_area, pseudonym, total, complete, overdue in db.session.execute(
        statement
    ):
        href = url_for_case(case_id) if url_for_case else None
        rows.append(Row(reference_of(letter, year, review_type, lead_area, pseudonym), total, complete, overdue, href))
    return rows


# The page lists the most overdue actions only (a partnership with a backlog would otherwise get
# thousands of rows), and the reviews fifty to a page; the counts, and the CSV, have them all.
OVERDUE_SHOWN = 100
CASES_SHOWN = 50


def run(
    user,
    query: TrackerQuery,
    today: date,
    *,
    url_for_case=None,
    overdue_limit=OVERDUE_SHOWN,
    case_page: int | None = None,
) -> TrackerResult:
    """Every figure of the tracker, each one grouped query (nine in all, whatever the number of
    reviews). ``case_page``: the page of the by-case table to show; None for every row (the CSV).
    ``url_for_case(case_id)`` links a review's row."""
    if not _may_track(user):
        return TrackerResult(allowed=False, query=query)
    conditions = _conditions(user, query)
    result = TrackerResult(allowed=True, query=query)

    totals = _base(func.count(func.distinct(PlanAction.case_id)), today=today).where(*conditions)
    result.cases, result.total, result.complete, result.overdue_total = db.session.execute(totals).one()

    by_case = by_case_statement(today).where(*conditions)
    if case_page is not None:
        result.case_window = Window.of(case_page, result.cases, CASES_SHOWN)
        by_case = by_case.limit(CASES_SHOWN).offset(result.case_window.offset)
    result.by_case = case_rows(by_case, url_for_case)

    by_agency = (
        _base(Organisation.name, today=today)
        .join(Organisation, Organisation.id == PlanAction.lead_agency_id)
        .where(*conditions)
        .group_by(Organisation.id, Organisation.name)
        .order_by(Organisation.name)
    )
    result.by_agency = [Row(*row) for row in db.session.execute(by_agency)]

    by_theme = (
        _base(Theme.name, today=today)
        .join(recommendation_themes, recommendation_themes.c.recommendation_id == Recommendation.id)
        .join(Theme, Theme.id == recommendation_themes.c.theme_id)
        .where(*conditions)
        .group_by(Theme.id, Theme.name)
        .order_by(Theme.name)
    )
    result.by_theme = [Row(*row) for row in db.session.execute(by_theme)]

    by_scope = _base(Recommendation.scope, today=today).where(*conditions).group_by(Recommendation.scope)
    scopes = {
        scope: Row(SCOPES[scope], total, complete, overdue)
        for scope, total, complete, overdue in db.session.execute(by_scope)
    }
    result.by_scope = [scopes[key] for key in SCOPES if key in scopes]

    overdue = (
        select(
            PlanAction.id,
            Case.id,
            *CASE_REFERENCE,
            Recommendation.number,
            PlanAction.text,
            Organisation.name,
            User.name,
            PlanAction.target_date,
            PlanAction.status,
        )
        .select_from(PlanAction)
        .join(Recommendation, Recommendation.id == PlanAction.recommendation_id)
        .join(Case, Case.id == PlanAction.case_id)
        .join(Organisation, Organisation.id == PlanAction.lead_agency_id)
        .outerjoin(User, User.id == PlanAction.owner_id)
        .where(*conditions, PlanAction.status.in_(OPEN_STATUSES), PlanAction.target_date < today)
        .order_by(PlanAction.target_date, PlanAction.id)
    )
    if overdue_limit is not None:
        overdue = overdue.limit(overdue_limit)
    # Columns 2 to 6 make the reference (CASE_REFERENCE).
    result.overdue = [
        OverdueRow(row[0], row[1], reference_of(*row[2:7]), *row[7:]) for row in db.session.execute(overdue)
    ]

    csps = select(CSP.id, CSP.name).order_by(CSP.name)
    if user.system_role != "business_office":
        csps = csps.where(CSP.id.in_(select(csp_leads.c.csp_id).where(csp_leads.c.user_id == user.id)))
    result.csps = [Choice(*row) for row in db.session.execute(csps)]
    result.themes = [Choice(*row) for row in db.session.execute(select(Theme.id, Theme.name).order_by(Theme.name))]
    result.years = list(
        db.session.scalars(
            select(Case.year)
            .where(_scope(user), exists().where(PlanAction.case_id == Case.id))
            .distinct()
            .order_by(Case.year.desc())
        )
    )
    return result


def to_csv(result: TrackerResult) -> str:
    """The tracker's tables as one CSV, marked OFFICIAL-SENSITIVE (every value through ``printable``)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["OFFICIAL-SENSITIVE"])
    for heading, rows in (
        ("Case", result.by_case),
        ("Lead agency", result.by_agency),
        ("Theme", result.by_theme),
        ("Scope", result.by_scope),
    ):
        writer.writerow([])
        writer.writerow(["Completion by " + heading.lower()])
        writer.writerow([heading, "Actions", "Confirmed complete", "Per cent complete", "Overdue"])
        for row in rows:
            writer.writerow([_cell(row.label), row.total, row.complete, row.percent, row.overdue])
    writer.writerow([])
    writer.writerow(["Overdue actions"])
    writer.writerow(["Case", "Recommendation", "Action", "Lead agency", "Owner", "Target date", "Status"])
    for row in result.overdue:
        writer.writerow(
            [
                _cell(row.reference),
                row.number,
                _cell(row.text),
                _cell(row.agency),
                _cell(row.owner or ""),
                row.target_date.isoformat() if row.target_date else "",
                row.status_label,
            ]
        )
    return out.getvalue()


def _cell(value: str) -> str:
    """Printable, and never read by a spreadsheet as a formula."""
    value = printable(value or "")
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@dataclass
class LearningItem:
    case: Case
    recommendation: Recommendation


def repeated(user, query: TrackerQuery) -> list[list[LearningItem]] | None:
    """Groups of alike recommendations from different reviews among those ``user`` tracks
    (``learning.repeated_learning``); None for someone who tracks none. One query."""
    from .learning import repeated_learning

    if not _may_track(user):
        return None
    conditions = [_scope(user), Case.stage != "not_progressed"]
    if query.csp_id is not None:
        conditions.append(Case.csp_id == query.csp_id)
    if query.year is not None:
        conditions.append(Case.year == query.year)
    rows = db.session.execute(
        select(Recommendation, Case)
        .join(Case, Case.id == Recommendation.case_id)
        .where(*conditions)
        .order_by(Case.year, Case.letter, Recommendation.number)
    ).all()
    by_id = {rec.id: LearningItem(case, rec) for rec, case in rows}
    recs = [(rec.id, case.id, rec.text) for rec, case in rows]
    groups = _LEARNING.get_or_compute(recs, lambda: repeated_learning(recs))
    return [[by_id[rec_id] for rec_id in group] for group in groups]


class _LearningCache:
    """Groups already worked out for exactly these recommendations (ids, reviews and texts).

    Comparing every recommendation with every other takes seconds at a thousand reviews, and
    the answer only changes when a recommendation does. The key is a SHA-256 of the input, so
    an edited, added or removed recommendation gives a new key: an answer is never stale. It
    holds ids only (no text), a few answers, in this process's memory.
    """

    def __init__(self, size: int = 8):
        self.size = size
        self._answers: OrderedDict[str, list] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_compute(self, recs: list, compute):
        key = hashlib.sha256(json.dumps(recs, separators=(",", ":")).encode()).hexdigest()
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]
        answer = compute()
        with self._lock:
            self._answers[key] = answer
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)
        return answer


_LEARNING = _LearningCache()
