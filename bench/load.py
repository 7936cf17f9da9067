"""Pages under load: the portal beside a bare Flask "hello" and a 25-row template, same gunicorn.

    make bench                                   # everything below, about 45 minutes on 2 cores
    .venv/bin/python bench/load.py --quick       # one round of 3 s runs, 1,000 cases, SQLite only
    .venv/bin/python bench/load.py --databases postgresql --sizes 1000 --rounds 3
    .venv/bin/python bench/load.py --nodes 2 --sizes 1000 --rounds 3    # two nodes, as in production

For each database (SQLite in a temporary directory; PostgreSQL in a database of its own,
``--pg-url``, dropped and created afresh) and each data size, it builds the data set with
the portal's own commands (``flask db upgrade``, ``flask demo load``, ``flask demo generate``:
ten years of invented reviews), starts the portal under gunicorn (2 sync workers), signs
each demo role in through the real sign-in form (password and a TOTP code, once per role
and server), and drives every page of ``bench/pages.py`` with wrk (50 connections). Each
portal run is preceded by a run of the bare "hello" app, so every ratio compares two runs
a few seconds apart on a machine whose other load changes; the rounds repeat the whole
sequence. Before and after each page's runs one request checks the page still answers 200
(so the session stayed signed in) and reads its ``X-SQL-Statements`` header (the portal
counts statements per request when started with ``PORTAL_COUNT_SQL=1``).

``--nodes 2`` runs two of each server (the portal, and hello and the 25-row template beside it)
the way production does (docs/DEPLOYMENT.md, "Several nodes behind one proxy"): on PostgreSQL,
Redis for the throttling counters (``--redis-url``, under a key prefix of this run's own) and an
S3-compatible document store (moto's server mode, started on a free loopback port). Each
measurement is one wrk per node at the same moment, the connections split between them; the
table gives their req/s added up and the slower node's latencies. Signed in once, on the first
node: the same cookie serves every node.

The results go into ``docs/PERFORMANCE.md`` between the markers this script owns
(``--output`` to write elsewhere) and, as JSON, into the run directory.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from bench.pages import DOWNLOADS, PAGES, Download, Page  # noqa: E402

START_MARK = "<!-- bench/load.py results: start -->"
END_MARK = "<!-- bench/load.py results: end -->"
WORKERS = 2
TARGETS = {"page": 0.20, "fragment": 0.35}
P95_TARGET_MS = 50
TARGET_SIZE = 1000
DOWNLOAD_TARGET_S = 1.0


# -- processes ----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A gunicorn serving ``app`` with the benchmark's settings; stopped by its own pid."""

    def __init__(self, name: str, app: str, env: dict, log_dir: Path, drain_path: str = "/"):
        self.name, self.port, self.drain_path = name, free_port(), drain_path
        self.base = f"http://127.0.0.1:{self.port}"
        log = open(log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                *("--config", str(ROOT / "bench" / "gunicorn_settings.py")),
                *("--workers", str(WORKERS), "--worker-class", "sync"),
                *("--bind", f"127.0.0.1:{self.port}", "--timeout", "300", "--log-level", "warning"),
                app,
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start-up (see its log)")
            try:
                with urllib.request.urlopen(self.base + "/", timeout=5):  # noqa: S310 - our own server
                    return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start")

    def wrk(self, path: str, seconds: int, connections: int, headers: dict | None = None) -> Run:
        run = wrk(self.base + path, seconds, connections, headers)
        self.drain()
        return run

    def drain(self) -> None:
        """Wait until the requests wrk left queued when it stopped have been served.

        wrk closes its connections at the end of a run, but gunicorn's workers still answer
        every request already accepted or waiting in the listen queue; on a slow page that
        is up to one per connection. A new request is accepted after those, so two in a row
        return only once the next run would have the workers to itself.
        """
        for _ in range(WORKERS):
            with urllib.request.urlopen(self.base + self.drain_path, timeout=600) as response:  # noqa: S310
                response.read()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Nodes:
    """The same app on several gunicorns (``--nodes``), measured together."""

    def __init__(self, servers: list[Server]):
        self.servers = servers
        self.base = servers[0].base

    def wrk(self, path: str, seconds: int, connections: int, headers: dict | None = None) -> Run:
        run = wrk_together([server.base + path for server in self.servers], seconds, connections, headers)
        for server in self.servers:
            server.drain()
        return run

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


def servers(count: int, name: str, app: str, env: dict, log_dir: Path, drain_path: str = "/") -> Server | Nodes:
    if count == 1:
        return Server(name, app, env, log_dir, drain_path)
    return Nodes([Server(f"{name}-node{n + 1}", app, env, log_dir, drain_path) for n in range(count)])


def flask(env: dict, *args: str) -> str:
    result = subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


# -- databases -----------------------------------------------------------------------------------------


@dataclass
class Database:
    kind: str  # "sqlite" or "postgresql"
    url: str

    def create(self) -> None:
        if self.kind == "sqlite":
            path = Path(self.url.removeprefix("sqlite:///"))
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            return
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(self.url)
        server = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{url.database}"')

    def version(self) -> str:
        if self.kind == "sqlite":
            return f"SQLite {sqlite3.sqlite_version}"
        import psycopg
        from sqlalchemy.engine import make_url

        libpq = make_url(self.url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(libpq) as conn:
            return "PostgreSQL " + conn.execute("SHOW server_version").fetchone()[0]


def portal_env(run_dir: Path, database: Database, shared: dict | None = None) -> dict:
    """The portal's environment; ``shared``: the settings of the services several nodes share."""
    env = dict(os.environ)
    env.update(
        {
            "FLASK_APP": "wsgi:app",
            "PORTAL_ENV": "development",
            "PORTAL_INSTANCE_PATH": str(run_dir / "instance"),
            "DATABASE_URL": database.url,
            "PORTAL_COUNT_SQL": "1",
            "PORTAL_DEMO": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            **(shared or {}),
        }
    )
    return env


def shared_services(args: argparse.Namespace, stack: contextlib.ExitStack) -> dict:
    """Redis and an S3-compatible store for several nodes (moto's server mode, stopped with ``stack``)."""
    from tests.s3server import MotoServer

    store = MotoServer().start()
    stack.callback(store.stop)
    return {
        "RATELIMIT_STORAGE_URI": args.redis_url,
        "RATELIMIT_KEY_PREFIX": f"portal-bench-{os.getpid()}-{int(time.time())}",
        **store.environ(store.new_bucket()),
    }


def grow_to(env: dict, have: int, size: int) -> int:
    """Add invented reviews until the data set holds ``size`` (the demo set brings twelve)."""
    if have == 0:
        flask(env, "db", "upgrade")
        flask(env, "demo", "load")
        have = 12
    if size > have:
        flask(env, "demo", "generate", "--cases", str(size - have), "--seed", str(size))
    return max(size, have)


_AGENCY_REQUEST = (
    "SELECT {column} FROM trawl_requests r JOIN organisations o ON o.id = r.organisation_id "
    "WHERE o.name = 'Leicestershire Police' ORDER BY r.id LIMIT 1"
)
_OWNER_ACTION = (
    "SELECT {column} FROM plan_actions a JOIN users u ON u.id = a.owner_id "
    "WHERE u.email = 'action.owner@example.org' ORDER BY a.id LIMIT 1"
)
_DRAFT_VERSION = (
    "SELECT {column} FROM draft_versions v LEFT JOIN draft_circulations ci ON ci.version_id = v.id "
    "LEFT JOIN draft_comments c ON c.circulation_id = ci.id "
    "GROUP BY v.id, v.case_id ORDER BY count(c.id) DESC, v.id LIMIT 1"
)

PLACEHOLDERS = {
    # The case with the longest history: its page has the most to show.
    "case": "SELECT case_id FROM stage_history GROUP BY case_id ORDER BY count(*) DESC, case_id LIMIT 1",
    # The case whose trawl went to the most agencies (a demo case: the demo is always loaded).
    "trawl_case": "SELECT case_id FROM trawl_requests GROUP BY case_id ORDER BY count(*) DESC, case_id LIMIT 1",
    # The case with the most actions (the demo's signed-off reviews have action plans).
    "plan_case": "SELECT case_id FROM plan_actions GROUP BY case_id ORDER BY count(*) DESC, case_id LIMIT 1",
    # A request to the demo agency contact's agency (the police), and its case.
    "agency_request": _AGENCY_REQUEST.format(column="r.id"),
    "agency_case": _AGENCY_REQUEST.format(column="r.case_id"),
    # An action the demo action owner owns, and its case.
    "owner_action": _OWNER_ACTION.format(column="a.id"),
    "owner_case": _OWNER_ACTION.format(column="a.case_id"),
    # The draft version with the most comments (the demo's reviews in drafting), and its case.
    "draft_version": _DRAFT_VERSION.format(column="v.id"),
    "draft_case": _DRAFT_VERSION.format(column="v.case_id"),
    # The demo's review whose identifying details are kept for the Home Office submission.
    "identity_case": "SELECT case_id FROM submission_identity_details ORDER BY case_id LIMIT 1",
}


def resolve(database: Database, path: str) -> str:
    names = re.findall(r"{(\w+)}", path)
    if not names:
        return path
    from sqlalchemy import create_engine, text

    engine = create_engine(database.url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            values = {name: conn.execute(text(PLACEHOLDERS[name])).scalar_one() for name in names}
    finally:
        engine.dispose()
    return path.format(**values)


# -- signing in and checking a page --------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def demo_account(role: str) -> tuple[str, str, str]:
    from portal.demo.people import DEMO_PASSWORD, PEOPLE, demo_secret

    for key, _name, email, *_rest in PEOPLE:
        if key == role:
            return email, DEMO_PASSWORD, demo_secret(email)
    raise KeyError(f"no demo account {role!r}")


def sign_in(base: str, role: str) -> str:
    """Sign ``role`` in through the form; returns the Cookie header its requests will carry."""
    import pyotp

    email, password, secret = demo_account(role)
    for attempt in range(3):
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
        html = opener.open(base + "/sign-in").read().decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        form = {"email": email, "password": password, "code": pyotp.TOTP(secret).now(), "csrf_token": token}
        try:
            opener.open(base + "/sign-in", data=urllib.parse.urlencode(form).encode())
        except urllib.error.HTTPError as response:
            if response.code == 302:
                # One page view, so the cookie carries what pages add to it (the CSRF token).
                with contextlib.suppress(urllib.error.HTTPError):
                    opener.open(base + "/account")
                return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)
            if attempt == 2:
                raise RuntimeError(f"sign-in as {role} refused ({response.code})") from None
        # Each code works once: a code used a moment ago for this account is refused; wait for the next.
        time.sleep(31 - time.time() % 30)
    raise RuntimeError(f"sign-in as {role} failed")


def fetch(base: str, path: str, cookie: str, *, htmx: bool = False) -> tuple[int, int | None, float, int]:
    """One request: status, SQL statements, seconds, bytes."""
    headers = {"Cookie": cookie}
    if htmx:
        headers["HX-Request"] = "true"
    request = urllib.request.Request(base + path, headers=headers)
    opener = urllib.request.build_opener(NoRedirect)
    started = time.perf_counter()
    try:
        with opener.open(request, timeout=300) as response:
            body = response.read()
            status, statements = response.status, response.headers.get("X-SQL-Statements")
    except urllib.error.HTTPError as response:
        body = response.read()
        status, statements = response.code, response.headers.get("X-SQL-Statements")
    elapsed = time.perf_counter() - started
    return status, (int(statements) if statements else None), elapsed, len(body)


# -- wrk ---------------------------------------------------------------------------------------------


@dataclass
class Run:
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    non_2xx: int
    load: float  # one-minute load average when it started


def wrk_command(url: str, seconds: int, connections: int, headers: dict | None = None) -> list[str]:
    command = [
        "wrk",
        *("-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "60s"),
        *("-s", str(ROOT / "bench" / "wrk-report.lua")),
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    return [*command, url]


def wrk(url: str, seconds: int, connections: int, headers: dict | None = None) -> Run:
    load = os.getloadavg()[0]
    finished = subprocess.run(
        wrk_command(url, seconds, connections, headers), capture_output=True, text=True, check=False
    )
    return parse_wrk(url, finished.returncode, finished.stdout, finished.stderr, load)


def wrk_together(urls: list[str], seconds: int, connections: int, headers: dict | None = None) -> Run:
    """One wrk per URL (a node each) at the same moment, sharing the connections; req/s added up."""
    load = os.getloadavg()[0]
    share = max(1, connections // len(urls))
    running = [
        (
            url,
            subprocess.Popen(
                wrk_command(url, seconds, share, headers), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            ),
        )
        for url in urls
    ]
    runs = []
    for url, process in running:
        stdout, stderr = process.communicate()
        runs.append(parse_wrk(url, process.returncode, stdout, stderr, load))
    return Run(
        rps=sum(run.rps for run in runs),
        p50_ms=max(run.p50_ms for run in runs),  # the slower node's: what a person on it would see
        p95_ms=max(run.p95_ms for run in runs),
        p99_ms=max(run.p99_ms for run in runs),
        errors=sum(run.errors for run in runs),
        non_2xx=sum(run.non_2xx for run in runs),
        load=load,
    )


def parse_wrk(url: str, returncode: int, output: str, stderr: str, load: float) -> Run:
    if returncode or "WRK_JSON" not in output:
        raise RuntimeError(f"wrk failed on {url}:\n{output}\n{stderr}")
    data = json.loads(output.split("WRK_JSON", 1)[1].strip().splitlines()[0])
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = sum(data[key] for key in ("connect_errors", "read_errors", "write_errors", "timeouts"))
    return Run(
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=errors,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        load=load,
    )


# -- the benchmark -------------------------------------------------------------------------------------


@dataclass
class Result:
    database: str
    cases: int
    page: str
    kind: str
    path: str
    runs: list[Run] = field(default_factory=list)
    hello: list[Run] = field(default_factory=list)  # the hello run just before each portal run
    statements: int | None = None  # on a request served again (from the page cache, for a kept page)
    built_statements: int | None = None  # on a request that builds the page (not kept)
    built_ms: float | None = None  # such a request's time, one request on its own in a warm worker

    @property
    def ratios(self) -> list[float]:
        return [run.rps / hello.rps for run, hello in zip(self.runs, self.hello, strict=True)]


@dataclass
class Timing:
    database: str
    cases: int
    name: str
    first: float  # the first request, which builds the file (each worker builds its own once)
    seconds: list[float]  # the requests after it
    size_kb: float
    statements: int | None


@dataclass
class Benchmark:
    args: argparse.Namespace
    run_dir: Path
    results: list[Result] = field(default_factory=list)
    timings: list[Timing] = field(default_factory=list)
    baselines: dict[str, list[Run]] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))

    def log(self, message: str) -> None:
        print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)

    def measure(self, database: Database, hello, rows, shared: dict | None = None) -> None:
        env = portal_env(self.run_dir, database, shared)
        nodes = self.args.nodes
        database.create()
        self.versions[database.kind] = database.version()
        have = 0
        for size in sorted(set(self.args.sizes + self.args.register_sizes)):
            self.log(f"{database.kind}: building {size} cases")
            have = grow_to(env, have, size)
            pages = [p for p in PAGES if size in self.args.sizes or (p.register and size in self.args.register_sizes)]
            pages = [p for p in pages if not self.args.only or any(o in p.name for o in self.args.only)]
            portal = servers(nodes, f"portal-{database.kind}-{size}", "wsgi:app", env, self.run_dir, "/sign-in")
            try:
                self._measure_size(database, size, pages, portal, hello, rows)
            finally:
                portal.stop()

    def _measure_size(self, database, size, pages, portal, hello, rows) -> None:
        cookies = {role: sign_in(portal.base, role) for role in sorted({p.role for p in pages})}
        results = []
        for page in pages:
            path = resolve(database, page.path)
            label = database.kind if self.args.nodes == 1 else f"{database.kind}, {self.args.nodes} nodes"
            result = Result(label, size, page.name, page.kind, path)
            # Also warms each worker's caches (templates, prepared statements) before measuring.
            result.statements = self._check(portal, page, path, cookies[page.role])
            result.built_ms, result.built_statements = self._build_cost(portal, page, path, cookies[page.role])
            results.append(result)
        for number in range(self.args.rounds):
            self.log(f"{database.kind}, {size} cases: round {number + 1} of {self.args.rounds}")
            baseline = rows.wrk("/", self.args.duration, self.args.connections)
            self.baselines.setdefault("25-row template", []).append(baseline)
            for page, result in zip(pages, results, strict=True):
                before = hello.wrk("/", self.args.duration, self.args.connections)
                self.baselines.setdefault("hello", []).append(before)
                run = portal.wrk(result.path, self.args.duration, self.args.connections, self._headers(page, cookies))
                result.hello.append(before)
                result.runs.append(run)
                self.log(
                    f"  {page.name}: {run.rps:.0f} req/s ({run.rps / before.rps:.1%} of hello {before.rps:.0f}),"
                    f" p95 {run.p95_ms:.0f} ms"
                )
                self._check(portal, page, result.path, cookies[page.role])
        self.results.extend(results)
        if size in self.args.sizes:
            for download in [d for d in DOWNLOADS if not self.args.only or any(o in d.name for o in self.args.only)]:
                self.timings.append(self._time(database, size, download, portal, cookies))

    @staticmethod
    def _headers(page: Page, cookies: dict) -> dict:
        headers = {"Cookie": cookies[page.role]}
        if page.kind == "fragment":
            headers["HX-Request"] = "true"
        return headers

    def _check(self, portal, page: Page, path: str, cookie: str) -> int | None:
        counts = []
        for server in getattr(portal, "servers", [portal]):  # every node, with the first node's cookie
            for _ in range(6):
                status, statements, _elapsed, _size = fetch(server.base, path, cookie, htmx=page.kind == "fragment")
                if status != 200:
                    raise RuntimeError(
                        f"{page.name} ({path}) answered {status} on {server.base}: not signed in, or broken"
                    )
                counts.append(statements)
        # The fewest of the requests after the first: a request served again. Taking the last one
        # showed a build now and then, when it was the first this page reached in the other worker.
        known = [count for count in counts[1:] if count is not None]
        return min(known) if known else None

    @staticmethod
    def _build_cost(portal, page: Page, path: str, cookie: str) -> tuple[float, int | None]:
        """What building the page costs when it is not kept: the median of five requests one at a
        time, each with a query parameter of its own that the views ignore, so each is a page
        cache miss in warm workers; and the statements the last one ran."""
        seconds, statements = [], None
        for number in range(5):
            unique = f"{path}{'&' if '?' in path else '?'}bench_build={number}"
            status, statements, elapsed, _size = fetch(portal.base, unique, cookie, htmx=page.kind == "fragment")
            if status != 200:
                raise RuntimeError(f"{page.name} ({unique}) answered {status}")
            seconds.append(elapsed)
        return statistics.median(seconds) * 1000, statements

    def _time(self, database: Database, size: int, download: Download, portal, cookies: dict) -> Timing:
        cookie = cookies.get(download.role) or sign_in(portal.base, download.role)
        cookies[download.role] = cookie
        seconds, statements, size_kb = [], None, 0.0
        path = resolve(database, download.path)  # {trawl_case} and the like, as for pages
        for _ in range(self.args.downloads + 1):
            status, statements, elapsed, length = fetch(portal.base, path, cookie)
            if status != 200:
                raise RuntimeError(f"{download.name} answered {status}")
            seconds.append(elapsed)
            size_kb = length / 1024
        self.log(f"  {download.name}: first {seconds[0]:.2f} s, then median {statistics.median(seconds[1:]):.2f} s")
        return Timing(database.kind, size, download.name, seconds[0], seconds[1:], size_kb, statements)

    def run(self) -> None:
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        with contextlib.ExitStack() as stack:
            hello = servers(self.args.nodes, "hello", "bench.baselines:hello", env, self.run_dir)
            stack.callback(hello.stop)
            rows = servers(self.args.nodes, "rows", "bench.baselines:rows", env, self.run_dir)
            stack.callback(rows.stop)
            shared = shared_services(self.args, stack) if self.args.nodes > 1 else None
            for kind in self.args.databases:
                url = f"sqlite:///{self.run_dir / 'portal.db'}" if kind == "sqlite" else self.args.pg_url
                self.measure(Database(kind, url), hello, rows, shared)


# -- the report ------------------------------------------------------------------------------------------


def spread(values: list[float], fmt: str = "{:.0f}") -> str:
    return " / ".join(fmt.format(v) for v in (min(values), statistics.median(values), max(values)))


def verdict(result: Result) -> str:
    if result.cases != TARGET_SIZE:
        return ""
    ratio = statistics.median(result.ratios)
    p95 = statistics.median(run.p95_ms for run in result.runs)
    misses = []
    if ratio < TARGETS[result.kind]:
        misses.append(f"under {TARGETS[result.kind]:.0%}")
    if p95 >= P95_TARGET_MS:
        misses.append(f"p95 over {P95_TARGET_MS} ms")
    return "met" if not misses else "**missed**: " + ", ".join(misses)


def machine(bench: Benchmark) -> list[str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    loads = [run.load for runs in bench.baselines.values() for run in runs]
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False).stdout.split("[")[0]
    import gunicorn

    count = bench.args.nodes
    nodes = f" on each of {count} nodes, with Redis and an S3-compatible store (moto)" if count > 1 else ""

    return [
        "| | |",
        "|---|---|",
        f"| CPU | {cpu}, {os.cpu_count()} cores |",
        f"| system | {platform.platform()} |",
        f"| software | Python {platform.python_version()}, gunicorn {gunicorn.__version__} ({WORKERS} sync workers"
        f"{nodes}), "
        f"{wrk_version.strip()}, {', '.join(bench.versions.values())} |",
        f"| load | one-minute load average {spread(loads, '{:.1f}')} (min / median / max at the start of each run): "
        "the machine's cores are shared with other work, hence the interleaved baseline runs |",
    ]


def report(bench: Benchmark) -> str:
    args = bench.args
    lines = [
        START_MARK,
        "",
        f"### Results ({bench.started:%d %B %Y}, {args.rounds} rounds of {args.duration:g} s runs,"
        f" {args.connections} connections)",
        "",
        "Produced by:",
        "",
        "```",
        f".venv/bin/python bench/load.py {' '.join(args.argv)}".rstrip(),
        "```",
        "",
        *machine(bench),
        "",
        "Baselines (same gunicorn settings; req/s min / median / max over every run):",
        "",
        "| baseline | req/s | p50 / p95 / p99 ms (median run) |",
        "|---|---|---|",
    ]
    for name, runs in bench.baselines.items():
        median_run = sorted(runs, key=lambda run: run.rps)[len(runs) // 2]
        lines.append(
            f"| {name} | {spread([r.rps for r in runs])} | "
            f"{median_run.p50_ms:.1f} / {median_run.p95_ms:.1f} / {median_run.p99_ms:.1f} |"
        )
    lines += [
        "",
        "Pages. *% of hello*: each run's req/s over the hello run just before it, median of the rounds. "
        "Latencies are the medians of the rounds. *Target* (at 1,000 cases): at least 20% of hello "
        "(35% for htmx fragments) and p95 under 50 ms. Under wrk the same page is asked again and again, "
        "so a page the page cache keeps is served from it. *Built in* is what a request costs that "
        "builds the page (one request at a time in warm workers, median of five, each made a page "
        "cache miss by a query parameter of its own), and *SQL: built / again* the statements such a "
        "request runs and those of a request served again.",
        "",
        "| database | cases | page | req/s min / median / max | % of hello | p50 / p95 / p99 ms "
        "| built in ms | SQL: built / again | target |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for result in bench.results:
        runs = result.runs
        latency = " / ".join(
            f"{statistics.median(getattr(run, name) for run in runs):.0f}" for name in ("p50_ms", "p95_ms", "p99_ms")
        )
        failures = sum(run.errors + run.non_2xx for run in runs)
        note = f" ({failures} errors)" if failures else ""
        lines.append(
            f"| {result.database} | {result.cases:,} | {result.page} | {spread([r.rps for r in runs])}{note} | "
            f"{statistics.median(result.ratios):.1%} | {latency} | {_ms(result.built_ms)} | "
            f"{result.built_statements} / {result.statements} | {verdict(result)} |"
        )
    lines += _growth(bench)
    if bench.timings:
        lines += [
            "",
            "Files built on request, one request at a time: the first request, then min / median / max of the"
            f" {args.downloads} after it, in seconds (a worker serves a file it built again while the report is"
            f" unchanged; each of the {WORKERS} workers builds its own). Target under {DOWNLOAD_TARGET_S:g} s at"
            " 1,000 cases, or served from a cache keyed on the data and the parameters.",
            "",
            "| database | cases | file | first request | then | size | SQL / request |",
            "|---|---|---|---|---|---|---|",
        ]
        for timing in bench.timings:
            lines.append(
                f"| {timing.database} | {timing.cases:,} | {timing.name} | {timing.first:.2f} | "
                f"{spread(timing.seconds, '{:.2f}')} | {timing.size_kb:.0f} KB | {timing.statements} |"
            )
    lines += ["", END_MARK]
    return "\n".join(lines) + "\n"


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


def _growth(bench: Benchmark) -> list[str]:
    """Pages measured at two sizes: how their speed and SQL count change with the number of cases."""
    by_key = {(r.database, r.page, r.cases): r for r in bench.results}
    rows = []
    for (database, page, cases), result in by_key.items():
        smaller = [c for (d, p, c) in by_key if (d, p) == (database, page) and c < cases]
        if not smaller:
            continue
        base = by_key[(database, page, max(smaller))]
        change = statistics.median(result.ratios) / statistics.median(base.ratios)
        rows.append(
            f"| {database} | {page} | {base.cases:,} -> {cases:,} | {change:.2f}x | "
            f"{base.built_statements} -> {result.built_statements} |"
        )
    if not rows:
        return []
    return [
        "",
        "Growth with the number of cases (speed relative to hello at the larger size over the smaller):",
        "",
        "| database | page | cases | speed | SQL when built |",
        "|---|---|---|---|---|",
        *rows,
    ]


def write(text: str, output: Path) -> None:
    old = output.read_text() if output.exists() else "# Performance\n"
    if START_MARK in old and END_MARK in old:
        before, rest = old.split(START_MARK, 1)
        after = rest.split(END_MARK, 1)[1]
        new = before + text.rstrip("\n") + after
    else:
        new = old.rstrip("\n") + "\n\n" + text
    output.write_text(new)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="one round of 3 s runs at 1,000 cases (on SQLite unless --databases)"
    )
    parser.add_argument("--databases", nargs="+", choices=["sqlite", "postgresql"], help="default: both")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000], help="every page at these sizes")
    parser.add_argument("--register-sizes", type=int, nargs="*", default=[5000], help="register pages also here")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--downloads", type=int, default=4, help="timed requests per file after the first")
    parser.add_argument("--only", nargs="*", help="only pages and files whose name contains one of these")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/portal_bench"),
        help="a PostgreSQL database for the benchmark alone: it is dropped and created afresh",
    )
    parser.add_argument("--nodes", type=int, default=1, help="portal nodes (2 or more: PostgreSQL, Redis and S3)")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
        help="the Redis several nodes share (their counters get a key prefix of this run's own)",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "PERFORMANCE.md")
    parser.add_argument("--keep", action="store_true", help="keep the run directory (databases, logs)")
    args = parser.parse_args(argv)
    if args.quick:
        args.databases = args.databases or ["sqlite"]
        args.sizes, args.register_sizes = [1000], []
        args.rounds, args.duration, args.downloads = 1, 3, 2
    args.databases = args.databases or ["sqlite", "postgresql"]
    if args.nodes < 1:
        parser.error("--nodes must be 1 or more")
    if args.nodes > 1:
        # Several nodes share one database: SQLite is one machine's file, so PostgreSQL only.
        args.databases = ["postgresql"]
    args.argv = argv
    return args


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk (Debian)")
    run_dir = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    os.environ["PORTAL_INSTANCE_PATH"] = str(run_dir / "instance")  # before portal is imported
    bench = Benchmark(args, run_dir)
    try:
        bench.run()
    finally:
        raw = {
            "results": [asdict(result) for result in bench.results],
            "timings": [asdict(timing) for timing in bench.timings],
            "baselines": {name: [asdict(run) for run in runs] for name, runs in bench.baselines.items()},
        }
        (run_dir / "results.json").write_text(json.dumps(raw, indent=1))
        bench.log(f"raw results: {run_dir / 'results.json'}")
    text = report(bench)
    write(text, args.output)
    print(text)
    if not args.keep:
        for path in run_dir.iterdir():
            if path.name != "results.json":
                shutil.rmtree(path) if path.is_dir() else path.unlink()


if __name__ == "__main__":
    main(sys.argv[1:])
