"""The register of reviews: filter, search, sort, paginate and export what a person may see.

The number of SQL queries does not depend on the number of cases: one query for the cases
(scoped by ``visible_cases``), one for their holds (clocks pause on hold), and one each for
the CSP and year choices of the filter form. Clocks are computed in Python.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field, fields, replace
from datetime import date

from sqlalchemy import and_, false, or_, select

from portal.admin.models import CSP
from portal.authz import Action, can, prime, visible_cases
from portal.clock import london_today
from portal.extensions import db
from portal.web.exports import safe_cell
from portal.web.requests import int_arg

from . import clocks as clock_rules
from .models import REVIEW_TYPES, STAGES, Case, StageHistory
from .timeline import stage_start

PER_PAGE = 25
STAGE_ORDER = {code: index for index, code in enumerate(STAGES)}
OPEN = "open"  # stage filter: every stage a review is still in progress
OPEN_STAGES = ("referral", "awaiting_home_office", "commissioning", "in_review", "signed_off", "with_home_office")
ELSEWHERE = -1  # CSP filter: reviews led by another area
SORTS = {
    "reference": "Reference",
    "review_type": "Review type",
    "pseudonym": "Pseudonym",
    "csp": "CSP",
    "stage": "Stage",
    "hold": "On hold",
    "days": "Days in stage",
    "due": "Next clock due",
}
DEFAULT_ORDER = {"reference": "desc", "days": "desc"}


@dataclass(frozen=True)
class RegisterQuery:
    """What the person asked for, parsed leniently from the query string (bad values are ignored)."""

    stage: str = ""
    csp: int | None = None
    year: int | None = None
    hold: str = ""  # "", "yes", "no"
    clock: str = ""  # "", "overdue"
    q: str = ""
    sort: str = "reference"
    order: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args) -> RegisterQuery:
        def integer(name):
            # Out of the database's range, or not ASCII digits: the filter is ignored.
            return int_arg(args.get(name))

        stage = args.get("stage", "")
        sort = args.get("sort", "reference")
        sort = sort if sort in SORTS else "reference"
        order = args.get("order", "")
        return cls(
            stage=stage if stage in STAGES or stage == OPEN else "",
            csp=ELSEWHERE if args.get("csp") == str(ELSEWHERE) else integer("csp"),
            year=integer("year"),
            hold=args.get("hold", "") if args.get("hold") in ("yes", "no") else "",
            clock="overdue" if args.get("clock") == "overdue" else "",
            q=" ".join(args.get("q", "").split())[:60],
            sort=sort,
            order=order if order in ("asc", "desc") else "",
            page=max(integer("page") or 1, 1),
        )

    def audit_detail(self) -> dict:
        """The filters, for the audit trail: that there was a search, never what was typed (no narrative)."""
        values = self.args(page=1)
        if values.pop("q", None):
            values["searched"] = True
        return values

    @property
    def direction(self) -> str:
        return self.order or DEFAULT_ORDER.get(self.sort, "asc")

    def args(self, **changes) -> dict:
        """Query-string values for a link (defaults left out, so URLs stay short)."""
        query = replace(self, **changes)
        values = {}
        for item in fields(query):
            value = getattr(query, item.name)
            if (
                value in ("", None)
                or (item.name == "page" and value == 1)
                or (item.name == "sort" and value == "reference")
            ):
                continue
            values[item.name] = value
        return values

    def sort_args(self, key: str) -> dict:
        """Link for a column header: sorts by it, or flips the direction when it is already the sort."""
        if self.sort == key:
            return self.args(order="asc" if self.direction == "desc" else "desc", page=1)
        return self.args(sort=key, order="", page=1)

    def aria_sort(self, key: str) -> str:
        if self.sort != key:
            return "none"
        return "ascending" if self.direction == "asc" else "descending"

    @property
    def filtered(self) -> bool:
        return any((self.stage, self.csp, self.year, self.hold, self.clock, self.q))


@dataclass
class Row:
    case: Case
    days_in_stage: int | None  # None (like the clocks) when the person may not see the case's record
    clocks: list[clock_rules.Clock]
    next_due: clock_rules.Clock | None
    paused: bool
    shows_record: bool = True


@dataclass
class Result:
    query: RegisterQuery
    rows: list[Row]  # this page
    total: int
    pages: int
    all_rows: list[Row] = field(repr=False, default_factory=list)

    @property
    def shows_record(self) -> bool:
        """Whether any row on this page shows its clocks (else the columns are left out)."""
        return any(row.shows_record for row in self.rows)

    @property
    def first(self) -> int:
        return (self.query.page - 1) * PER_PAGE + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.query.page * PER_PAGE, self.total)


_REFERENCE_WORDS = {"dhr", "dardr", "case"}


def _search(q: str):
    """Search by reference ("H 2022", "DHR Case H 2022", "2022") or pseudonym ("Adult M")."""
    tokens = [t for t in re.split(r"[\s,]+", q.lower()) if t and t not in _REFERENCE_WORDS]
    conditions = []
    reference = []
    for token in tokens:
        if token.isdigit() and len(token) == 4:
            reference.append(Case.year == int(token))
        elif token.isalpha() and len(token) <= 3:
            reference.append(Case.letter == token.upper())
        else:
            reference = [false()]
            break
    if reference:
        conditions.append(and_(*reference))
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    conditions.append(Case.pseudonym.ilike(f"%{escaped}%", escape="\\"))
    conditions.append(Case.lead_area.ilike(f"%{escaped}%", escape="\\"))
    return or_(*conditions)


def _statement(user, query: RegisterQuery):
    statement = visible_cases(user)
    if query.stage == OPEN:
        statement = statement.where(Case.stage.in_(OPEN_STAGES))
    elif query.stage:
        statement = statement.where(Case.stage == query.stage)
    if query.csp == ELSEWHERE:
        statement = statement.where(Case.lead_area.is_not(None))
    elif query.csp:
        statement = statement.where(Case.csp_id == query.csp)
    if query.year:
        statement = statement.where(Case.year == query.year)
    if query.hold:
        statement = statement.where(Case.on_hold.is_(query.hold == "yes"))
    if query.q:
        statement = statement.where(_search(query.q))
    return statement


def holds_for(statement) -> dict[int, list[clock_rules.Hold]]:
    """Hold periods of every case the ``statement`` selects, in one query."""
    ids = statement.with_only_columns(Case.id).order_by(None)
    events = db.session.execute(
        select(StageHistory.case_id, StageHistory.kind, StageHistory.occurred_on)
        .where(StageHistory.kind.in_(("hold", "resume")), StageHistory.case_id.in_(ids))
        .order_by(StageHistory.case_id, StageHistory.occurred_on, StageHistory.id)
    ).all()
    grouped: dict[int, list] = {}
    for event in events:
        grouped.setdefault(event.case_id, []).append(event)
    return grouped


def rows_for(cases: list[Case], events: dict, today: date) -> list[Row]:
    goals = clock_rules.targets()
    rows = []
    for case in cases:
        holds = clock_rules.holds_from_history(
            events.get(case.id, []), on_hold=case.on_hold, hold_since=case.hold_since
        )
        clocks = clock_rules.case_clocks(case, holds, today, goals)
        rows.append(
            Row(
                case=case,
                days_in_stage=(today - stage_start(case)).days,
                clocks=clocks,
                next_due=clock_rules.next_due(clocks),
                paused=clock_rules.is_paused(clocks),
            )
        )
    return rows


def summary_only(row: Row) -> Row:
    """The row as someone sees it who may not see the case's record: no clocks, no days in stage."""
    return replace(row, days_in_stage=None, clocks=[], next_due=None, paused=False, shows_record=False)


def _sort_key(key: str):
    far = date.max
    return {
        "reference": lambda row: (row.case.year, row.case.letter, row.case.lead_area or ""),
        "review_type": lambda row: (row.case.review_type_label, row.case.year, row.case.letter),
        "pseudonym": lambda row: ((row.case.pseudonym or "").lower(), row.case.year),
        "csp": lambda row: (row.case.area_name.lower(), row.case.year, row.case.letter),
        "stage": lambda row: (STAGE_ORDER.get(row.case.stage, 99), row.case.year, row.case.letter),
        "hold": lambda row: (row.case.on_hold, row.case.year, row.case.letter),
        "days": lambda row: (-1 if row.days_in_stage is None else row.days_in_stage, row.case.year, row.case.letter),
        "due": lambda row: (row.next_due.due_on if row.next_due else far, row.case.year, row.case.letter),
    }[key]


def run(user, query: RegisterQuery) -> Result:
    """The page of the register ``query`` asks for, out of the cases ``user`` may see.

    Clocks and days in stage are the case record's: rows of cases whose record ``user`` may not
    see have none, so they neither show them nor match the overdue filter or sort by them.
    """
    statement = _statement(user, query)
    cases = list(db.session.execute(statement).unique().scalars())
    prime(user, [case.id for case in cases])  # one query for the roles on every case listed
    rows = [
        row if can(user, Action.VIEW_CASE_RECORD, row.case) else summary_only(row)
        for row in rows_for(cases, holds_for(statement), london_today())
    ]
    if query.clock == "overdue":
        rows = [row for row in rows if any(clock.overdue for clock in row.clocks)]
    rows.sort(key=_sort_key(query.sort), reverse=query.direction == "desc")
    total = len(rows)
    pages = max(math.ceil(total / PER_PAGE), 1)
    page = min(query.page, pages)
    query = replace(query, page=page)
    start = (page - 1) * PER_PAGE
    return Result(query=query, rows=rows[start : start + PER_PAGE], total=total, pages=pages, all_rows=rows)


def filter_choices(user) -> dict:
    """Options of the filter form: CSPs and the years of the cases this person may see."""
    csps = db.session.execute(select(CSP.id, CSP.name).order_by(CSP.name)).all()
    years = db.session.execute(
        visible_cases(user).with_only_columns(Case.year).distinct().order_by(Case.year.desc())
    ).scalars()
    return {"csps": csps, "years": list(years), "stages": STAGES, "review_types": REVIEW_TYPES}


def pagination(result: Result, url) -> dict | None:
    """Parameters for govukPagination; ``url(args)`` builds a link."""
    if result.pages <= 1:
        return None
    page = result.query.page
    items = []
    shown = {1, result.pages, page - 1, page, page + 1}
    previous = 0
    for number in range(1, result.pages + 1):
        if number not in shown:
            continue
        if number - previous > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": url(result.query.args(page=number)), "current": number == page})
        previous = number
    params = {"items": items, "landmarkLabel": "Pages of reviews"}
    if page > 1:
        params["previous"] = {"href": url(result.query.args(page=page - 1))}
    if page < result.pages:
        params["next"] = {"href": url(result.query.args(page=page + 1))}
    return params


CSV_HEADER = [
    "Reference",
    "Review type",
    "Pseudonym",
    "CSP or lead area",
    "Stage",
    "On hold",
    "Days in stage",
    "Next clock",
    "Next clock due",
    "Overdue clocks",
]


def to_csv(rows: list[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for row in rows:
        case = row.case
        writer.writerow(
            [
                safe_cell(value)
                for value in (
                    case.reference,
                    case.review_type_label,
                    case.pseudonym or "",
                    case.area_name,
                    case.stage_label,
                    "Yes" if case.on_hold else "No",
                    "" if row.days_in_stage is None else row.days_in_stage,
                    row.next_due.label if row.next_due else ("Paused (on hold)" if row.paused else ""),
                    row.next_due.due_on.isoformat() if row.next_due else "",
                    "; ".join(clock.label for clock in row.clocks if clock.overdue),
                )
            ]
        )
    return out.getvalue()
