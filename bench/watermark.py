"""Per-reader watermarking of a large draft on download (portal/drafts/watermark.py).

    .venv/bin/python bench/watermark.py            # 200-page ~20 MB PDF, ~5 MB DOCX, 5 runs each

The files are generated once into a temporary folder:

* PDF: 200 A4 pages from WeasyPrint, each with a heading, three paragraphs of text and its
  own photograph-like JPEG (noise, so it neither compresses nor deduplicates) to reach 20 MB;
* DOCX: python-docx, three sections (the first with its own first-page header), 1,500
  paragraphs, 30 tables of 10 x 4 cells and 32 distinct JPEGs, about 5 MB.

Each run is a fresh process (so "cold" includes loading the font and the libraries' first
use: the font read and its common subset made) that then stamps the same file again for
another reader ("warm": a worker's later downloads). The module is imported before timing,
as the app imports it at start. Measured: time to the first chunk of ``watermark()``'s
iterator, total time to the last chunk, peak resident set growth (VmHWM reset through
/proc/self/clear_refs, minus VmRSS just before; this includes qpdf's and libxml2's memory,
which tracemalloc cannot see) and, in one extra run per file with tracemalloc on (it slows
Python-heavy work several times, so that run is not timed), peak Python allocations. The
source bytes are in memory before the phase starts, as the document store's decrypted
stream would be. Prints a Markdown table for docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MB = 1024 * 1024
PARAGRAPH = (
    "The panel considered the agencies' contact with the victim over the three years before her death, "
    "including the records of the GP practice, the police and the children's social care service. "
)


def noise_jpeg(seed: int, size: int = 700, quality: int = 85) -> bytes:
    from PIL import Image

    rng = __import__("random").Random(seed)
    image = Image.frombytes("RGB", (size, size), rng.randbytes(size * size * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def make_pdf(path: Path, pages: int = 200, target: int = 20 * MB) -> None:
    import base64

    import weasyprint

    per_page = target // pages
    size = 300
    while len(noise_jpeg(0, size)) < per_page * 0.99:
        size += 20
    body = []
    for n in range(1, pages + 1):
        image = base64.b64encode(noise_jpeg(n, size)).decode()
        body.append(
            f"<section style='page-break-after: always'><h1>Overview Report, page {n}</h1>"
            + f"<p>{PARAGRAPH * 3}</p>" * 3
            + f"<img src='data:image/jpeg;base64,{image}' style='width: 8cm'></section>"
        )
    html = "<html><head><style>@page { size: A4; margin: 2cm }</style></head><body>" + "".join(body) + "</body></html>"
    path.write_bytes(weasyprint.HTML(string=html).write_pdf())


def make_docx(path: Path, target: int = 5 * MB) -> None:
    import docx
    from docx.enum.section import WD_SECTION
    from docx.shared import Cm

    document = docx.Document()
    first = document.sections[0]
    first.header.paragraphs[0].text = "Overview Report"
    first.footer.paragraphs[0].text = "Footer"
    first.different_first_page_header_footer = True
    first.first_page_header.paragraphs[0].text = "Title page"
    images = 32
    text_budget = 1500
    for n in range(text_budget):
        if n and n % 500 == 0:
            document.add_section(WD_SECTION.NEW_PAGE)
        document.add_paragraph(f"{n}. {PARAGRAPH}")
        if n % 50 == 0:
            table = document.add_table(rows=10, cols=4)
            for row in table.rows:
                for cell in row.cells:
                    cell.text = "Agency contact recorded"
        if n % (text_budget // images) == 0:
            document.add_picture(io.BytesIO(noise_jpeg(n, 460)), width=Cm(8))
    out = io.BytesIO()
    document.save(out)
    path.write_bytes(out.getvalue())


def status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def measure_once(kind: str, data: bytes, text: str, *, trace: bool) -> dict:
    import tracemalloc

    from portal.drafts.watermark import watermark

    Path("/proc/self/clear_refs").write_text("5")
    rss_before = status_kb("VmRSS")
    if trace:  # tracemalloc slows Python-heavy work several times: never in a timed run
        tracemalloc.start()
    start = time.perf_counter()
    chunks = watermark(kind, data, text)
    first = next(chunks)
    first_at = time.perf_counter() - start
    size = len(first) + sum(len(chunk) for chunk in chunks)
    total = time.perf_counter() - start
    traced_peak = tracemalloc.get_traced_memory()[1] if trace else 0
    tracemalloc.stop()
    return {
        "first_byte_s": first_at,
        "total_s": total,
        "tracemalloc_peak_mb": traced_peak / MB,
        "rss_growth_mb": (status_kb("VmHWM") - rss_before) / 1024,
        "out_mb": size / MB,
    }


def child(kind: str, path: str, trace: bool) -> None:
    from datetime import UTC, datetime

    from portal.drafts.watermark import stamp_text

    data = Path(path).read_bytes()
    text = stamp_text("Zoë O'Brien (née Ło)", "Leicestershire Police", datetime.now(UTC))
    cold = measure_once(kind, data, text, trace=trace)
    warm = measure_once(kind, data, stamp_text("Jane O'Neil", "Leicestershire Police", datetime.now(UTC)), trace=trace)
    print(json.dumps({"cold": cold, "warm": warm}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"))
    parser.add_argument("--trace", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(*args.child, args.trace)
        return
    with tempfile.TemporaryDirectory() as folder:
        files = {"pdf": Path(folder) / "draft.pdf", "docx": Path(folder) / "draft.docx"}
        started = time.perf_counter()
        make_pdf(files["pdf"])
        make_docx(files["docx"])
        print(f"test files made in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        rows = []
        raw = {}
        for kind, path in files.items():
            runs = []
            for run in range(args.runs + 1):
                traced = ["--trace"] if run == args.runs else []  # the last run: Python's allocations
                result = subprocess.run(
                    [sys.executable, __file__, "--child", kind, str(path), *traced],
                    capture_output=True,
                    text=True,
                    check=True,
                    env={**os.environ, "PYTHONWARNINGS": "ignore"},
                )
                runs.append(json.loads(result.stdout.strip().splitlines()[-1]))
            raw[kind] = runs
            traced_run, runs = runs[-1], runs[:-1]
            if kind == "pdf":
                import pypdf

                pages = len(pypdf.PdfReader(path).pages)
                label = f"PDF, {pages} pages, {path.stat().st_size / MB:.1f} MB"
            else:
                label = f"DOCX, 3 sections, {path.stat().st_size / MB:.1f} MB"
            for phase in ("cold", "warm"):
                values = [run[phase] for run in runs]

                def med(key, values=values):
                    return statistics.median(v[key] for v in values)

                def top(key, values=values):
                    return max(v[key] for v in values)

                rows.append(
                    f"| {label} | {phase} | {med('first_byte_s') * 1000:.0f} | {med('total_s') * 1000:.0f}"
                    f" (max {top('total_s') * 1000:.0f}) | {med('rss_growth_mb'):.0f} (max {top('rss_growth_mb'):.0f})"
                    f" | {traced_run[phase]['tracemalloc_peak_mb']:.0f} | {med('out_mb'):.1f} |"
                )
        print(
            f"{args.runs} runs each, {platform.processor() or platform.machine()}, {os.cpu_count()} cores,"
            f" load average {os.getloadavg()[0]:.1f}, Python {platform.python_version()}\n"
        )
        print("| file | run | first byte ms | total ms (median, max) | peak RSS growth MB | Python peak MB | copy MB |")
        print("|---|---|---|---|---|---|---|")
        print("\n".join(rows))
        print("\n" + json.dumps(raw), file=sys.stderr)


if __name__ == "__main__":
    main()
