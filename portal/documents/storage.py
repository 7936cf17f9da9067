"""Where encrypted document bytes live.

``Storage`` is the interface the services use; ``FilesystemStorage`` is the only
backend today. An S3-compatible backend fits the same shape: ``new_object`` maps to a
multipart upload completed by ``commit``, ``open`` to a ranged GET whose ``seek(0)``
re-issues the request with ``If-Match`` on the first ETag (so both passes of a download
read the same object version), ``delete`` to DELETE and ``list_keys`` to a paginated listing.

Backends only ever see ciphertext and opaque random keys: no filename, case or
person is visible in the store.
"""

from __future__ import annotations

import os
import re
import secrets
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

KEY_PATTERN = re.compile(r"^[0-9a-f]{32}$")


class StorageError(Exception):
    """The store could not do what was asked (missing object, bad key, I/O error)."""


def new_key() -> str:
    """A random, unguessable object name (128 bits)."""
    return secrets.token_hex(16)


def check_key(key: str) -> str:
    # Keys come from our own database, but a path is built from them: refuse anything
    # that is not exactly the shape we generate, so no value can climb out of the store.
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise StorageError("invalid storage key")
    return key


class NewObject(ABC):
    """A write in progress. Nothing is visible under ``key`` until ``commit``."""

    key: str

    @abstractmethod
    def write(self, data: bytes) -> None: ...

    @abstractmethod
    def commit(self) -> str:
        """Make the object durable and visible; returns its key."""

    @abstractmethod
    def abort(self) -> None:
        """Throw the partial object away (safe to call more than once, or after commit)."""

    def __enter__(self) -> NewObject:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # Whatever was not committed is discarded, on success or failure alike.
        self.abort()


class Storage(ABC):
    """Stores opaque encrypted objects under random keys."""

    @abstractmethod
    def new_object(self) -> NewObject: ...

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A readable stream of the object; ``seek(0)`` rereads the same bytes."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; a missing object is not an error."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def list_keys(self) -> Iterator[str]:
        """Every committed object (for verification, orphan checks and backups)."""


class _FilesystemObject(NewObject):
    def __init__(self, storage: FilesystemStorage, key: str | None = None):
        self._storage = storage
        self.key = new_key() if key is None else check_key(key)
        incoming = storage.root / ".incoming"
        incoming.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._temp = incoming / f"{self.key}.part"
        # O_EXCL: never write into a file someone else created; 0600: ciphertext only for us.
        fd = os.open(self._temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._file = os.fdopen(fd, "wb", buffering=1024 * 1024)
        self._done = False

    def write(self, data: bytes) -> None:
        self._file.write(data)

    def commit(self) -> str:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        final = self._storage.path_for(self.key)
        final.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if final.exists():  # only a restore names its keys; it never replaces an object
            self.abort()
            raise StorageError(f"stored object {self.key} already exists")
        # Atomic on one filesystem: readers see the whole object or none of it.
        os.replace(self._temp, final)
        _fsync_dir(final.parent)
        self._done = True
        return self.key

    def abort(self) -> None:
        if self._done:
            return
        self._done = True
        self._file.close()
        self._temp.unlink(missing_ok=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FilesystemStorage(Storage):
    """Objects as files under ``root``, fanned out by the first two hex digits of the key."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).resolve()
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)

    def path_for(self, key: str) -> Path:
        key = check_key(key)
        return self.root / key[:2] / key

    def new_object(self) -> NewObject:
        return _FilesystemObject(self)

    def restore_object(self, key: str) -> NewObject:
        """A write under a given key (a restore from backup puts each object back under its own)."""
        return _FilesystemObject(self, key)

    def open(self, key: str) -> BinaryIO:
        try:
            # One file descriptor serves both passes of a download, so replacing the
            # file between them (rename over it) cannot swap what is sent.
            return open(self.path_for(key), "rb")  # noqa: SIM115 - the caller closes it
        except FileNotFoundError as exc:
            raise StorageError(f"no stored object {key}") from exc

    def delete(self, key: str) -> None:
        self.path_for(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self.path_for(key).is_file()

    def list_keys(self) -> Iterator[str]:
        for path in sorted(self.root.glob("[0-9a-f][0-9a-f]/*")):
            if KEY_PATTERN.fullmatch(path.name) and path.parent.name == path.name[:2]:
                yield path.name

    def partial_files(self) -> list[Path]:
        """Uploads interrupted mid-write (a crash); safe to delete when no upload is running."""
        incoming = self.root / ".incoming"
        return sorted(incoming.glob("*.part")) if incoming.is_dir() else []
