"""The S3 store on a real S3-compatible server (moto's server mode): what the filesystem store's
own tests (test_storage.py) check on disk, checked here in the bucket, plus what only an object
store has: multipart parts, If-Match on re-reads, paginated listing, bounded memory per part.
"""

from __future__ import annotations

import base64
import os
import secrets
import tracemalloc

import pytest

from portal.config import ConfigError, load_config
from portal.documents.s3 import MIN_PART_SIZE, ObjectChangedError, S3Storage
from portal.documents.storage import StorageError


@pytest.fixture
def storage(s3_server) -> S3Storage:
    settings = s3_server.settings(s3_server.new_bucket())
    return S3Storage.from_config({**settings, "DOCUMENTS_S3_PART_SIZE": MIN_PART_SIZE})


def in_bucket(storage: S3Storage) -> tuple[list[str], list[str]]:
    """Every object name in the bucket, and every multipart upload not completed."""
    names = [entry["Key"] for entry in storage.client.list_objects_v2(Bucket=storage.bucket).get("Contents", [])]
    uploads = [
        upload["Key"] for upload in storage.client.list_multipart_uploads(Bucket=storage.bucket).get("Uploads", [])
    ]
    return names, uploads


@pytest.mark.parametrize("key", ["../../etc/passwd", "/etc/passwd", "AB" * 16, "a" * 31, "a" * 33, "", None])
def test_keys_that_are_not_ours_are_refused(storage, key):
    with pytest.raises(StorageError):
        storage.open(key)
    with pytest.raises(StorageError):
        storage.delete(key)


def test_a_multipart_object_appears_only_when_committed(storage):
    data = os.urandom(2 * MIN_PART_SIZE + 12345)  # three parts, the last one short
    with storage.new_object() as obj:
        for start in range(0, len(data), 1024 * 1024):
            obj.write(data[start : start + 1024 * 1024])
        assert not storage.exists(obj.key)
        assert in_bucket(storage) == ([], [obj.key])  # parts uploaded, nothing readable
        key = obj.commit()
    assert in_bucket(storage) == ([key], [])
    assert list(storage.list_keys()) == [key]
    with storage.open(key) as handle:
        assert handle.read() == data


def test_an_object_not_committed_leaves_nothing(storage):
    with pytest.raises(RuntimeError), storage.new_object() as obj:
        obj.write(os.urandom(MIN_PART_SIZE + 1))  # one part already uploaded
        raise RuntimeError("upload interrupted")
    assert in_bucket(storage) == ([], [])
    with pytest.raises(RuntimeError), storage.new_object() as obj:
        obj.write(b"half")  # smaller than a part: never sent at all
        raise RuntimeError("upload interrupted")
    assert in_bucket(storage) == ([], [])


def test_reads_are_ranged_and_seek_zero_rereads_the_same_version(storage):
    data = os.urandom(3 * 1024 * 1024)
    with storage.new_object() as obj:
        obj.write(data)
        key = obj.commit()
    with storage.open(key) as handle:
        assert handle.seek(0, 2) == len(data)
        handle.seek(1000)
        assert handle.read(10) == data[1000:1010]
        assert handle.read(10) == data[1010:1020]
        handle.seek(0)
        assert handle.read(5) == data[:5]
        handle.seek(len(data))
        assert handle.read(10) == b""
        # Someone replaces the object: the next GET asks If-Match on the first ETag and is refused.
        storage.client.put_object(Bucket=storage.bucket, Key=key, Body=b"another object")
        handle.seek(0)
        with pytest.raises(ObjectChangedError):
            handle.read(5)


def test_missing_objects(storage):
    key = "0" * 32
    assert not storage.exists(key)
    with pytest.raises(StorageError, match=f"no stored object {key}"):
        storage.open(key)
    storage.delete(key)  # a missing object is not an error


def test_listing_goes_through_every_page(storage):
    storage.list_page_size = 2
    keys = set()
    for _ in range(5):
        with storage.new_object() as obj:
            obj.write(b"x")
            keys.add(obj.commit())
    storage.client.put_object(Bucket=storage.bucket, Key="not-one-of-ours", Body=b"x")
    assert sorted(storage.list_keys()) == sorted(keys)


def test_a_prefix_keeps_the_store_to_its_part_of_the_bucket(s3_server):
    settings = s3_server.settings(s3_server.new_bucket())
    portal = S3Storage.from_config({**settings, "DOCUMENTS_S3_PREFIX": "portal/documents/"})
    with portal.new_object() as obj:
        obj.write(b"ciphertext")
        key = obj.commit()
    portal.client.put_object(Bucket=portal.bucket, Key="f" * 32, Body=b"someone else's")
    assert in_bucket(portal)[0] == sorted([f"portal/documents/{key}", "f" * 32])
    assert list(portal.list_keys()) == [key]


def test_a_restore_never_replaces_an_object(storage):
    with storage.new_object() as obj:
        obj.write(b"original")
        key = obj.commit()
    with pytest.raises(StorageError, match="already exists"), storage.restore_object(key) as target:
        target.write(b"replacement")
        target.commit()
    with storage.open(key) as handle:
        assert handle.read() == b"original"


def test_writing_holds_one_part_in_memory_not_the_file(storage):
    size = 24 * 1024 * 1024
    block = os.urandom(1024 * 1024)
    tracemalloc.start()
    try:
        with storage.new_object() as obj:
            for _ in range(size // len(block)):
                obj.write(block)
            key = obj.commit()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert storage.open(key).seek(0, 2) == size
    assert peak < 3 * MIN_PART_SIZE, f"peak {peak} bytes for a {size}-byte object"


def test_reading_holds_a_few_blocks_in_memory_not_the_file(storage):
    size = 24 * 1024 * 1024
    with storage.new_object() as obj:
        for _ in range(24):
            obj.write(os.urandom(1024 * 1024))
        key = obj.commit()
    tracemalloc.start()
    try:
        with storage.open(key) as handle:
            total = 0
            while block := handle.read(1024 * 1024 + 16):
                total += len(block)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert total == size
    assert peak < 6 * 1024 * 1024, f"peak {peak} bytes for a {size}-byte object"


def test_the_store_is_unreachable_and_says_so(storage):
    from tests.s3server import MotoServer

    elsewhere = S3Storage(storage.bucket, region="eu-west-2", endpoint_url=MotoServer().endpoint)
    with pytest.raises(Exception):  # noqa: B017 - whatever botocore raises for a refused connection
        elsewhere.check(1)
    storage.check(1)


# ---------------------------------------------------------------- settings


def production_env() -> dict:
    def key() -> str:
        return base64.b64encode(secrets.token_bytes(32)).decode()

    return {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DOCUMENTS_KEY": key(),
        "TOTP_KEY": key(),
        "AUDIT_KEY": key(),
        "DATABASE_URL": "postgresql://portal@db.internal/portal",
        "CLAMD_HOST": "clamd.internal",
        "RATELIMIT_STORAGE_URI": "redis://redis.internal:6379/0",
        "MAIL_SERVER": "smtp.internal",
        "PORTAL_BASE_URL": "https://portal.example.org",
    }


S3_ENV = {
    "DOCUMENTS_BACKEND": "s3",
    "DOCUMENTS_S3_BUCKET": "portal-documents",
    "DOCUMENTS_S3_REGION": "eu-west-2",
    "DOCUMENTS_S3_ACCESS_KEY_ID": "AKIDEXAMPLE",
    "DOCUMENTS_S3_SECRET_ACCESS_KEY": "secret",
}


def test_an_unknown_backend_is_refused(monkeypatch):
    monkeypatch.setenv("DOCUMENTS_BACKEND", "ftp")
    with pytest.raises(ConfigError, match="DOCUMENTS_BACKEND"):
        load_config("development")


def test_s3_without_a_bucket_is_refused_even_in_development(monkeypatch):
    monkeypatch.setenv("DOCUMENTS_BACKEND", "s3")
    monkeypatch.delenv("DOCUMENTS_S3_BUCKET", raising=False)
    with pytest.raises(ConfigError, match="DOCUMENTS_S3_BUCKET"):
        load_config("development")


@pytest.mark.parametrize("missing", sorted(set(S3_ENV) - {"DOCUMENTS_BACKEND"}))
def test_production_on_s3_refuses_to_start_without_each_setting(monkeypatch, missing):
    monkeypatch.delenv("PORTAL_DEMO", raising=False)
    for name, value in {**production_env(), **S3_ENV}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigError, match=missing):
        load_config("production")


def test_production_on_s3_wants_https_to_the_store(monkeypatch):
    monkeypatch.delenv("PORTAL_DEMO", raising=False)
    for name, value in {**production_env(), **S3_ENV, "DOCUMENTS_S3_ENDPOINT_URL": "http://minio:9000"}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match="https"):
        load_config("production")
    monkeypatch.setenv("DOCUMENTS_S3_ENDPOINT_URL", "https://minio.internal:9000")
    config = load_config("production")
    assert config["DOCUMENTS_BACKEND"] == "s3" and config["DOCUMENTS_S3_BUCKET"] == "portal-documents"
