"""The encrypted file format on its own: round trips at chunk boundaries and every way to break it."""

from __future__ import annotations

import base64
import io
import os

import pytest

from portal.documents.crypto import (
    HEADER_BYTES,
    TAG_BYTES,
    VERSION,
    VERSION_DERIVED,
    VERSION_ENVELOPE,
    WRAPPED_KEY_BYTES,
    DecryptionError,
    EncryptingWriter,
    KeyConfigError,
    KeyRing,
    UnknownKeyError,
    data_key_id,
    decrypt_chunks,
    encrypted_size,
    key_id_for,
    new_data_key,
    unwrap_data_key,
    wrap_data_key,
)

CHUNK = 4096
KEY = os.urandom(32)
RING = KeyRing(current_id=key_id_for(KEY), keys={key_id_for(KEY): KEY})


def encrypt(data: bytes, *, key: bytes = KEY, write_size: int = 1000) -> bytes:
    sink = io.BytesIO()
    writer = EncryptingWriter(sink, key, key_id_for(key), chunk_size=CHUNK)
    for start in range(0, len(data), write_size):
        writer.write(data[start : start + write_size])
    writer.close()
    return sink.getvalue()


def decrypt(blob: bytes, ring: KeyRing = RING) -> bytes:
    return b"".join(decrypt_chunks(io.BytesIO(blob), ring))


def chunks_of(blob: bytes) -> tuple[bytes, list[bytes]]:
    body = blob[HEADER_BYTES:]
    size = CHUNK + TAG_BYTES
    return blob[:HEADER_BYTES], [body[i : i + size] for i in range(0, len(body), size)]


@pytest.mark.parametrize("write_size", [1, 1000, CHUNK, 3 * CHUNK + 5])
@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17])
def test_round_trip_at_chunk_boundaries(size, write_size):
    data = os.urandom(size)
    blob = encrypt(data, write_size=write_size)
    assert len(blob) == encrypted_size(size, CHUNK)
    assert decrypt(blob) == data


def test_a_reused_write_buffer_does_not_change_what_was_written():
    sink = io.BytesIO()
    writer = EncryptingWriter(sink, KEY, key_id_for(KEY), chunk_size=CHUNK)
    buffer = bytearray(CHUNK)
    for fill in (b"a", b"b", b"c"):
        buffer[:] = fill * CHUNK
        writer.write(buffer)
    writer.close()
    assert decrypt(sink.getvalue()) == b"a" * CHUNK + b"b" * CHUNK + b"c" * CHUNK


def test_same_plaintext_encrypts_differently_each_time():
    # A fresh salt, so a fresh file key, for every file.
    assert encrypt(b"same") != encrypt(b"same")


def test_plaintext_does_not_appear_in_the_file():
    data = b"Victim's name and address " * 400
    assert b"Victim" not in encrypt(data)


def test_dropping_the_final_chunk_is_detected():
    header, chunks = chunks_of(encrypt(os.urandom(3 * CHUNK + 10)))
    with pytest.raises(DecryptionError):
        decrypt(header + b"".join(chunks[:-1]))


def test_dropping_a_whole_final_chunk_of_exact_size_is_detected():
    header, chunks = chunks_of(encrypt(os.urandom(3 * CHUNK)))
    assert len(chunks) == 3
    with pytest.raises(DecryptionError):
        decrypt(header + b"".join(chunks[:2]))


def test_reordering_chunks_is_detected():
    header, chunks = chunks_of(encrypt(os.urandom(3 * CHUNK + 10)))
    with pytest.raises(DecryptionError):
        decrypt(header + chunks[1] + chunks[0] + chunks[2] + chunks[3])


def test_appending_a_chunk_is_detected():
    blob = encrypt(os.urandom(2 * CHUNK + 10))
    header, chunks = chunks_of(blob)
    with pytest.raises(DecryptionError):
        decrypt(blob + chunks[0])


def test_chunk_from_another_file_is_detected():
    header, chunks = chunks_of(encrypt(os.urandom(2 * CHUNK + 10)))
    _, others = chunks_of(encrypt(os.urandom(2 * CHUNK + 10)))
    with pytest.raises(DecryptionError):
        decrypt(header + others[0] + chunks[1] + chunks[2])


@pytest.mark.parametrize("offset", range(0, HEADER_BYTES))
def test_every_header_byte_is_authenticated(offset):
    blob = bytearray(encrypt(b"hello"))
    blob[offset] ^= 0x01
    with pytest.raises((DecryptionError, UnknownKeyError)):
        decrypt(bytes(blob))


def test_truncated_header():
    with pytest.raises(DecryptionError):
        decrypt(encrypt(b"hello")[:20])


def test_nothing_is_yielded_past_a_bad_chunk():
    header, chunks = chunks_of(encrypt(b"a" * (3 * CHUNK)))
    bad = bytearray(chunks[1])
    bad[5] ^= 1
    blocks = decrypt_chunks(io.BytesIO(header + chunks[0] + bytes(bad) + chunks[2]), RING)
    assert next(blocks) == b"a" * CHUNK
    with pytest.raises(DecryptionError):
        next(blocks)


def test_key_ring_reads_old_keys_and_writes_with_the_current_one():
    old, new = os.urandom(32), os.urandom(32)
    ring = KeyRing.from_config(
        {"DOCUMENTS_KEY": base64.b64encode(new).decode(), "DOCUMENTS_OLD_KEYS": " , " + base64.b64encode(old).decode()}
    )
    assert ring.current == new
    assert ring.get(key_id_for(old)) == old
    assert decrypt(encrypt(b"x", key=old), ring) == b"x"
    with pytest.raises(UnknownKeyError):
        ring.get("0" * 16)


@pytest.mark.parametrize("value", [None, "", "not base64!", base64.b64encode(b"short").decode()])
def test_bad_keys_are_refused_with_a_clear_message(value):
    with pytest.raises(KeyConfigError, match="DOCUMENTS_KEY"):
        KeyRing.from_config({"DOCUMENTS_KEY": value})


def test_key_id_reveals_nothing_obvious():
    assert key_id_for(KEY) != KEY.hex()[:16]
    assert len(key_id_for(KEY)) == 16


# ------------------------------------------------------- files sealed under their own data key


def seal(data: bytes, data_key: bytes) -> bytes:
    sink = io.BytesIO()
    writer = EncryptingWriter.for_data_key(sink, data_key, chunk_size=CHUNK)
    writer.write(data)
    writer.close()
    return sink.getvalue()


def open_sealed(blob: bytes, data_key: bytes | None, ring: KeyRing = RING) -> bytes:
    return b"".join(decrypt_chunks(io.BytesIO(blob), ring, data_key=data_key))


@pytest.mark.parametrize("size", [0, 1, CHUNK, 3 * CHUNK + 17])
def test_a_data_key_file_round_trips_and_has_the_same_layout(size):
    data, data_key = os.urandom(size), new_data_key()
    blob = seal(data, data_key)
    assert blob[7] == VERSION_ENVELOPE == VERSION
    assert blob[8:16].hex() == data_key_id(data_key)  # names the data key, not the master key
    assert len(blob) == encrypted_size(size, CHUNK)
    assert open_sealed(blob, data_key) == data


def test_a_data_key_file_cannot_be_opened_with_the_master_key_alone():
    """The property disposal relies on: without the data key from the database there is no way in."""
    blob = seal(b"a copy in an old backup", new_data_key())
    with pytest.raises(DecryptionError, match="own data key"):
        open_sealed(blob, None)
    with pytest.raises(DecryptionError, match="different data key"):
        open_sealed(blob, new_data_key())
    # Nor by relabelling it a derived-key file under the master key: the version is in the
    # authenticated header and in the key derivation.
    relabelled = bytearray(blob)
    relabelled[7] = VERSION_DERIVED
    relabelled[8:16] = bytes.fromhex(RING.current_id)
    with pytest.raises(DecryptionError, match="failed authentication"):
        decrypt(bytes(relabelled))


def test_a_derived_key_file_is_refused_where_its_record_holds_a_data_key():
    with pytest.raises(DecryptionError, match="not sealed under one"):
        open_sealed(encrypt(b"old file"), new_data_key())


def test_a_data_key_file_detects_tampering_and_truncation():
    data_key = new_data_key()
    blob = seal(os.urandom(3 * CHUNK + 5), data_key)
    for damaged in (blob[:-1], blob[: HEADER_BYTES + CHUNK + TAG_BYTES], blob + b"x"):
        with pytest.raises(DecryptionError):
            open_sealed(damaged, data_key)
    header, chunks = chunks_of(blob)
    with pytest.raises(DecryptionError):
        open_sealed(header + chunks[1] + chunks[0] + b"".join(chunks[2:]), data_key)


def test_wrapped_data_keys_open_only_for_their_object_and_master_key():
    data_key = new_data_key()
    wrapped = wrap_data_key(RING, data_key, "a" * 32)
    assert len(wrapped) == WRAPPED_KEY_BYTES and data_key not in wrapped
    assert unwrap_data_key(RING, RING.current_id, wrapped, "a" * 32) == data_key
    assert wrap_data_key(RING, data_key, "a" * 32) != wrapped  # a fresh nonce every time
    with pytest.raises(DecryptionError):
        unwrap_data_key(RING, RING.current_id, wrapped, "b" * 32)  # moved to another object
    flipped = bytearray(wrapped)
    flipped[20] ^= 1
    with pytest.raises(DecryptionError):
        unwrap_data_key(RING, RING.current_id, bytes(flipped), "a" * 32)
    other = os.urandom(32)
    with pytest.raises(UnknownKeyError):
        unwrap_data_key(KeyRing(key_id_for(other), {key_id_for(other): other}), RING.current_id, wrapped, "a" * 32)
    # Relabelled with another configured key's id: the key id is in the associated data.
    both = KeyRing(RING.current_id, {**RING.keys, key_id_for(other): other})
    with pytest.raises(DecryptionError):
        unwrap_data_key(both, key_id_for(other), wrapped, "a" * 32)
