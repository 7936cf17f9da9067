"""A real clamd for the tests: its own signature database (EICAR only), configuration, socket
and TCP port in a temporary folder. There is no network here and no freshclam: nothing is
downloaded. It can be stopped and started again on the same socket and port (tests/health
stops it to see the portal report itself not ready).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from portal.documents.scanner import ClamdScanner, ScannerError

from . import samples

# The scanner's limits for the tests: small enough that a test can exceed them.
CLAMD_STREAM_MAX = 4 * 1024 * 1024


@dataclass
class Clamd:
    socket: str
    tcp_port: int
    temp_dir: Path
    log: Path


def _find_clamd() -> str | None:
    found = shutil.which("clamd")
    if found:
        return found
    for candidate in ("/usr/sbin/clamd", "/usr/local/sbin/clamd"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ClamdDaemon:
    """One clamd process; ``start`` waits until it answers PING, ``stop`` ends it."""

    def __init__(self):
        self.binary = _find_clamd()
        if self.binary is None:
            pytest.fail(
                "clamd is not installed, and the document tests scan with a real ClamAV daemon. "
                "Run `make test` (it installs clamav-daemon) or `apt-get install clamav-daemon`.",
                pytrace=False,
            )
        # A short path: unix socket paths are limited to about 100 characters.
        self.base = Path(tempfile.mkdtemp(prefix="clamd-"))
        database, temp_dir = self.base / "db", self.base / "tmp"
        database.mkdir()
        temp_dir.mkdir()
        # One signature in ClamAV's extended format: Name:TargetType(0 = any):Offset:HexSignature.
        (database / "eicar.ndb").write_text(f"Eicar-Test-Signature:0:0:{samples.EICAR.hex()}\n")
        self.info = Clamd(
            socket=str(self.base / "clamd.sock"), tcp_port=_free_port(), temp_dir=temp_dir, log=self.base / "clamd.log"
        )
        self.conf = self.base / "clamd.conf"
        self.conf.write_text(
            "\n".join(
                [
                    "Foreground yes",
                    f"LocalSocket {self.info.socket}",
                    "LocalSocketMode 600",
                    "FixStaleSocket yes",
                    "TCPAddr 127.0.0.1",
                    f"TCPSocket {self.info.tcp_port}",
                    f"DatabaseDirectory {database}",
                    f"TemporaryDirectory {temp_dir}",
                    f"LogFile {self.info.log}",
                    "LogTime yes",
                    "ScanArchive yes",
                    f"StreamMaxLength {CLAMD_STREAM_MAX // (1024 * 1024)}M",
                    "MaxScanSize 100M",
                    "MaxFileSize 100M",
                    "SelfCheck 3600",
                    "Bytecode no",
                    "OfficialDatabaseOnly no",
                    "LeaveTemporaryFiles no",
                    "",
                ]
            )
        )
        self.process = None

    def start(self) -> Clamd:
        self.process = subprocess.Popen(
            [self.binary, "--config-file", str(self.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        scanner = ClamdScanner(socket_path=self.info.socket, timeout=5)
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                log = self.info.log
                pytest.fail(
                    f"clamd exited with status {self.process.returncode} at start-up:\n"
                    + (log.read_text() if log.exists() else "(no log)"),
                    pytrace=False,
                )
            try:
                if scanner.ping():
                    return self.info
            except ScannerError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail("clamd did not answer PING within 60 seconds", pytrace=False)
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)
