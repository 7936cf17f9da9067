"""Throughput and memory of the document store for one large file.

    .venv/bin/python bench/documents.py              # 200 MB, no virus scanner
    .venv/bin/python bench/documents.py --clamd      # also with a real clamd (EICAR-only database)

Measures, through the service layer with the real app, SQLite and the filesystem store:

* upload:   ``store_upload`` streaming from a file on disk (size and type checks,
            SHA-256, AES-256-GCM encryption, write and fsync) and the commit;
* download: ``send_document`` (a full verification pass, then the streaming pass)
            consumed to the end, as the WSGI server would.

The process is pinned to one CPU. Peak memory growth is the peak resident set size
(VmHWM) during a phase minus the resident size just before it; the kernel's peak is
reset between phases through /proc/self/clear_refs. Results go to stdout as a
Markdown table and JSON; docs/PERFORMANCE.md records a run.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MB = 1024 * 1024


def status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def reset_peak() -> None:
    # Writing 5 resets VmHWM to the current RSS (Linux 4.0+).
    Path("/proc/self/clear_refs").write_text("5")


class Phase:
    def __enter__(self):
        reset_peak()
        self.rss_before = status_kb("VmRSS")
        self.start = time.perf_counter()
        self.cpu_start = time.process_time()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
        self.cpu_seconds = time.process_time() - self.cpu_start
        self.peak_growth_mb = (status_kb("VmHWM") - self.rss_before) / 1024


def make_source(path: Path, size: int) -> str:
    """A PDF by its header, random after it (incompressible, like scanned documents)."""
    digest = hashlib.sha256()
    with path.open("wb") as out:
        head = b"%PDF-1.7\n"
        out.write(head)
        digest.update(head)
        left = size - len(head)
        while left:
            block = os.urandom(min(MB, left))
            out.write(block)
            digest.update(block)
            left -= len(block)
        # Flushed to disk now, so the upload is not charged for writing back the source's
        # dirty pages (the kernel throttles writers while too much is dirty).
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()


def start_clamd(base: Path, stream_max: int) -> tuple[subprocess.Popen, str]:
    from portal.documents.scanner import ClamdScanner, ScannerError

    binary = shutil.which("clamd") or "/usr/sbin/clamd"
    (base / "db").mkdir(parents=True)
    (base / "tmp").mkdir()
    eicar = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    (base / "db" / "eicar.ndb").write_text(f"Eicar-Test-Signature:0:0:{eicar.hex()}\n")
    sock = str(base / "clamd.sock")
    limit = f"{stream_max // MB + 16}M"
    (base / "clamd.conf").write_text(
        f"Foreground yes\nLocalSocket {sock}\nDatabaseDirectory {base / 'db'}\n"
        f"TemporaryDirectory {base / 'tmp'}\nLogFile {base / 'clamd.log'}\nScanArchive yes\n"
        f"StreamMaxLength {limit}\nMaxScanSize {limit}\nMaxFileSize {limit}\nBytecode no\n"
    )
    process = subprocess.Popen([binary, "--config-file", str(base / "clamd.conf")], stdout=subprocess.DEVNULL)
    # The benchmark pins itself to one core; clamd is a separate service with its own.
    os.sched_setaffinity(process.pid, range(os.cpu_count() or 1))
    scanner = ClamdScanner(socket_path=sock, timeout=5)
    for _ in range(600):
        try:
            if scanner.ping():
                return process, sock
        except ScannerError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("clamd did not start")


def machine() -> dict:
    import cryptography
    from cryptography.hazmat.backends.openssl.backend import backend

    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )  # fmt: skip
    flags = Path("/proc/cpuinfo").read_text()
    fs = subprocess.run(["df", "-T", tempfile.gettempdir()], capture_output=True, text=True).stdout.splitlines()[-1]
    return {
        "cpu": cpu,
        "cpus_online": os.cpu_count(),
        "aes_ni": " aes " in flags,
        "sha_ni": " sha_ni " in flags,
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "cryptography": cryptography.__version__,
        "openssl": backend.openssl_version_text(),
        "tmp_filesystem": fs.split()[1] if len(fs.split()) > 1 else "?",
    }


def run(size: int, use_clamd: bool) -> dict:
    from portal import create_app
    from portal.documents import Document, send_document, store_upload
    from portal.extensions import db

    work = Path(tempfile.mkdtemp(prefix="bench-documents-"))
    clamd = None
    try:
        source = work / "source.pdf"
        expected = make_source(source, size)
        config = {
            "TESTING": True,
            "PORTAL_ENV": "development",
            "SECRET_KEY": "bench-" + "x" * 32,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'bench.db'}",
            "DOCUMENTS_DIR": str(work / "store"),
            "DOCUMENTS_KEY": base64.b64encode(os.urandom(32)).decode(),
            "MAX_CONTENT_LENGTH": size + MB,
            "CLAMD_SOCKET": None,
            "CLAMD_HOST": None,
        }
        if use_clamd:
            clamd, config["CLAMD_SOCKET"] = start_clamd(work / "clamd", size)
        app = create_app(config)
        from portal import documents

        documents.init_app(app)
        results = {"size_mb": size / MB, "scanner": "clamd (unix socket)" if use_clamd else "none"}
        with app.app_context():
            db.create_all()
            # Warm up imports, the database, the audit chain and the store with a small file.
            store_upload(io.BytesIO(b"%PDF-1.7\n" + os.urandom(4096)), "warm.pdf")
            db.session.commit()

            with source.open("rb") as stream, Phase() as upload:
                document = store_upload(stream, "bench.pdf")
                db.session.commit()
            assert document.sha256 == expected
            document_id = document.id
            db.session.expire_all()

            with app.test_request_context():
                document = db.session.get(Document, document_id)
                with Phase() as download:
                    response = send_document(document)
                    received = 0
                    for block in response.response:
                        received += len(block)
                    response.close()
            assert received == size

            # Correctness, outside the timing: the bytes that come back are the bytes that went in.
            from portal.documents import open_document

            digest = hashlib.sha256()
            with open_document(db.session.get(Document, document_id)) as blocks:
                for block in blocks:
                    digest.update(block)
            assert digest.hexdigest() == expected

        if use_clamd:
            # The scanner alone, for comparison: the same bytes over INSTREAM, nothing else.
            from portal.documents.scanner import ClamdScanner

            scanner = ClamdScanner(socket_path=config["CLAMD_SOCKET"], timeout=120)
            with source.open("rb") as stream, Phase() as scan_only, scanner.session() as session:
                while block := stream.read(MB):
                    session.feed(block)
                assert session.finish().clean
            results["clamd_alone_mb_per_s"] = round(size / MB / scan_only.seconds, 1)

        for name, phase in (("upload", upload), ("download", download)):
            results[name] = {
                "seconds": round(phase.seconds, 3),
                "cpu_seconds": round(phase.cpu_seconds, 3),
                "mb_per_s": round(size / MB / phase.seconds, 1),
                # Less sensitive to a busy machine than wall time (includes kernel time for I/O).
                "mb_per_cpu_s": round(size / MB / phase.cpu_seconds, 1),
                "peak_rss_growth_mb": round(phase.peak_growth_mb, 1),
            }
        return results
    finally:
        if clamd is not None:
            clamd.terminate()
            clamd.wait(10)
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--clamd", action="store_true", help="also scan with a real clamd (needs clamav-daemon)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core

    report = {"machine": machine(), "runs": []}
    for scanner in [False, True] if args.clamd else [False]:
        for _ in range(args.runs):
            report["runs"].append(run(args.size_mb * MB, scanner))

    print("| scanner | upload MB/s (per CPU s) | upload peak RSS growth | download MB/s (per CPU s) "
          "| download peak RSS growth | clamd alone MB/s |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for result in report["runs"]:
        up, down = result["upload"], result["download"]
        print(
            f"| {result['scanner']} | {up['mb_per_s']} ({up['mb_per_cpu_s']}) | {up['peak_rss_growth_mb']} MB "
            f"| {down['mb_per_s']} ({down['mb_per_cpu_s']}) | {down['peak_rss_growth_mb']} MB "
            f"| {result.get('clamd_alone_mb_per_s', '-')} |"
        )
    print(f"\nload average after the runs: {os.getloadavg()}")
    print()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
