"""The register and the dashboard work in SQL: the same rows, in the same order, as the Python
implementation they replaced, on generated data with the tests' fixed clock.

``oracle_register`` and ``oracle_overview`` are that implementation, copied here before it was
removed from portal/cases/register.py and portal/dashboard/services.py (every case loaded,
every clock computed in Python, then filtered, sorted and sliced). One change: the cases are
read in id order. Rows that tie on every sort key were left in whatever order the database
returned them; the SQL register breaks such ties by id, and the oracle has to say the same.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select, union_all

from portal.authz import Action, can, prime, visible_cases
from portal.cases import clocks as clock_rules
from portal.cases import register
from portal.cases.models import STAGES, Case, CrgUpdate, FieldChange, Membership, StageHistory
from portal.cases.register import ELSEWHERE, OPEN, PER_PAGE, SORTS, STAGE_ORDER, RegisterQuery, Row
from portal.cases.stages import OPEN_STAGES
from portal.cases.timeline import stage_start
from portal.clock import london_today
from portal.dashboard import services as dashboard
from portal.demo.generate import generate
from portal.extensions import db

# -- the oracle: the register and dashboard as they were ---------------------------------------------


def oracle_holds_for(statement) -> dict[int, list]:
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


def oracle_rows_for(cases, events, today) -> list[Row]:
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


def oracle_summary_only(row: Row) -> Row:
    return replace(row, days_in_stage=None, clocks=[], next_due=None, paused=False, shows_record=False)


def oracle_sort_key(key: str):
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


def oracle_register(user, query: RegisterQuery):
    statement = register._statement(user, query).order_by(Case.id)  # the one change: id order
    cases = list(db.session.execute(statement).unique().scalars())
    prime(user, [case.id for case in cases])
    rows = [
        row if can(user, Action.VIEW_CASE_RECORD, row.case) else oracle_summary_only(row)
        for row in oracle_rows_for(cases, oracle_holds_for(statement), london_today())
    ]
    if query.clock == "overdue":
        rows = [row for row in rows if any(clock.overdue for clock in row.clocks)]
    rows.sort(key=oracle_sort_key(query.sort), reverse=query.direction == "desc")
    total = len(rows)
    pages = max(math.ceil(total / PER_PAGE), 1)
    page = min(query.page, pages)
    start = (page - 1) * PER_PAGE
    return rows[start : start + PER_PAGE], total, pages, page, rows


@dataclass
class OracleWaiting:
    row: Row
    waiting_for: str
    since: date | None
    days: int | None


def oracle_overview(user):
    today = london_today()
    scoped = visible_cases(user).subquery()
    counts = dict(
        db.session.execute(
            select(scoped.c.stage, func.count()).where(scoped.c.on_hold.is_(False)).group_by(scoped.c.stage)
        ).all()
    )
    by_stage = [(code, label, counts.get(code, 0)) for code, label in STAGES.items()]
    statement = (
        visible_cases(user)
        .where(Case.stage.in_((*OPEN_STAGES, "approved", "published", "not_progressed")))
        .order_by(Case.id)
    )
    cases = list(db.session.execute(statement).unique().scalars())
    rows = oracle_rows_for(cases, oracle_holds_for(statement), today)
    held = sorted((row for row in rows if row.case.on_hold), key=lambda row: row.case.hold_since or today)
    overdue = sorted(
        ((row, clock) for row in rows for clock in row.clocks if clock.overdue),
        key=lambda pair: pair[1].days_left,
    )
    waiting = []
    for row in rows:
        case = row.case
        if case.stage == "with_home_office":
            clock = next(c for c in row.clocks if c.code == "home_office_outcome")
            waiting.append(OracleWaiting(row, "Quality assurance outcome", clock.starts_on, clock.days))
        elif case.stage == "awaiting_home_office":
            waiting.append(
                OracleWaiting(
                    row, "Response to the decision to hold a review", case.stage_entered_on, row.days_in_stage
                )
            )
    waiting.sort(key=lambda item: -(item.days or 0))
    in_progress = sum(count for code, _label, count in by_stage if code in OPEN_STAGES) + len(held)
    overdue_cases = len({row.case.id for row, _clock in overdue})
    return {
        "by_stage": by_stage,
        "held": held,
        "overdue": overdue,
        "waiting": waiting,
        "in_progress": in_progress,
        "overdue_cases": overdue_cases,
        "recent": oracle_recently_changed(user),
    }


def oracle_recently_changed(user, limit: int = 10) -> list[tuple[Case, datetime]]:
    activity = union_all(
        select(StageHistory.case_id.label("case_id"), StageHistory.recorded_at.label("at")),
        select(FieldChange.case_id, FieldChange.changed_at),
        select(CrgUpdate.case_id, CrgUpdate.created_at),
    ).subquery()
    latest = select(activity.c.case_id, func.max(activity.c.at).label("at")).group_by(activity.c.case_id).subquery()
    scoped = visible_cases(user).subquery()
    statement = (
        select(Case, latest.c.at)
        .join(latest, latest.c.case_id == Case.id)
        .where(Case.id.in_(select(scoped.c.id)))
        .order_by(latest.c.at.desc(), Case.id)
        .limit(limit)
    )
    return [(case, at) for case, at in db.session.execute(statement).unique().all()]


# -- comparing -----------------------------------------------------------------------------------------


def shape(row: Row) -> tuple:
    """Everything a register row shows."""
    return (
        row.case.id,
        row.shows_record,
        row.days_in_stage,
        row.paused,
        (row.next_due.code, row.next_due.due_on) if row.next_due else None,
        tuple((clock.code, clock.status, clock.due_on, clock.days, clock.days_left) for clock in row.clocks),
    )


@pytest.fixture
def world(app, make_csp, make_user):
    """Generated reviews (with holds, overdue clocks, reviews led elsewhere) and three people."""
    csps = [make_csp(area) for area in ("Blaby", "Charnwood", "Melton", "Rutland")]
    generate(160, seed=7)
    officer = make_user("Olive Officer", system_role="business_office")
    mixed = make_user("Max Mixed")
    ids = list(db.session.execute(select(Case.id).order_by(Case.id)).scalars())
    # Author on some reviews (sees their record), panel member on others (summary only).
    for case_id in ids[::3]:
        db.session.add(Membership(case_id=case_id, user_id=mixed.id, role="author"))
    for case_id in ids[1::3]:
        db.session.add(Membership(case_id=case_id, user_id=mixed.id, role="panel_member"))
    db.session.commit()
    # Generated holds are all lifted by now: put a dozen reviews on hold (more than a list shows).
    from portal.cases.lifecycle import apply_move

    running = db.session.execute(
        select(Case).where(Case.stage.in_(OPEN_STAGES), Case.on_hold.is_(False)).order_by(Case.id)
    ).scalars()
    with app.test_request_context():
        for index, case in enumerate(list(running)[:12]):
            since = max(case.stage_since, london_today() - timedelta(days=40 + index))
            apply_move(case, "hold", actor=officer, occurred_on=since, hold_reason="Trial", hold_requested_by="Police")
    db.session.commit()
    return {"officer": officer, "mixed": mixed, "csps": csps}


def _queries(csps) -> list[RegisterQuery]:
    queries = []
    for sort in SORTS:
        for order in ("asc", "desc"):
            for page in (1, 2, 4, 99):
                queries.append(RegisterQuery(sort=sort, order=order, page=page))
    filters = [{"stage": stage} for stage in (*STAGES, OPEN)]
    filters += [{"csp": csps[0].id}, {"csp": ELSEWHERE}, {"year": 2020}, {"hold": "yes"}, {"hold": "no"}]
    filters += [{"clock": "overdue"}, {"q": "Adult B"}, {"q": "2021"}, {"q": "H 2019"}, {"q": "zzz"}]
    filters += [{"stage": OPEN, "clock": "overdue", "hold": "no"}, {"csp": csps[1].id, "hold": "no", "year": 2022}]
    for values in filters:
        for sort in ("reference", "due", "days", "csp"):
            for page in (1, 2):
                queries.append(RegisterQuery(sort=sort, page=page, **values))
    return queries


@pytest.mark.parametrize("who", ["officer", "mixed"])
def test_register_in_sql_matches_the_python_register(app, world, who):
    user = world[who]
    with app.test_request_context():
        seen_overdue = seen_summary = 0
        for query in _queries(world["csps"]):
            expected, total, pages, page, everything = oracle_register(user, query)
            result = register.run(user, query)
            label = f"{who} {query}"
            assert (result.total, result.pages, result.query.page) == (total, pages, page), label
            assert [shape(row) for row in result.rows] == [shape(row) for row in expected], label
            seen_overdue += sum(1 for row in expected if any(clock.overdue for clock in row.clocks))
            seen_summary += sum(1 for row in expected if not row.shows_record)
            if query.page == 1 and query.sort == "due":
                # The export lists every row, in the same order.
                assert [shape(row) for row in register.everything(user, query)] == [shape(r) for r in everything]
        # The data exercised what matters: overdue clocks, and (for the mixed person) summary rows.
        assert seen_overdue > 0
        assert seen_summary > 0 if who == "mixed" else seen_summary == 0


def test_dashboard_in_sql_matches_the_python_dashboard(app, world):
    user = world["officer"]
    with app.test_request_context():
        expected = oracle_overview(user)
        overview = dashboard.overview(user)
    assert overview.by_stage == expected["by_stage"]
    assert overview.in_progress == expected["in_progress"]
    assert overview.overdue_cases == expected["overdue_cases"] > 0
    assert overview.held_count == len(expected["held"]) > 0
    assert overview.waiting_count == len(expected["waiting"]) > 0
    # The lists show the first few of what the Python dashboard listed in full.
    limit = dashboard.LISTED
    assert [shape(row) for row in overview.held] == [shape(row) for row in expected["held"][:limit]]
    assert [(shape(row), clock) for row, clock in overview.overdue] == [
        (shape(row), clock) for row, clock in expected["overdue"][:limit]
    ]
    assert [(shape(w.row), w.waiting_for, w.since, w.days) for w in overview.waiting] == [
        (shape(w.row), w.waiting_for, w.since, w.days) for w in expected["waiting"][:limit]
    ]
    assert [(case.id, at) for case, at in overview.recent] == [(case.id, at) for case, at in expected["recent"]]


def test_columns_follow_every_change_of_a_case(app, world):
    """The kept columns equal what the clocks module says, after generation and after moves."""
    from portal.cases.lifecycle import apply_move
    from portal.cases.record import update_record
    from portal.cases.standing import values_for

    officer = world["officer"]
    today = london_today()

    def check_all():
        cases = list(db.session.execute(select(Case).order_by(Case.id)).scalars())
        events = oracle_holds_for(select(Case))
        goals = clock_rules.targets()
        for case in cases:
            db.session.refresh(case)
            expected = values_for(case, events.get(case.id, []), goals, today)
            assert {name: getattr(case, name) for name in expected} == expected, case.reference

    check_all()
    with app.test_request_context():
        running = (
            db.session.execute(select(Case).where(Case.next_due_on > today, Case.on_hold.is_(False)).order_by(Case.id))
            .scalars()
            .first()
        )
        due = running.next_due_on
        apply_move(
            running,
            "hold",
            actor=officer,
            occurred_on=today - timedelta(days=3),
            hold_reason="Criminal trial",
            hold_requested_by="Police",
        )
        db.session.commit()
        assert running.next_due_on is None  # paused: no due date while on hold
        apply_move(running, "resume", actor=officer, occurred_on=today)
        db.session.commit()
        assert running.next_due_on == due + timedelta(days=3)  # the days on hold added
        check_all()
        # An edit of a date a clock uses moves it too; a CRG update moves only "last changed".
        late = db.session.execute(select(Case).where(Case.next_due_clock == "decision")).scalars().first()
        if late is not None:
            earlier = late.csp_notified_on - timedelta(days=1)
            update_record(late, actor=officer, version=late.version, csp_notified_on=earlier)
            db.session.commit()
            assert late.next_due_on == clock_rules.add_months(earlier, 1)
        version = running.version
        db.session.add(CrgUpdate(case_id=running.id, meeting_on=today, text="Update"))
        db.session.commit()
        db.session.refresh(running)
        assert running.version == version  # an open edit form is not made stale by an update
        assert running.changed_at is not None
    check_all()


def test_refresh_after_changing_the_clock_targets(app, make_case):
    """Due dates are kept with the targets of the day; ``flask cases refresh`` works them out again."""
    case = make_case(
        stage="in_review",
        decision_outcome="conduct",
        decision_on=date(2025, 2, 3),
        home_office_informed_on=date(2025, 2, 10),
    )
    assert (case.next_due_clock, case.next_due_on) == ("completion", date(2025, 8, 3))
    app.config["CLOCK_TARGETS"] = {"completion": 9}
    try:
        result = app.test_cli_runner().invoke(args=["cases", "refresh"])
        assert result.exit_code == 0, result.output
        assert "1 changed" in result.output
        db.session.refresh(case)
        assert case.next_due_on == date(2025, 11, 3)
    finally:
        app.config.pop("CLOCK_TARGETS")
