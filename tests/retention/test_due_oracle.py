"""The retention page and the business office's home queue read only the cases they show: the same
schedules, in the same order, as the Python implementation they replaced, on generated data.

``oracle_ended_cases`` is that implementation, copied here before it stopped serving the page and
the queue (every ended case loaded, every disposal date worked out in Python, then filtered):
``portal.retention.schedule.ended_cases`` still does the same for ``flask retention report --all``.
"""

from __future__ import annotations

import random
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.authz import visible_cases
from portal.cases.models import Case
from portal.cases.stages import ENDED_STAGES
from portal.demo.generate import generate
from portal.extensions import db
from portal.retention import queue
from portal.retention.models import CaseRetention
from portal.retention.routes import COMING_DAYS
from portal.retention.schedule import (
    add_years,
    due_by,
    latest_end_due_by,
    retention_years,
    schedule_for,
)

# -- the oracle: every ended case, as the page and the queue read them before ---------------------------


def oracle_ended_cases(user):
    cases = select(Case) if user is None else visible_cases(user)
    rows = db.session.execute(
        cases.add_columns(CaseRetention)
        .outerjoin(CaseRetention, CaseRetention.case_id == Case.id)
        .where(Case.stage.in_(ENDED_STAGES))
    ).all()
    years = retention_years()
    schedules = [schedule_for(case, retention, years=years) for case, retention in rows]
    return sorted(schedules, key=lambda s: (s.disposal_on or date.max, s.case.id))


def oracle_page(user, today):
    schedules = oracle_ended_cases(user)
    due = [s for s in schedules if s.due(today)]
    later = [s for s in schedules if not s.due(today) and s.due(today + timedelta(days=COMING_DAYS))]
    return due, later


def oracle_queue(user, today):
    return [s for s in oracle_ended_cases(user) if s.due(today) and not s.legal_hold]


def shown(schedules):
    """What a row of the page shows of a schedule (and the link's case)."""
    return [(s.case.id, s.case.reference, s.ended_on, s.disposal_on, s.extended, s.legal_hold) for s in schedules]


# -- the data ---------------------------------------------------------------------------------------------


@pytest.fixture
def world(app, make_csp, make_case, make_user):
    """Generated reviews, ended ones among them, with extensions (before, inside and after the coming
    year) and legal holds, and cases ended around 29 February, the date arithmetic's edge."""
    for area in ("Blaby", "Charnwood", "Melton", "Rutland"):
        make_csp(area)
    generate(160, seed=11)
    edges = [date(2020, 2, 28), date(2020, 2, 29), date(2020, 3, 1), date(2019, 2, 28), date(2019, 3, 1)]
    edges += [date(2020, 3, 2), date(2020, 3, 3), date(2021, 3, 2), date(2021, 3, 3)]
    for index, ended in enumerate(edges):
        make_case(stage="closed", year=1995, closed_on=ended, stage_entered_on=ended - timedelta(days=index))
        make_case(stage="not_progressed", year=1995, decision_on=None, stage_entered_on=ended)
    make_case(stage="closed", year=1995, closed_on=None, stage_entered_on=date(2019, 5, 5))
    rng = random.Random(3)
    ended = db.session.execute(select(Case).where(Case.stage.in_(ENDED_STAGES)).order_by(Case.id)).scalars().all()
    assert len(ended) > 40
    # Extensions to the day either side of the tests' today and of the end of the coming year.
    long_ended = [case for case in ended if (case.closed_on or case.decision_on or date.max) < date(2018, 1, 1)]
    today = date(2026, 3, 2)
    edges = [today, today + timedelta(days=1), today + timedelta(days=COMING_DAYS), today + timedelta(days=366)]
    for case, keep_until in zip(long_ended, edges, strict=False):
        db.session.add(CaseRetention(case_id=case.id, keep_until=keep_until, legal_hold=False))
    # And a hold on a case due whatever the setting.
    db.session.add(CaseRetention(case_id=long_ended[len(edges)].id, legal_hold=True))
    for case in [c for c in ended if c not in long_ended[: len(edges) + 1]]:
        roll = rng.random()
        if roll < 0.45:
            continue
        keep_until = None
        if roll < 0.8:
            keep_until = date(2026, 3, 2) + timedelta(days=rng.randint(-900, 900))
        db.session.add(CaseRetention(case_id=case.id, keep_until=keep_until, legal_hold=rng.random() < 0.3))
    db.session.commit()
    return {"officer": make_user("Olive Officer", system_role="business_office")}


DAYS = [
    date(2026, 3, 2),  # the tests' today
    date(2026, 2, 27),
    date(2026, 2, 28),
    date(2026, 3, 1),
    date(2028, 2, 28),
    date(2028, 2, 29),
    date(2028, 3, 1),
    date(2024, 1, 1),
    date(2031, 12, 31),
]


def test_the_last_end_date_due_is_exact_around_29_february():
    for years in (1, 4, 6, 7):
        for day in [date(2024, 2, 20) + timedelta(days=n) for n in range(0, 1600, 1)][::7] + DAYS:
            end = latest_end_due_by(day, years)
            assert add_years(end, years) <= day < add_years(end + timedelta(days=1), years), (day, years)


@pytest.mark.parametrize("years", [6, 4, 7])
def test_due_in_sql_matches_every_ended_case_read_in_python(app, world, years):
    app.config["RETENTION_YEARS"] = years
    with app.test_request_context():
        for user in (world["officer"], None):
            everything = oracle_ended_cases(user)
            for day in DAYS:
                expected = [s for s in everything if s.due(day)]
                assert shown(due_by(user, day)) == shown(expected), (day, years)
                assert shown(due_by(user, day, held=False)) == shown([s for s in expected if not s.legal_hold])
                due, later = oracle_page(user, day)
                coming = due_by(user, day + timedelta(days=COMING_DAYS))
                assert shown([s for s in coming if s.due(day)]) == shown(due)
                assert shown([s for s in coming if not s.due(day)]) == shown(later)
            # The data has every kind of row on the tests' day: due, held, extended, coming.
            due, later = oracle_page(user, date(2026, 3, 2))
            assert due and later and any(s.legal_hold for s in due) and any(s.extended for s in due + later)


def test_the_page_and_the_queue_show_what_they_showed(app, world, login_as):
    officer = world["officer"]
    today = date(2026, 3, 2)
    with app.test_request_context():
        due, later = oracle_page(officer, today)
        queued = oracle_queue(officer, today)
        items = queue._due(officer)
        assert [item.href for item in items] == [f"/cases/{s.case.id}/retention" for s in queued]
        assert [(item.due_on, item.case_reference) for item in items] == [
            (s.disposal_on, s.case.reference) for s in queued
        ]
    html = login_as(officer).get("/retention").get_data(as_text=True)
    linked = [int(case_id) for case_id in re.findall(r'href="/cases/(\d+)/retention"', html)]
    assert linked == [s.case.id for s in due + later]
