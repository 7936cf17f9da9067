"""Days waited on the Home Office Quality Assurance Panel, across reviews: per submission and in
total, for the dashboard panel and the board report section. SQL aggregates in a fixed number of
queries, over the reviews whose submission the person may see.

A submission waits from the day it was sent to the date of its feedback letter, or to the day
asked about while the letter is awaited (``QaRound.days_waiting``, the same count). A review sent
before the portal kept its submissions has none: its own dates (sent to the Home Office, the
outcome) stand for one submission, so it is not left out of the wait it shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Date, Integer, String, cast, exists, func, literal, select, union_all
from sqlalchemy import case as sql_case

from portal.authz import Action, cases_allowing
from portal.cases.models import Case
from portal.extensions import db
from portal.web.dates import govuk_date

from .models import QaRound

LISTED = 10
FIGURES = ("submissions", "total", "now", "since")


def days_between(later, earlier):
    """``later - earlier`` in whole days, in SQL (PostgreSQL subtracts dates; SQLite has julianday)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return later - earlier
    return cast(func.julianday(later) - func.julianday(earlier), Integer)


def _submissions(user, today: date):
    """Every submission of the reviews ``user`` may see the submission of, as rows (case_id, number,
    sent_on, outcome, days): the portal's rounds, and one from the case's dates where it has none."""
    allowed = cases_allowing(user, Action.VIEW_SUBMISSION)
    kept = select(
        QaRound.case_id.label("case_id"),
        QaRound.number.label("number"),
        QaRound.sent_on.label("sent_on"),
        QaRound.outcome.label("outcome"),
        days_between(func.coalesce(QaRound.outcome_on, literal(today, Date)), QaRound.sent_on).label("days"),
    ).where(QaRound.case_id.in_(allowed))
    # Sent before the rounds were kept: the outcome, if any, is after the latest sending.
    outcome_on = sql_case(
        (Case.home_office_outcome_on >= Case.sent_to_home_office_on, Case.home_office_outcome_on), else_=None
    )
    legacy = select(
        Case.id,
        literal(1, Integer),
        Case.sent_to_home_office_on,
        sql_case((outcome_on.is_not(None), func.coalesce(Case.home_office_outcome, literal("graded", String)))),
        days_between(func.coalesce(outcome_on, literal(today, Date)), Case.sent_to_home_office_on),
    ).where(
        Case.id.in_(allowed),
        Case.sent_to_home_office_on.is_not(None),
        ~exists().where(QaRound.case_id == Case.id),
    )
    return union_all(kept, legacy).subquery()


@dataclass
class ReviewWait:
    case: Case
    submissions: int
    total_days: int
    waiting_days: int | None  # the submission awaiting its letter, if any
    waiting_since: date | None
    rounds: list[tuple[int, int, bool]] = field(default_factory=list)  # (number, days, still waiting)

    @property
    def per_round(self) -> str:
        return ", ".join(
            f"submission {number}: {days} day{'s' if days != 1 else ''}{' so far' if waiting else ''}"
            for number, days, waiting in self.rounds
        )


@dataclass
class Waits:
    today: date
    waiting_now: int  # reviews with a submission awaiting its letter
    longest_now: int | None  # days, of the longest of those
    completed: int  # submissions whose letter came
    completed_days: int
    reviews: list[ReviewWait]  # waiting now first, longest first; then the longest in total
    reviews_count: int

    @property
    def average_completed(self) -> int | None:
        return round(self.completed_days / self.completed) if self.completed else None


def _reviews(submissions, *, where=(), limit: int | None = None) -> list[ReviewWait]:
    """The reviews with their submissions, in one query: window aggregates give each row its
    review's figures (submissions, total, the wait now) and rank the reviews, those waiting now
    first and longest first, then the longest in total."""
    waiting = submissions.c.outcome.is_(None)
    by_case = {"partition_by": submissions.c.case_id}
    figures = select(
        submissions,
        func.count().over(**by_case).label("submissions"),
        func.sum(submissions.c.days).over(**by_case).label("total"),
        func.max(sql_case((waiting, submissions.c.days))).over(**by_case).label("now"),
        func.max(sql_case((waiting, submissions.c.sent_on))).over(**by_case).label("since"),
    ).subquery()
    rank = func.dense_rank().over(
        order_by=(figures.c.now.is_(None), figures.c.now.desc(), figures.c.total.desc(), figures.c.case_id)
    )
    ranked = select(figures, rank.label("rank")).subquery()
    statement = (
        select(Case, ranked.c.number, ranked.c.days, ranked.c.outcome, *(ranked.c[name] for name in FIGURES))
        .join(ranked, ranked.c.case_id == Case.id)
        .where(*where)
        .order_by(ranked.c.rank, ranked.c.number)
    )
    if limit is not None:
        statement = statement.where(ranked.c.rank <= limit)
    reviews: dict[int, ReviewWait] = {}
    for case, number, days, outcome, count, total, now, since in db.session.execute(statement).all():
        review = reviews.get(case.id)
        if review is None:
            review = reviews[case.id] = ReviewWait(case, count, int(total or 0), now, since)
        review.rounds.append((number, int(days), outcome is None))
    return list(reviews.values())


def waits(user, today: date, limit: int | None = LISTED) -> Waits:
    """The dashboard's figures and the first ``limit`` reviews (two queries)."""
    submissions = _submissions(user, today)
    waiting = submissions.c.outcome.is_(None)
    now_count, longest, completed, completed_days, reviews_count = db.session.execute(
        select(
            func.count(func.distinct(sql_case((waiting, submissions.c.case_id)))),
            func.max(sql_case((waiting, submissions.c.days))),
            func.count().filter(~waiting),
            func.coalesce(func.sum(submissions.c.days).filter(~waiting), 0),
            func.count(func.distinct(submissions.c.case_id)),
        )
    ).one()
    reviews = _reviews(submissions, limit=limit)
    return Waits(today, now_count, longest, completed, int(completed_days), reviews, reviews_count)


def board_section(user, report_date: date):
    """The board report's "Time with the Home Office": every review not yet published that has
    been sent, its days waited per submission and in total to the report's date (one query)."""
    from portal.reports.board import ReportSection

    reviews = _reviews(_submissions(user, report_date), where=(Case.stage.not_in(("published", "closed")),))
    rows = []
    for review in reviews:
        if review.waiting_since is not None:
            now = f"Waiting since {govuk_date(review.waiting_since)} ({review.waiting_days} days)"
        else:
            now = review.case.stage_label
        rows.append(
            [review.case.reference, now, review.per_round[0].upper() + review.per_round[1:], str(review.total_days)]
        )
    return ReportSection(
        "home-office",
        "Time with the Home Office Quality Assurance Panel",
        ["Review", "Now", "Days waited per submission", "Days waited in total"],
        rows,
        empty="No review not yet published has been sent to the Home Office.",
    )
