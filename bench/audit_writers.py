"""Audited transactions per second with several writers at once, and the trail intact afterwards.

    .venv/bin/python bench/audit_writers.py                      # PostgreSQL, 8 writers, 10 s
    .venv/bin/python bench/audit_writers.py --writers 1 2 8 16 --seconds 5
    .venv/bin/python bench/audit_writers.py --database sqlite

Each writer is a process of its own with the real app (``create_app``) and its own database
connection, as a gunicorn worker is. In a loop it does what an audited request does to the
trail: ``record`` an event (a case view) in its transaction, then commit. The database is
built afresh by the migrations, so on PostgreSQL the trigger refusing UPDATE and DELETE on
``audit_events`` is in place. Afterwards ``verify`` walks the whole trail. On PostgreSQL
it also counts, by sampling ``pg_locks`` while the writers run, how many waited for a lock.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _app(url: str):
    from portal import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" + "x" * 32})


def writer(url: str, number: int, start_at: float, stop_at: float, counts) -> None:
    from sqlalchemy import text

    from portal.audit import record
    from portal.extensions import db

    app = _app(url)
    with app.app_context():
        db.session.execute(text("SELECT 1"))  # connect before the clock starts
        db.session.commit()
        while time.time() < start_at:
            time.sleep(0.001)
        done = 0
        while time.time() < stop_at:
            record("case.viewed", object_type="case", object_id=number, case_id=None, detail={"endpoint": "bench"})
            db.session.commit()
            done += 1
        counts[number] = done


def lock_waits(url: str, stop_at: float, samples) -> None:
    """Sample, every 20 ms, how many backends are waiting for a lock and on which relation."""
    import psycopg
    from sqlalchemy.engine import make_url

    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as conn:
        while time.time() < stop_at:
            rows = conn.execute(
                "SELECT coalesce(c.relname, l.locktype) FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation "
                "WHERE NOT l.granted"
            ).fetchall()
            samples.append([row[0] for row in rows])
            time.sleep(0.02)


def fresh_database(kind: str, pg_url: str, directory: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{directory / 'audit.db'}"
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(pg_url)
    server = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{url.database}"')
    return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def migrate(url: str) -> None:
    import flask_migrate

    app = _app(url)
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))


def measure(url: str, writers: int, seconds: float, postgresql: bool) -> tuple[float, float, int]:
    manager = multiprocessing.Manager()
    counts, samples = manager.dict(), manager.list()
    start_at = time.time() + 3  # every writer connected and waiting
    stop_at = start_at + seconds
    processes = [
        multiprocessing.Process(target=writer, args=(url, n, start_at, stop_at, counts)) for n in range(writers)
    ]
    if postgresql:
        processes.append(multiprocessing.Process(target=lock_waits, args=(url, stop_at, samples)))
    for process in processes:
        process.start()
    for process in processes:
        process.join()
        if process.exitcode:
            raise SystemExit(f"a writer failed (exit code {process.exitcode})")
    events = sum(counts.values())
    waiting = [len(sample) for sample in samples]
    return events / seconds, statistics.mean(waiting) if waiting else 0.0, events


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/portal_bench"),
        help="a PostgreSQL database for the benchmark alone: it is dropped and created afresh",
    )
    parser.add_argument("--writers", type=int, nargs="+", default=[8])
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args(argv)
    os.environ.setdefault("PORTAL_INSTANCE_PATH", tempfile.mkdtemp(prefix="portal-audit-bench-"))
    multiprocessing.set_start_method("spawn")
    postgresql = args.database == "postgresql"

    from portal.audit import verify
    from portal.extensions import db

    print("| writers | audited transactions / s | lock waiters (mean of samples) | events | verify |")
    print("|---|---|---|---|---|")
    for writers in args.writers:
        url = fresh_database(args.database, args.pg_url, Path(os.environ["PORTAL_INSTANCE_PATH"]))
        migrate(url)
        rate, waiting, events = measure(url, writers, args.seconds, postgresql)
        app = _app(url)
        with app.app_context():
            started = time.perf_counter()
            problem = verify()
            took = time.perf_counter() - started
            db.session.remove()
            db.engine.dispose()
        outcome = "intact" if problem is None else f"BROKEN: {problem}"
        waiters = f"{waiting:.1f}" if postgresql else "-"
        print(f"| {writers} | {rate:,.0f} | {waiters} | {events:,} | {outcome} ({took:.1f} s) |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
