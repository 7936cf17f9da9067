"""The cross-review action tracker over 1,000 reviews with 10,000 actions (issue 12's target:
p95 under 300 ms, a constant number of queries).

    .venv/bin/python bench/tracker.py                       # SQLite in a temporary folder
    .venv/bin/python bench/tracker.py --pg-url postgresql://postgres@127.0.0.1:5432/bench_tracker

Builds the data set with the portal's own code (the demo, ``demo generate`` up to 1,000 reviews,
then three recommendations and ten actions per review in every state, with themes and lead
agencies), then renders each page in-process (the view and its template, as a request would,
without the network and the WSGI server) for the business office and a CSP lead, ``--runs``
times after a warm-up, and prints the median, p95 and the SQL statements per request.
PostgreSQL's database is dropped and created afresh.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = [
    ("action tracker", "actions.tracker", "/action-tracker"),
    ("action tracker, one theme", "actions.tracker", "/action-tracker?theme=2"),
    ("action tracker CSV", "actions.tracker_csv", "/action-tracker/export.csv"),
    ("repeated learning", "actions.learning", "/action-tracker/repeated-learning"),
    ("my actions (owner of 2,000)", "actions.my_actions", "/my-actions"),
]


def build(size: int, seed: int) -> None:
    from sqlalchemy import select

    from portal.actions.demo import THEMES
    from portal.actions.models import PlanAction, Recommendation, Theme
    from portal.admin.models import Organisation
    from portal.auth.models import User
    from portal.cases.models import Case
    from portal.clock import london_today
    from portal.demo.cli import load_demo
    from portal.demo.generate import generate
    from portal.extensions import db

    load_demo()
    generate(size - 12, seed=seed)
    db.session.commit()
    rng = random.Random(seed)
    themes = {t.name: t for t in db.session.scalars(select(Theme))} or {}
    for name in THEMES:
        if name not in themes:
            themes[name] = Theme(name=name)
            db.session.add(themes[name])
    agencies = [o.id for o in db.session.scalars(select(Organisation))]
    owner = db.session.scalar(select(User).where(User.email == "action.owner@example.org"))
    today = london_today()
    statuses = ["not_started", "in_progress", "awaiting_confirmation", "confirmed", "returned"]
    words = ["risk", "assessment", "training", "information", "sharing", "housing"]
    words += ["referral", "coercive", "control", "GP", "MARAC", "safeguarding"]
    cases = [
        c
        for c in db.session.scalars(select(Case))
        if not db.session.scalar(select(Recommendation.id).where(Recommendation.case_id == c.id).limit(1))
    ]
    for case in cases:
        for number, count in ((1, 3), (2, 3), (3, 4)):
            text = " ".join(rng.choice(words) for _ in range(12))
            rec = Recommendation(
                case_id=case.id,
                number=number,
                text=f"Agencies should improve {text}",
                scope=rng.choice(["local", "regional", "national"]),
            )
            rec.theme_list = rng.sample(list(themes.values()), 2)
            db.session.add(rec)
            db.session.flush()
            for _ in range(count):
                db.session.add(
                    PlanAction(
                        recommendation_id=rec.id,
                        case_id=case.id,
                        text=f"Act on {text}",
                        lead_agency_id=rng.choice(agencies),
                        owner_id=owner.id if rng.random() < 0.2 else None,
                        target_date=today + timedelta(days=rng.randint(-400, 400)),
                        status=rng.choice(statuses),
                    )
                )
        db.session.flush()
    db.session.commit()


def measure(app, email: str, endpoint: str, path: str, runs: int) -> tuple[list[float], int]:
    from flask import g
    from sqlalchemy import select

    from portal.auth.models import User
    from portal.extensions import db
    from portal.web.sqlcount import statements_counted

    timings, statements = [], 0
    for attempt in range(runs + 2):  # two warm-ups
        with app.test_request_context(path):
            g._login_user = db.session.scalar(select(User).where(User.email == email))
            start = time.perf_counter()
            with statements_counted() as counted:
                result = app.view_functions[endpoint]()
                body = result[0] if isinstance(result, tuple) else result.get_data()
            elapsed = time.perf_counter() - start
            assert body, path
            db.session.rollback()
        if attempt >= 2:
            timings.append(elapsed * 1000)
            statements = len(counted)
    return timings, statements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg-url", help="a PostgreSQL database to drop, create and use")
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    from portal import create_app
    from portal.extensions import db

    workdir = tempfile.TemporaryDirectory(prefix="bench-tracker-")  # removed when the run ends
    url = f"sqlite:///{workdir.name}/tracker.db"
    if args.pg_url:
        import psycopg
        from sqlalchemy.engine import make_url

        target = make_url(args.pg_url)
        with psycopg.connect(str(target.set(database="postgres", drivername="postgresql")), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{target.database}"')
            conn.execute(f'CREATE DATABASE "{target.database}"')
        url = args.pg_url.replace("postgresql://", "postgresql+psycopg://", 1)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench-" + "x" * 32,
            "DEMO_ENABLED": True,
            "PORTAL_ENV": "development",
            "TESTING": True,
        }
    )
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        build(args.size, seed=2026)
        from sqlalchemy import func, select, text

        from portal.actions.models import PlanAction, Recommendation

        if args.pg_url:
            # Fresh tables have no planner statistics until autovacuum gets to them (a minute or
            # so): without them PostgreSQL guesses 31 rows for a theme's 755 and picks nested loops.
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        actions = db.session.scalar(select(func.count()).select_from(PlanAction))
        recs = db.session.scalar(select(func.count()).select_from(Recommendation))
        print(
            f"data set: {args.size} reviews, {recs} recommendations, {actions} actions "
            f"({time.perf_counter() - started:.0f} s to build), {'PostgreSQL' if args.pg_url else 'SQLite'}"
        )
    print("| page | who | median ms | p95 ms | SQL statements |")
    print("|---|---|---:|---:|---:|")
    for name, endpoint, path in PAGES:
        people = [("business office", "business.office@example.org")]
        if endpoint != "actions.my_actions":
            people.append(("CSP lead", "csp.lead@example.org"))
        else:
            people = [("action owner", "action.owner@example.org")]
        for who, email in people:
            timings, statements = measure(app, email, endpoint, path, args.runs)
            p95 = statistics.quantiles(timings, n=20)[-1]
            print(f"| {name} | {who} | {statistics.median(timings):.0f} | {p95:.0f} | {statements} |")


if __name__ == "__main__":
    main()
