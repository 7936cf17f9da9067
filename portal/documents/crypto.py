"""Streaming AES-256-GCM for stored documents.

File layout (all integers big-endian)::

    header  = MAGIC (7 bytes) | VERSION (1) | key id (8) | salt (32) | chunk size (4)
    body    = chunk_0 | chunk_1 | ... | chunk_n       each chunk = ciphertext | 16-byte tag

Why this shape:

* A file is never held whole in memory: it is cut into fixed-size chunks, each
  sealed on its own, so encryption and decryption need one chunk of memory.
* Every file gets its own key, derived with HKDF from a key (the master key, or the
  document's own data key: see the versions below) and a random salt in the header.
  Nonces can therefore be a plain chunk counter without any risk of reuse across
  files, which a single master key with random 96-bit nonces could not promise for ever.
* The nonce is ``counter (11 bytes) | final flag (1 byte)`` (the STREAM construction
  of Hoang, Reyhanitabar, Rogaway and Vizar). Chunks cannot be reordered (the counter
  is authenticated), dropped from the end (the last chunk must carry the final flag)
  or extended (nothing may follow the final chunk).
* The header is the associated data of every chunk, so a changed version, key id, salt
  or chunk size makes every chunk fail to authenticate.

Two versions, one layout:

* ``VERSION_DERIVED`` (1, the first files): the key id names a master key (DOCUMENTS_KEY)
  and the file key is HKDF(master, salt). Anyone holding the master key and a copy of the
  file can read it, however long ago the document was deleted.
* ``VERSION_ENVELOPE`` (2, every file written now): each document has its own random
  256-bit *data key*, kept only in the database, wrapped (AES-256-GCM) by the master key
  with the document's storage key as associated data (``wrap_data_key``). The header's key
  id names the data key (a domain-separated hash of it, so the wrong data key is caught
  before any chunk is tried) and the file key is HKDF(data key, salt). Destroying the
  wrapped key makes every copy of the file unreadable, including copies in old backups, and
  rotating the master key re-wraps 60 bytes instead of rewriting the file.

Wrapping uses a random 96-bit nonce under the master key. That is safe here where it would
not be for file chunks: a master key wraps one data key per document and per rotation,
many orders of magnitude below the 2**32 messages a random GCM nonce allows.

Non-final chunks are always exactly ``chunk size`` bytes of plaintext; the final
chunk holds the remainder (0 bytes for an empty file), so a reader can tell the
final chunk apart by looking one chunk ahead.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"DARRDOC"
VERSION_DERIVED = 1
VERSION_ENVELOPE = 2
VERSION = VERSION_ENVELOPE  # what new documents are written as
KEY_ID_BYTES = 8
SALT_BYTES = 32
TAG_BYTES = 16
HEADER = struct.Struct(">7sB8s32sI")
HEADER_BYTES = HEADER.size
DEFAULT_CHUNK_SIZE = 1024 * 1024
# Bounds on the chunk size read back from a header: checked before the header is
# authenticated (by the first chunk), so a forged header cannot make us allocate much.
MIN_CHUNK_SIZE = 4 * 1024
MAX_CHUNK_SIZE = 16 * 1024 * 1024
HKDF_INFO = {
    VERSION_DERIVED: b"darr-portal documents v1 file key",
    VERSION_ENVELOPE: b"darr-portal documents v2 file key",
}
DATA_KEY_BYTES = 32
WRAP_NONCE_BYTES = 12
WRAPPED_KEY_BYTES = WRAP_NONCE_BYTES + DATA_KEY_BYTES + TAG_BYTES


class DecryptionError(Exception):
    """The stored bytes are not what was written: tampered, truncated or the wrong key."""


class UnknownKeyError(LookupError):
    """No key with the id a file was written under is configured."""


class KeyConfigError(ValueError):
    """DOCUMENTS_KEY / DOCUMENTS_OLD_KEYS do not hold 32-byte base64 keys."""


def key_id_for(key: bytes) -> str:
    """16 hex characters naming a key without revealing it (domain-separated SHA-256)."""
    return hashlib.sha256(b"darr-portal documents key id\x00" + key).hexdigest()[: KEY_ID_BYTES * 2]


def data_key_id(data_key: bytes) -> str:
    """16 hex characters naming a document's data key (another domain than master key ids)."""
    return hashlib.sha256(b"darr-portal document data key id\x00" + data_key).hexdigest()[: KEY_ID_BYTES * 2]


def decode_key(value: str, name: str = "DOCUMENTS_KEY") -> bytes:
    try:
        key = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyConfigError(f"{name} must be 32 bytes encoded in base64") from exc
    if len(key) != 32:
        raise KeyConfigError(f"{name} must be 32 bytes encoded in base64 (got {len(key)} bytes)")
    return key


@dataclass(frozen=True)
class KeyRing:
    """The current key (new files) and older keys still accepted for reading."""

    current_id: str
    keys: dict[str, bytes]

    @classmethod
    def from_config(cls, config, name: str = "DOCUMENTS_KEY", old_name: str = "DOCUMENTS_OLD_KEYS") -> KeyRing:
        """The ring from settings ``name`` (current key) and ``old_name`` (comma-separated older keys).

        Documents use DOCUMENTS_KEY; authenticator secrets their own TOTP_KEY (portal/auth/sealing.py).
        """
        current = config.get(name)
        if not current:
            raise KeyConfigError(f"{name} is not set: generate one with `flask documents generate-key`")
        current_key = decode_key(current, name)
        keys = {key_id_for(current_key): current_key}
        for item in (config.get(old_name) or "").split(","):
            if item.strip():
                old = decode_key(item, old_name)
                keys.setdefault(key_id_for(old), old)
        return cls(current_id=key_id_for(current_key), keys=keys)

    @property
    def current(self) -> bytes:
        return self.keys[self.current_id]

    def get(self, key_id: str) -> bytes:
        try:
            return self.keys[key_id]
        except KeyError:
            raise UnknownKeyError(
                f"no configured key has id {key_id}: add it to DOCUMENTS_OLD_KEYS to read this file"
            ) from None


def _file_key(key: bytes, salt: bytes, version: int = VERSION_DERIVED) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=HKDF_INFO[version]).derive(key)
    return AESGCM(derived)


# ----------------------------------------------------------------- data keys (VERSION_ENVELOPE)


def new_data_key() -> bytes:
    return os.urandom(DATA_KEY_BYTES)


def _wrap_aad(storage_key: str, master_key_id: str) -> bytes:
    # Bound to the object it opens and to the master key named beside it: a wrapped key copied
    # onto another document's record, or relabelled with another key id, does not unwrap.
    return b"darr-portal document data key\x00" + storage_key.encode() + b"\x00" + master_key_id.encode()


def wrap_data_key(keyring: KeyRing, data_key: bytes, storage_key: str) -> bytes:
    """``data_key`` sealed under the ring's current master key: nonce | ciphertext | tag (60 bytes)."""
    if len(data_key) != DATA_KEY_BYTES:
        raise ValueError("a data key is 32 bytes")
    nonce = os.urandom(WRAP_NONCE_BYTES)
    return nonce + AESGCM(keyring.current).encrypt(nonce, data_key, _wrap_aad(storage_key, keyring.current_id))


def unwrap_data_key(keyring: KeyRing, master_key_id: str, wrapped: bytes, storage_key: str) -> bytes:
    """The data key of the document stored under ``storage_key``. Raises ``DecryptionError``
    (altered, or wrapped for another object) or ``UnknownKeyError`` (master key not configured)."""
    master = keyring.get(master_key_id)
    wrapped = bytes(wrapped)
    if len(wrapped) != WRAPPED_KEY_BYTES:
        raise DecryptionError("the document's wrapped data key is not of the expected length")
    try:
        return AESGCM(master).decrypt(
            wrapped[:WRAP_NONCE_BYTES], wrapped[WRAP_NONCE_BYTES:], _wrap_aad(storage_key, master_key_id)
        )
    except InvalidTag:
        raise DecryptionError("the document's wrapped data key failed authentication") from None


def _nonce(counter: int, final: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


class EncryptingWriter:
    """Write plaintext in, sealed chunks go out to ``sink``. Call ``close()`` to seal the last chunk.

    ``close()`` does not close the sink: the storage backend owns it.

    ``key`` is a master key named by ``key_id`` (``VERSION_DERIVED``, as backup archives are
    written) or, with ``version=VERSION_ENVELOPE``, a document's data key (``for_data_key``).
    """

    def __init__(
        self,
        sink: BinaryIO,
        key: bytes,
        key_id: str,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        version: int = VERSION_DERIVED,
    ):
        if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
            raise ValueError("chunk size out of range")
        if version not in HKDF_INFO:
            raise ValueError("unknown document file version")
        salt = os.urandom(SALT_BYTES)
        self._header = HEADER.pack(MAGIC, version, bytes.fromhex(key_id), salt, chunk_size)
        self._aead = _file_key(key, salt, version)
        self._sink = sink
        self._chunk_size = chunk_size
        # A full chunk is held back until we know more follows, because the last chunk
        # must be sealed with the final flag; a shorter tail waits in _partial.
        self._held: bytes | memoryview | None = None
        self._partial = bytearray()
        self._counter = 0
        self._closed = False
        sink.write(self._header)

    @classmethod
    def for_data_key(cls, sink: BinaryIO, data_key: bytes, *, chunk_size: int = DEFAULT_CHUNK_SIZE):
        """A ``VERSION_ENVELOPE`` file: readable only with ``data_key``, which the caller wraps and keeps."""
        return cls(sink, data_key, data_key_id(data_key), chunk_size=chunk_size, version=VERSION_ENVELOPE)

    def write(self, data: bytes) -> None:
        if self._closed:
            raise ValueError("write to a closed EncryptingWriter")
        view = memoryview(data).cast("B")
        size = self._chunk_size
        while view:
            if not self._partial and len(view) >= size:
                # Whole chunks straight from the caller's bytes: no copy. Anything mutable
                # is copied, since the caller may reuse its buffer before we seal.
                chunk = view[:size] if isinstance(data, bytes) else bytes(view[:size])
                view = view[size:]
                self._push(chunk)
            else:
                take = min(size - len(self._partial), len(view))
                self._partial += view[:take]
                view = view[take:]
                if len(self._partial) == size:
                    self._push(bytes(self._partial))
                    self._partial = bytearray()

    def _push(self, chunk: bytes | memoryview) -> None:
        if self._held is not None:
            self._seal(self._held, final=False)
        self._held = chunk

    def close(self) -> None:
        if self._closed:
            return
        if self._partial or self._held is None:
            if self._held is not None:
                self._seal(self._held, final=False)
            self._seal(bytes(self._partial), final=True)
        else:
            self._seal(self._held, final=True)  # the size was an exact number of chunks
        self._held = None
        self._partial = bytearray()
        self._closed = True

    def _seal(self, chunk: bytes | memoryview, *, final: bool) -> None:
        self._sink.write(self._aead.encrypt(_nonce(self._counter, final), chunk, self._header))
        self._counter += 1


def parse_header(raw: bytes) -> tuple[int, str, bytes, int]:
    """(version, key id, salt, chunk size) of a raw header. Not yet authenticated."""
    if len(raw) != HEADER_BYTES:
        raise DecryptionError("file is shorter than its header")
    magic, version, key_id, salt, chunk_size = HEADER.unpack(raw)
    if magic != MAGIC or version not in HKDF_INFO:
        raise DecryptionError("not a document file of a known version")
    if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
        raise DecryptionError("chunk size out of range")
    return version, key_id.hex(), salt, chunk_size


def read_header(source: BinaryIO) -> tuple[bytes, str, bytes, int]:
    """Parse the header: (raw header, key id, salt, chunk size). Not yet authenticated."""
    raw = source.read(HEADER_BYTES)
    _version, key_id, salt, chunk_size = parse_header(raw)
    return raw, key_id, salt, chunk_size


def file_version(source: BinaryIO) -> int:
    """The version in the header at ``source``'s position (the position moves past it)."""
    return parse_header(source.read(HEADER_BYTES))[0]


def decrypt_chunks(
    source: BinaryIO,
    keyring: KeyRing | None,
    *,
    expect_key_id: str | None = None,
    data_key: bytes | None = None,
) -> Iterator[bytes]:
    """Yield authenticated plaintext chunks from ``source`` (positioned at the header).

    A ``VERSION_DERIVED`` file is opened with the master key its header names (from
    ``keyring``; ``expect_key_id`` is the key its record names). A ``VERSION_ENVELOPE`` file
    only with its ``data_key`` (unwrapped from the record by the caller): without it there is
    no way in, whatever master keys are configured. The two never substitute for each other,
    so a record with a data key cannot be made to accept a derived-key file, nor the reverse.

    Each chunk is yielded only after its tag has been checked, so no unauthenticated
    byte ever leaves this function. Truncation, reordering, appended data and a
    missing final chunk all raise ``DecryptionError`` - but only when reached, so a
    caller that must not emit anything from a bad file verifies it completely first
    (see services.send_document).
    """
    header = source.read(HEADER_BYTES)
    version, key_id, salt, chunk_size = parse_header(header)
    if version == VERSION_ENVELOPE:
        if data_key is None:
            raise DecryptionError(
                "file is sealed under its own data key, which its record does not hold (destroyed at disposal?)"
            )
        if key_id != data_key_id(data_key):
            raise DecryptionError("file was written under a different data key than its record holds")
        aead = _file_key(data_key, salt, version)
    else:
        if data_key is not None:
            raise DecryptionError("its record holds a data key but the file is not sealed under one")
        if expect_key_id is not None and key_id != expect_key_id:
            raise DecryptionError("file was written under a different key than its record says")
        if keyring is None:
            raise UnknownKeyError("no master keys given to read a derived-key file")
        aead = _file_key(keyring.get(key_id), salt, version)
    sealed_size = chunk_size + TAG_BYTES
    counter = 0
    pending = source.read(sealed_size)
    while True:
        # Look one chunk ahead: the current chunk is final exactly when nothing follows.
        following = source.read(sealed_size) if len(pending) == sealed_size else b""
        final = not following
        if len(pending) < TAG_BYTES:
            raise DecryptionError("file is truncated")
        if not final and len(pending) != sealed_size:
            raise DecryptionError("file is truncated")
        try:
            yield aead.decrypt(_nonce(counter, final), pending, header)
        except InvalidTag:
            raise DecryptionError(f"chunk {counter} failed authentication") from None
        if final:
            return
        counter += 1
        pending = following


def encrypted_size(plain_size: int, chunk_size: int = DEFAULT_CHUNK_SIZE) -> int:
    """Bytes on disk for ``plain_size`` bytes of plaintext (used by tests and the benchmark)."""
    chunks = max(1, -(-plain_size // chunk_size))
    return HEADER_BYTES + plain_size + chunks * TAG_BYTES
