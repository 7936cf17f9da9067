"""The backup archive: members framed in one stream, the stream encrypted under ``BACKUP_KEY``.

Layout of the plaintext (all lengths 4 bytes, big-endian)::

    MAGIC
    member*      = length | JSON header {"kind": ..., ...} | block* | 0
    block        = length | bytes          (at most BLOCK bytes each)
    end          = length | JSON header {"kind": "end"}

Members: the database (``kind: database``), each stored document exactly as it is at rest
(``kind: document``, still encrypted under DOCUMENTS_KEY), then the manifest (``kind:
manifest``). Framing in blocks, not tar, so that a member of unknown length - ``pg_dump``'s
output - streams straight into the archive with no plaintext copy on disk.

The stream is encrypted with ``portal.documents.crypto.EncryptingWriter`` (AES-256-GCM in 1 MiB
chunks, a per-archive key derived from BACKUP_KEY and a random salt, chunk counter and final
flag in the nonce): an archive that was changed, cut short or extended fails to authenticate.
``read_archive`` authenticates every chunk before it hands over a byte of a member
(``authenticate``), so a corrupted archive is refused before anything is restored.

Why its own key: whoever holds the archives (an off-site store, a backup operator) should
not be able to read the documents' key-protected content *or* the database, and a leaked
backup key must be replaceable without re-encrypting the document store.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Iterator
from typing import BinaryIO

from flask import current_app

from portal.documents.crypto import (
    DecryptionError,
    EncryptingWriter,
    KeyConfigError,
    KeyRing,
    UnknownKeyError,
    decrypt_chunks,
    read_header,
)

MAGIC = b"DARR-PORTAL-BACKUP 1\n"
BLOCK = 1024 * 1024
_LENGTH = struct.Struct(">I")
MAX_HEADER = 64 * 1024
SUFFIX = ".darrbackup"


class ArchiveError(Exception):
    """The archive cannot be read: wrong key, changed, truncated, or not an archive."""


def keyring(config=None) -> KeyRing:
    config = config if config is not None else current_app.config
    try:
        return KeyRing.from_config(config, "BACKUP_KEY", "BACKUP_OLD_KEYS")
    except KeyConfigError as exc:
        raise ArchiveError(str(exc)) from None


class _HashingSink:
    """Writes through to ``target`` and keeps the SHA-256 of everything written (the archive's own)."""

    def __init__(self, target: BinaryIO):
        self.target, self.digest, self.size = target, hashlib.sha256(), 0

    def write(self, data) -> None:
        self.target.write(data)
        self.digest.update(data)
        self.size += len(data)


class ArchiveWriter:
    """Write members into an encrypted archive on ``target``; ``close()`` seals it."""

    def __init__(self, target: BinaryIO, ring: KeyRing):
        self._sink = _HashingSink(target)
        self._writer = EncryptingWriter(self._sink, ring.current, ring.current_id)
        self._writer.write(MAGIC)
        self.key_id = ring.current_id

    def _frame(self, data: bytes) -> None:
        self._writer.write(_LENGTH.pack(len(data)))
        self._writer.write(data)

    def member(self, header: dict, blocks) -> None:
        """One member: ``header`` then every block of ``blocks`` (bytes or an iterable of bytes)."""
        self._frame(json.dumps(header, sort_keys=True).encode())
        if isinstance(blocks, bytes | bytearray):
            blocks = [bytes(blocks)]
        for block in blocks:
            for start in range(0, len(block), BLOCK):
                piece = block[start : start + BLOCK]
                if piece:
                    self._frame(piece)
        self._writer.write(_LENGTH.pack(0))

    def close(self) -> str:
        """Seal the last chunk; return the archive's SHA-256 (of the bytes on disk)."""
        self._frame(json.dumps({"kind": "end"}).encode())
        self._writer.close()
        return self._sink.digest.hexdigest()


def authenticate(source: BinaryIO, ring: KeyRing) -> tuple[str, bytes]:
    """Decrypt the whole archive without keeping anything; return (its SHA-256, its header).

    Raises ``ArchiveError`` unless every chunk authenticates under a configured backup key
    and the stream ends where it was sealed.
    """
    source.seek(0)
    digest = hashlib.sha256()
    while block := source.read(BLOCK):
        digest.update(block)
    source.seek(0)
    try:
        header = read_header(source)[0]
        source.seek(0)
        for _chunk in decrypt_chunks(source, ring):
            pass
    except UnknownKeyError:
        source.seek(0)
        key_id = read_header(source)[1]
        raise ArchiveError(
            f"the archive was written under backup key {key_id}, which is neither BACKUP_KEY nor in BACKUP_OLD_KEYS"
        ) from None
    except DecryptionError as exc:
        raise ArchiveError(f"the archive is damaged or was changed ({exc})") from None
    return digest.hexdigest(), header


class _Plaintext:
    """The archive's plaintext as a stream: ``read(n)`` returns exactly n bytes or raises."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks, self._buffer = chunks, bytearray()

    def read(self, size: int) -> bytes:
        while len(self._buffer) < size:
            try:
                self._buffer += next(self._chunks)
            except StopIteration:
                raise ArchiveError("the archive ends in the middle of a member") from None
            except DecryptionError as exc:
                raise ArchiveError(f"the archive changed while it was being read ({exc})") from None
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def frame(self, limit: int = BLOCK) -> bytes:
        (length,) = _LENGTH.unpack(self.read(_LENGTH.size))
        if length > limit:
            raise ArchiveError("the archive is not a backup of a known format (a frame is too long)")
        return self.read(length) if length else b""


class Member:
    def __init__(self, header: dict, stream: _Plaintext):
        self.header, self._stream, self._done = header, stream, False

    @property
    def kind(self) -> str:
        return self.header.get("kind", "")

    def blocks(self) -> Iterator[bytes]:
        """The member's bytes, a block at a time (each read once)."""
        while not self._done:
            block = self._stream.frame()
            if not block:
                self._done = True
                return
            yield block

    def read_all(self, limit: int = 256 * 1024 * 1024) -> bytes:
        data = bytearray()
        for block in self.blocks():
            data += block
            if len(data) > limit:
                raise ArchiveError("a member is larger than expected")
        return bytes(data)

    def skip(self) -> None:
        for _block in self.blocks():
            pass


def read_archive(source: BinaryIO, ring: KeyRing, expect_header: bytes | None = None) -> Iterator[Member]:
    """Yield the members in order (each must be read or skipped before the next).

    ``expect_header``: the header ``authenticate`` saw, so that a file swapped between the two
    passes is refused (a different salt means a different key, so no chunk would authenticate).
    """
    source.seek(0)
    header = read_header(source)[0]
    if expect_header is not None and header != expect_header:
        raise ArchiveError("the archive changed while it was being read")
    source.seek(0)
    try:
        stream = _Plaintext(decrypt_chunks(source, ring))
    except (DecryptionError, UnknownKeyError) as exc:
        raise ArchiveError(str(exc)) from None
    if stream.read(len(MAGIC)) != MAGIC:
        raise ArchiveError("the file is not a portal backup of a known version")
    while True:
        raw = stream.frame(MAX_HEADER)
        try:
            member_header = json.loads(raw)
        except ValueError:
            raise ArchiveError("the archive is not a backup of a known format (a member header)") from None
        if member_header.get("kind") == "end":
            return
        member = Member(member_header, stream)
        yield member
        member.skip()
