"""The register of reviews: filter, search, sort, paginate and export what a person may see.

Filtering, sorting, counting and paging happen in SQL, on the columns portal/cases/standing.py
keeps on each case (the day its stage began, its next clock due and that clock's due date);
"overdue" is that due date before today, worked out in the query. Only the page's rows then
have their clocks computed, in Python, for display. A page runs the same queries whatever the
number of cases: the count, the page, the roles on its cases (``prime``), their holds, and the
CSP and year choices of the filter form.

Clocks and days in stage belong to the case record: a row whose record the person may not see
has none, so it sorts as if it had none (days -1, no due date) and never matches "overdue".
In SQL that is ``cases_allowing(user, VIEW_CASE_RECORD)``, which agrees with ``can()`` per row.

Other areas add filters on what they keep ("ready for publication") with ``register_filter``
(register_filters.py):
a key, a label for the filter form and a function giving an SQL condition on ``Case`` (an
EXISTS on the area's own tables) for a given person and day, so the register adds no query
and imports no area.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta

from sqlalchemy import Date, and_, false, func, literal, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.sql.elements import UnaryExpression

from portal.admin.models import CSP
from portal.authz import Action, can, cases_allowing, prime, visible_cases
from portal.clock import london_today
from portal.extensions import db
from portal.web.exports import safe_cell
from portal.web.paging import Paged, Window, page_number, pagination
from portal.web.requests import int_arg

from . import clocks as clock_rules
from .models import REVIEW_TYPES, STAGES, Case
from .register_filters import registered_filter, registered_filters
from .stages import OPEN_STAGES
from .standing import hold_events
from .timeline import stage_start

PER_PAGE = 25
STAGE_ORDER = {code: index for index, code in enumerate(STAGES)}
OPEN = "open"  # stage filter: every stage a review is still in progress
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
    show: str = ""  # "", or the key of a filter another area registered (register_filter)
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
            show=args.get("show", "") if registered_filter(args.get("show", "")) else "",
            q=" ".join(args.get("q", "").split())[:60],
            sort=sort,
            order=order if order in ("asc", "desc") else "",
            page=page_number(args.get("page")),
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
        return any((self.stage, self.csp, self.year, self.hold, self.clock, self.show, self.q))


@dataclass
class Row:
    case: Case
    days_in_stage: int | None  # None (like the clocks) when the person may not see the case's record
    clocks: list[clock_rules.Clock]
    next_due: clock_rules.Clock | None
    paused: bool
    shows_record: bool = True


@dataclass
class Result(Paged):
    """This page's rows (``Row``) and the query, with its page number the one shown."""

    query: RegisterQuery = field(default_factory=RegisterQuery)

    @property
    def shows_record(self) -> bool:
        """Whether any row on this page shows its clocks (else the columns are left out)."""
        return any(row.shows_record for row in self.rows)


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
    extra = registered_filter(query.show) if query.show else None
    if extra is not None:
        statement = statement.where(extra.clause(user, london_today()))
    return statement


def holds_for(case_ids) -> dict[int, list]:
    """Hold and resume entries of ``case_ids``, in order, by case (one query)."""
    return hold_events(db.session.connection(), case_ids) if case_ids else {}


def rows_for(cases: list[Case], events: dict, today: date) -> list[Row]:
    goals = clock_rules.targets()
    rows = []
    for item in cases:
        holds = clock_rules.holds_from_history(
            events.get(item.id, []), on_hold=item.on_hold, hold_since=item.hold_since
        )
        clocks = clock_rules.case_clocks(item, holds, today, goals)
        rows.append(
            Row(
                case=item,
                days_in_stage=(today - stage_start(item)).days,
                clocks=clocks,
                next_due=clock_rules.next_due(clocks),
                paused=clock_rules.is_paused(clocks),
            )
        )
    return rows


def summary_only(row: Row) -> Row:
    """The row as someone sees it who may not see the case's record: no clocks, no days in stage."""
    return replace(row, days_in_stage=None, clocks=[], next_due=None, paused=False, shows_record=False)


def _text(expression):
    """Strings compare as Python compares them (by code point), whatever the database's locale."""
    if db.session.get_bind().dialect.name == "postgresql":
        return expression.collate("C")
    return expression


def _keys(sort: str, shows_record, today: date) -> list:
    """The sort keys of ``sort`` (built only for the sort asked for: building SQL costs time too)."""
    year_letter = [Case.year, _text(Case.letter)]
    if sort == "reference":
        return [Case.year, _text(Case.letter), _text(func.coalesce(Case.lead_area, ""))]
    if sort == "review_type":
        return [_text(sql_case(REVIEW_TYPES, value=Case.review_type, else_=Case.review_type)), *year_letter]
    if sort == "pseudonym":
        return [_text(func.lower(func.coalesce(Case.pseudonym, ""))), Case.year]
    if sort == "csp":
        return [_text(func.lower(func.coalesce(CSP.name, Case.lead_area, ""))), *year_letter]
    if sort == "stage":
        return [sql_case(STAGE_ORDER, value=Case.stage, else_=99), *year_letter]
    if sort == "hold":
        return [Case.on_hold, *year_letter]
    if sort == "days":
        # Days in stage count from the day the stage began, so more days is an earlier day (the
        # day descending is days ascending); a row without its record shown counts -1 days: the
        # day after today.
        since = sql_case((shows_record(), Case.stage_since), else_=literal(today + timedelta(days=1), Date))
        return [since.desc(), *year_letter]
    due = sql_case(
        (and_(shows_record(), Case.next_due_on.is_not(None)), Case.next_due_on), else_=literal(date.max, Date)
    )
    return [due, *year_letter]


def _order(query: RegisterQuery, shows_record, today: date) -> list:
    """ORDER BY for ``query``: its keys, each in the asked direction, then id (ties keep id order)."""
    descending = query.direction == "desc"
    ordered = []
    for key in _keys(query.sort, shows_record, today):
        if isinstance(key, UnaryExpression):  # already reversed (days): descending flips it back
            ordered.append(key.element.asc() if descending else key)
        else:
            ordered.append(key.desc() if descending else key.asc())
    return [*ordered, Case.id.asc()]


def _sorted(user, query: RegisterQuery, today: date):
    """The SELECT of the cases ``query`` asks for, and its ORDER BY."""

    def shows_record():
        # Built only when a filter or sort needs it: whether the row shows the case record.
        return Case.id.in_(cases_allowing(user, Action.VIEW_CASE_RECORD))

    statement = _statement(user, query)
    if query.clock == "overdue":
        statement = statement.where(shows_record(), Case.next_due_on < today)
    if query.sort == "csp":
        statement = statement.outerjoin(CSP, CSP.id == Case.csp_id)
    return statement, _order(query, shows_record, today)


def _rows(user, cases: list[Case], today: date) -> list[Row]:
    prime(user, [item.id for item in cases])  # one query for the roles on every case listed
    return [
        row if can(user, Action.VIEW_CASE_RECORD, row.case) else summary_only(row)
        for row in rows_for(cases, holds_for([item.id for item in cases]), today)
    ]


def run(user, query: RegisterQuery) -> Result:
    """The page of the register ``query`` asks for, out of the cases ``user`` may see."""
    today = london_today()
    statement, order = _sorted(user, query, today)
    total = db.session.execute(statement.with_only_columns(func.count(Case.id)).order_by(None)).scalar_one()
    window = Window.of(query.page, total, PER_PAGE)
    page = db.session.execute(statement.order_by(*order).limit(PER_PAGE).offset(window.offset))
    return Result(
        query=replace(query, page=window.number), rows=_rows(user, list(page.unique().scalars()), today), window=window
    )


def everything(user, query: RegisterQuery) -> list[Row]:
    """Every row ``query`` selects, in its order (the CSV export)."""
    today = london_today()
    statement, order = _sorted(user, query, today)
    return _rows(user, list(db.session.execute(statement.order_by(*order)).unique().scalars()), today)


def filter_choices(user) -> dict:
    """Options of the filter form: CSPs and the years of the cases this person may see."""
    csps = db.session.execute(select(CSP.id, CSP.name).order_by(CSP.name)).all()
    years = db.session.execute(
        visible_cases(user).with_only_columns(Case.year).distinct().order_by(Case.year.desc())
    ).scalars()
    return {
        "csps": csps,
        "years": list(years),
        "stages": STAGES,
        "review_types": REVIEW_TYPES,
        "filters": registered_filters(),  # no query: registered at start-up
    }


# The register's page links fetch the results in place (htmx) and put the page in the address bar.
IN_PLACE = {"hx-get": None, "hx-target": "#register-results", "hx-swap": "innerHTML", "hx-push-url": "true"}


def page_links(result: Result, url) -> dict | None:
    """Parameters for govukPagination; ``url(args)`` builds a link."""
    return pagination(
        result.query.page,
        result.pages,
        lambda number: url(result.query.args(page=number)),
        IN_PLACE,
        label="Pages of reviews",
    )


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
