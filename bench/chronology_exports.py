"""Time and memory of the merged chronology's exports, its merge and its import, at 5,000 rows.

    .venv/bin/python bench/chronology_exports.py                  # 5,000 rows, 30 agencies, 3 runs each
    .venv/bin/python bench/chronology_exports.py --rows 20000 --runs 1

The issue's case: 30 agencies and 5,000 chronology rows; Word and Excel exports under 2 s and
memory growth under 100 MB. Pure functions, no app and no database: the route adds one SQL
query and the audit record.

Each phase runs in a process of its own (so one phase's freed memory cannot hide the next
one's), pinned to one CPU, on rows built before the clock starts:

* seconds:      wall time, median of ``--runs``;
* peak RSS:     the growth of the peak resident set size (VmHWM, reset through
                /proc/self/clear_refs) over the resident size just before the phase: what
                the server process really needs, lxml's and zlib's C memory included;
* peak Python:  tracemalloc's peak in a separate run (Python objects only; tracemalloc
                slows the run, so its time is not the one reported).

Results go to stdout as a Markdown table and JSON; docs/PERFORMANCE.md records a run.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PHASES = ("merge", "docx", "xlsx", "csv", "import csv", "import xlsx")
WORDS = [
    "officers",
    "attended",
    "the",
    "address",
    "following",
    "a",
    "call",
    "from",
    "a",
    "neighbour",
    "reporting",
    "raised",
    "voices",
    "victim",
    "said",
    "she",
    "was",
    "fine",
    "and",
    "declined",
    "a",
    "DASH",
    "risk",
    "assessment",
    "perpetrator",
    "had",
    "left",
    "before",
    "arrival",
    "referral",
    "made",
    "to",
    "children's",
    "services",
    "school",
    "reported",
    "child",
    "arriving",
    "late",
    "and",
    "withdrawn",
    "GP",
    "appointment",
    "for",
    "anxiety",
    "medication",
    "reviewed",
    "no",
    "disclosure",
    "made",
    "housing",
    "officer",
    "visited",
    "about",
    "rent",
    "arrears",
    "tenancy",
    "support",
    "offered",
]


@dataclass
class Row:
    occurred_on: date
    occurred_at: clock | None
    agency_name: str
    subject: str
    practitioner: str
    contact_type: str
    what_happened: str
    action_taken: str
    source_reference: str


def make_rows(count: int, agencies: int, seed: int = 7) -> list[Row]:
    """``count`` rows over three years from ``agencies`` agencies, in no order (as from SQL)."""
    rng = random.Random(seed)
    names = [
        f"Agency {n:02d} ({rng.choice(['Police', 'Health', 'Housing', 'Education', 'Social care'])})"
        for n in range(agencies)
    ]
    subjects = ["Adult A (victim)", "Adult B (perpetrator)", "Child C", "Child D"]
    start = date(2021, 1, 1)

    def text(words: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."

    return [
        Row(
            occurred_on=start + timedelta(days=rng.randrange(3 * 365)),
            occurred_at=clock(rng.randrange(24), rng.randrange(60)) if rng.random() < 0.7 else None,
            agency_name=rng.choice(names),
            subject=rng.choice(subjects),
            practitioner=f"Practitioner {rng.randrange(500)}",
            contact_type=rng.choice(["Home visit", "Phone call", "Appointment", "Referral", "Meeting"]),
            what_happened=text(rng.randrange(20, 120)),  # about 150 to 800 characters
            action_taken=text(rng.randrange(5, 40)),
            source_reference=f"REF-{rng.randrange(10**6):06d}",
        )
        for _ in range(count)
    ]


def import_file(kind: str, rows: list[Row]) -> tuple[str, bytes]:
    from portal.trawl.chronology_io import HEADINGS
    from portal.web.exports import csv_bytes, xlsx_bytes

    table = [
        [
            row.occurred_on,
            row.occurred_at,
            row.subject,
            row.practitioner,
            row.contact_type,
            row.what_happened,
            row.action_taken,
            row.source_reference,
        ]
        for row in rows
    ]
    if kind == "import csv":
        return "chronology.csv", csv_bytes(HEADINGS, table)
    return "chronology.xlsx", xlsx_bytes("Chronology", HEADINGS, table)


def job(phase: str, rows: list[Row]):
    from portal.trawl import exports
    from portal.trawl.chronology_io import parse_rows
    from portal.trawl.merged import merge

    if phase == "merge":
        return lambda: merge(rows)
    if phase == "docx":
        return lambda: exports.chronology_docx(rows, case_reference="DHR 1/2024")
    if phase == "xlsx":
        return lambda: exports.chronology_xlsx(rows, case_reference="DHR 1/2024")
    if phase == "csv":
        return lambda: exports.chronology_csv(rows, case_reference="DHR 1/2024")
    name, data = import_file(phase, rows)
    subjects = sorted({row.subject for row in rows})

    def parse():
        result = parse_rows(name, data, subjects, max_rows=len(rows), max_bytes=len(data))
        assert not result.errors, result.errors[:3]
        return result

    return parse


def status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def measure(phase: str, count: int, agencies: int, runs: int) -> dict:
    """One phase, in this process: median seconds, peak RSS growth, peak Python memory."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    rows = make_rows(count, agencies)
    run = job(phase, rows)
    seconds, growth, size = [], [], 0
    for _ in range(runs):
        gc.collect()
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM back to the current RSS
        before = status_kb("VmRSS")
        start = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - start)
        growth.append((status_kb("VmHWM") - before) / 1024)
        size = len(result) if isinstance(result, bytes) else 0
        del result
    gc.collect()
    tracemalloc.start()
    run()
    python_peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
    tracemalloc.stop()
    return {
        "phase": phase,
        "rows": count,
        "agencies": agencies,
        "seconds": statistics.median(seconds),
        "seconds_max": max(seconds),
        "peak_rss_growth_mb": max(growth),
        "peak_python_mb": python_peak,
        "bytes": size,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--agencies", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", nargs="*", choices=PHASES)
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)  # a child process's one phase
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(measure(args.phase, args.rows, args.agencies, args.runs)))
        return

    results = []
    for phase in args.only or PHASES:
        command = [
            sys.executable,
            __file__,
            "--phase",
            phase,
            "--rows",
            str(args.rows),
            "--agencies",
            str(args.agencies),
            "--runs",
            str(args.runs),
        ]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603
        results.append(json.loads(output.strip().splitlines()[-1]))

    print(
        f"{args.rows:,} rows, {args.agencies} agencies, median of {args.runs} runs, one CPU "
        f"(Python {platform.python_version()}, {platform.machine()})\n"
    )
    print("| Phase | Seconds (median / worst) | Peak RSS growth | Peak Python memory | File size |")
    print("|---|---|---|---|---|")
    for result in results:
        size = f"{result['bytes'] / 1024 / 1024:.1f} MB" if result["bytes"] else ""
        print(
            f"| {result['phase']} | {result['seconds']:.2f} / {result['seconds_max']:.2f} | "
            f"{result['peak_rss_growth_mb']:.0f} MB | {result['peak_python_mb']:.0f} MB | {size} |"
        )
    print()
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
