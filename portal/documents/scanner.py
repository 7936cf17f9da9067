"""A small clamd client speaking INSTREAM over a unix or TCP socket.

Protocol (clamd(8)): send ``zINSTREAM\\0``, then chunks each prefixed with a 4-byte
big-endian length, then a zero-length chunk; clamd answers one NUL-terminated line:
``stream: OK``, ``stream: <signature> FOUND`` or ``<message> ERROR``.

The client is fed while the upload is being encrypted, so a file is read once for
hashing, encryption and scanning together.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

# clamd rejects a single chunk larger than its StreamMaxLength; our chunks are far smaller.
MAX_CHUNK = 256 * 1024
MAX_REPLY = 4096


class ScannerError(Exception):
    """The file could not be scanned. Uploads are refused: we fail closed."""


class ScannerUnavailable(ScannerError):
    """clamd could not be reached, or stopped answering."""


@dataclass(frozen=True)
class ScanResult:
    clean: bool
    signature: str | None = None


class ClamdScanner:
    """Connection settings for one clamd; every scan opens its own connection."""

    def __init__(
        self, *, socket_path: str | None = None, host: str | None = None, port: int = 3310, timeout: float = 30
    ):
        if not socket_path and not host:
            raise ValueError("a clamd socket path or host is needed")
        self.socket_path = socket_path
        self.host = host
        self.port = int(port)
        self.timeout = float(timeout)

    @classmethod
    def from_config(cls, config) -> ClamdScanner | None:
        """The configured scanner, or None when neither CLAMD_SOCKET nor CLAMD_HOST is set."""
        if config.get("CLAMD_SOCKET"):
            return cls(socket_path=config["CLAMD_SOCKET"], timeout=config.get("CLAMD_TIMEOUT") or 30)
        if config.get("CLAMD_HOST"):
            return cls(
                host=config["CLAMD_HOST"],
                port=config.get("CLAMD_PORT") or 3310,
                timeout=config.get("CLAMD_TIMEOUT") or 30,
            )
        return None

    def __repr__(self) -> str:
        where = self.socket_path or f"{self.host}:{self.port}"
        return f"<ClamdScanner {where}>"

    def _connect(self) -> socket.socket:
        try:
            if self.socket_path:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(self.timeout)
                sock.connect(self.socket_path)
            else:
                sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
                sock.settimeout(self.timeout)
        except OSError as exc:
            raise ScannerUnavailable(f"cannot connect to clamd at {self!r}: {exc}") from exc
        return sock

    def _command(self, command: bytes) -> str:
        sock = self._connect()
        try:
            sock.sendall(b"z" + command + b"\0")
            return _read_reply(sock)
        except OSError as exc:
            raise ScannerUnavailable(f"clamd at {self!r} did not answer: {exc}") from exc
        finally:
            sock.close()

    def ping(self) -> bool:
        """True when clamd answers PONG (for health checks); raises ScannerUnavailable otherwise."""
        return self._command(b"PING") == "PONG"

    def version(self) -> str:
        """clamd's version and signature database version, e.g. ``ClamAV 1.4.6/27000/...``."""
        return self._command(b"VERSION")

    def session(self) -> ScanSession:
        """Start an INSTREAM scan: ``feed`` bytes, then ``finish`` for the verdict."""
        return ScanSession(self)

    def scan_bytes(self, data: bytes) -> ScanResult:
        with self.session() as scan:
            scan.feed(data)
            return scan.finish()


class ScanSession:
    def __init__(self, scanner: ClamdScanner):
        self._scanner = scanner
        self._sock = scanner._connect()
        self._broken: OSError | None = None
        try:
            self._sock.sendall(b"zINSTREAM\0")
        except OSError as exc:
            self.close()
            raise ScannerUnavailable(f"clamd at {scanner!r} refused the scan: {exc}") from exc

    def feed(self, data: bytes) -> None:
        if self._broken is not None:
            return  # clamd hung up (e.g. stream too long); its reason is read in finish()
        view = memoryview(data)
        try:
            for start in range(0, len(view), MAX_CHUNK):
                piece = view[start : start + MAX_CHUNK]
                self._sock.sendall(struct.pack(">I", len(piece)) + piece)
        except OSError as exc:
            self._broken = exc

    def finish(self) -> ScanResult:
        try:
            if self._broken is None:
                try:
                    self._sock.sendall(b"\0\0\0\0")
                except OSError as exc:
                    self._broken = exc
            # Even after a broken pipe clamd's reason (e.g. "size limit exceeded") may be waiting.
            reply = _read_reply(self._sock)
        except OSError as exc:
            raise ScannerUnavailable(f"clamd at {self._scanner!r} stopped answering: {exc}") from exc
        finally:
            self.close()
        return parse_reply(reply)

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> ScanSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _read_reply(sock: socket.socket) -> str:
    reply = bytearray()
    while not reply.endswith(b"\0") and len(reply) < MAX_REPLY:
        data = sock.recv(MAX_REPLY)
        if not data:
            break
        reply += data
    if not reply:
        raise ScannerUnavailable("clamd closed the connection without an answer")
    return reply.rstrip(b"\0").decode("utf-8", "replace").strip()


def parse_reply(reply: str) -> ScanResult:
    """Turn clamd's answer into a verdict; anything unexpected is an error, never 'clean'."""
    if reply == "stream: OK":
        return ScanResult(clean=True)
    if reply.startswith("stream: ") and reply.endswith(" FOUND"):
        return ScanResult(clean=False, signature=reply[len("stream: ") : -len(" FOUND")].strip())
    raise ScannerError(f"clamd could not scan the file: {reply[:200]}")
