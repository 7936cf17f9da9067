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
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _app(url: str):
    from portal import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" + "x" * 32})


def writer(url: str, number: int, seconds: float, ready, counts) -> None:
    from sqlalchemy import text

    from portal.audit import record
    from portal.extensions import db

    app = _app(url)
    with app.app_context():
        db.session.execute(text("SELECT 1"))  # connect before the clock starts
        db.session.commit()
        ready.wait()  # every writer started and connected (starting 16 Pythons takes a while)
        stop_at = time.time() + seconds
        cpu = time.process_time()
        done = 0
        while time.time() < stop_at:
            record("case.viewed", object_type="case", object_id=number, case_id=None, detail={"endpoint": "bench"})
            db.session.commit()
            done += 1
        counts[number] = (done, time.process_time() - cpu)


def lock_waits(url: str, seconds: float, ready, samples) -> None:
    """Sample, every 20 ms, the backends waiting for a lock: on a row or table (pg_locks, by
    relation), or on one of PostgreSQL's internal locks (pg_stat_activity's wait event)."""
    import psycopg
    from sqlalchemy.engine import make_url

    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as conn:
        ready.wait()
        stop_at = time.time() + seconds
        while time.time() < stop_at:
            rows = conn.execute(
                "SELECT coalesce(c.relname, l.locktype) FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation "
                "WHERE NOT l.granted"
            ).fetchall()
            internal = conn.execute(
                "SELECT wait_event FROM pg_stat_activity WHERE state = 'active' AND wait_event_type = 'LWLock'"
            ).fetchall()
            samples.append(([row[0] for row in rows], [row[0] for row in internal]))
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


@dataclass
class Measured:
    rate: float
    events: int
    writer_cpu_ms: float  # Python CPU per event, all writers together
    lock_waiters: float  # mean backends waiting for a row or table lock
    internal_waiters: float  # mean backends waiting for an internal (LWLock) lock
    waited_on: str


def measure(url: str, writers: int, seconds: float, postgresql: bool) -> Measured:
    manager = multiprocessing.Manager()
    counts, samples = manager.dict(), manager.list()
    ready = multiprocessing.Barrier(writers + (1 if postgresql else 0))
    processes = [multiprocessing.Process(target=writer, args=(url, n, seconds, ready, counts)) for n in range(writers)]
    if postgresql:
        processes.append(multiprocessing.Process(target=lock_waits, args=(url, seconds, ready, samples)))
    for process in processes:
        process.start()
    for process in processes:
        process.join()
        if process.exitcode:
            raise SystemExit(f"a writer failed (exit code {process.exitcode})")
    events = sum(done for done, _cpu in counts.values())
    cpu_ms = 1000 * sum(cpu for _done, cpu in counts.values()) / max(events, 1)
    waits = statistics.mean(len(rows) for rows, _internal in samples) if samples else 0.0
    internal = statistics.mean(len(names) for _rows, names in samples) if samples else 0.0
    on = Counter(name for rows, _internal in samples for name in rows).most_common(2)
    return Measured(events / seconds, events, cpu_ms, waits, internal, ", ".join(f"{n} {c}" for n, c in on))


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

    print(
        "| writers | audited transactions / s | Python CPU per event | waiting for a row lock "
        "(mean; on what, samples) | waiting for an internal lock (mean) | events | verify |"
    )
    print("|---|---|---|---|---|---|---|")
    for writers in args.writers:
        url = fresh_database(args.database, args.pg_url, Path(os.environ["PORTAL_INSTANCE_PATH"]))
        migrate(url)
        run = measure(url, writers, args.seconds, postgresql)
        app = _app(url)
        with app.app_context():
            started = time.perf_counter()
            problem = verify()
            took = time.perf_counter() - started
            db.session.remove()
            db.engine.dispose()
        outcome = "intact" if problem is None else f"BROKEN: {problem}"
        rows = f"{run.lock_waiters:.1f} ({run.waited_on or 'none'})" if postgresql else "-"
        internal = f"{run.internal_waiters:.1f}" if postgresql else "-"
        print(
            f"| {writers} | {run.rate:,.0f} | {run.writer_cpu_ms:.2f} ms | {rows} | {internal} | {run.events:,} "
            f"| {outcome} ({took:.1f} s) |",
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
