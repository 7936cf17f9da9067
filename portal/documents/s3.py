"""The document store on S3-compatible object storage (AWS S3, MinIO, Ceph, Garage...).

Same contract as the filesystem store (storage.py), same memory behaviour:

* a write is a multipart upload of ``part_size`` parts (8 MiB by default): at most one part is
  held in memory, and nothing is visible under the key until ``commit`` completes the upload;
  an object smaller than one part goes up as a single PUT at commit, just as invisible before.
* a read is a ranged GET streamed from the current position; ``seek`` drops the response and
  the next read asks again from there. Every GET carries ``If-Match`` with the ETag seen when
  the object was opened, so both passes of a download (downloads.py) read the same version:
  an object replaced between them answers 412 and the read fails instead of mixing versions.

Only ciphertext and random keys reach the bucket; our AES-GCM stays above this layer, and any
server-side encryption the bucket adds is on top of it, never instead of it.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from typing import BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .storage import KEY_PATTERN, NewObject, Storage, StorageError, check_key, new_key

MIN_PART_SIZE = 5 * 1024 * 1024  # S3's floor for every part but the last
DEFAULT_PART_SIZE = 8 * 1024 * 1024
_MISSING = {"404", "NoSuchKey", "NotFound"}
_CHANGED = {"412", "PreconditionFailed"}


class ObjectChangedError(StorageError, OSError):
    """The object was replaced after it was opened (its ETag no longer matches).

    An ``OSError`` too, so a reader that treats I/O failure as damage (downloads.verify) does.
    """


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _status(exc: ClientError) -> str:
    return str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))


def _is(exc: ClientError, codes: set[str]) -> bool:
    return _code(exc) in codes or _status(exc) in codes


class _PartBody(io.RawIOBase):
    """One part, read by botocore a block at a time straight from our buffer.

    Given bytes, the HTTP client would join headers and body into one more copy of the part.
    """

    def __init__(self, data: bytes | memoryview):
        super().__init__()
        self._data = memoryview(data)
        self._position = 0

    def __len__(self) -> int:
        return len(self._data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: len(self._data)}[whence]
        self._position = max(0, min(base + offset, len(self._data)))
        return self._position

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size is None or size < 0 else min(self._position + size, len(self._data))
        block = self._data[self._position : end].tobytes()
        self._position = end
        return block


class _S3Object(NewObject):
    def __init__(self, storage: S3Storage, key: str | None = None):
        self._storage = storage
        self._restore = key is not None
        self.key = new_key() if key is None else check_key(key)
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict] = []
        self._done = False

    def write(self, data: bytes) -> None:
        self._buffer += data
        size = self._storage.part_size
        if len(self._buffer) < size:
            return
        buffer, self._buffer = self._buffer, bytearray()
        with memoryview(buffer) as view:
            start = 0
            while len(buffer) - start >= size:
                self._upload_part(view[start : start + size])
                start += size
            self._buffer = bytearray(view[start:])

    def _upload_part(self, data: bytes | memoryview) -> None:
        client, bucket, name = self._storage.client, self._storage.bucket, self._storage.name_for(self.key)
        try:
            if self._upload_id is None:
                self._upload_id = client.create_multipart_upload(Bucket=bucket, Key=name)["UploadId"]
            number = len(self._parts) + 1
            body = _PartBody(data)
            answer = client.upload_part(Bucket=bucket, Key=name, UploadId=self._upload_id, PartNumber=number, Body=body)
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"could not upload part of {self.key}: {exc}") from exc
        self._parts.append({"PartNumber": number, "ETag": answer["ETag"]})

    def commit(self) -> str:
        storage = self._storage
        if self._restore and storage.exists(self.key):  # only a restore names its keys; it never replaces one
            self.abort()
            raise StorageError(f"stored object {self.key} already exists")
        name = storage.name_for(self.key)
        try:
            if self._upload_id is None:
                # Smaller than one part: a single PUT, as invisible until now as a multipart upload.
                storage.client.put_object(Bucket=storage.bucket, Key=name, Body=bytes(self._buffer))
            else:
                if self._buffer or not self._parts:
                    self._upload_part(bytes(self._buffer))
                storage.client.complete_multipart_upload(
                    Bucket=storage.bucket,
                    Key=name,
                    UploadId=self._upload_id,
                    MultipartUpload={"Parts": self._parts},
                )
        except (ClientError, BotoCoreError) as exc:
            self.abort()
            raise StorageError(f"could not store {self.key}: {exc}") from exc
        self._buffer = bytearray()
        self._done = True
        return self.key

    def abort(self) -> None:
        if self._done:
            return
        self._done = True
        self._buffer = bytearray()
        if self._upload_id is not None:
            # Should this fail, the parts left behind are invisible and unreadable; a bucket
            # lifecycle rule (docs/DEPLOYMENT.md) clears incomplete uploads after a day.
            with contextlib.suppress(ClientError, BotoCoreError):
                self._storage.client.abort_multipart_upload(
                    Bucket=self._storage.bucket, Key=self._storage.name_for(self.key), UploadId=self._upload_id
                )


class S3Reader(io.RawIOBase):
    """A seekable, read-only stream of one object version, fetched by ranged GETs as it is read."""

    def __init__(self, storage: S3Storage, key: str):
        self._storage = storage
        self._key = key
        self._name = storage.name_for(key)
        try:
            head = storage.client.head_object(Bucket=storage.bucket, Key=self._name)
        except ClientError as exc:
            if _is(exc, _MISSING):
                raise StorageError(f"no stored object {key}") from exc
            raise StorageError(f"could not open stored object {key}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"could not open stored object {key}: {exc}") from exc
        self.etag = head["ETag"]
        self.size = int(head["ContentLength"])
        self._position = 0
        self._body = None  # the open GET response, reading from _position

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            target = offset
        elif whence == io.SEEK_CUR:
            target = self._position + offset
        elif whence == io.SEEK_END:
            target = self.size + offset
        else:
            raise ValueError(f"invalid whence {whence}")
        if target < 0:
            raise OSError("negative seek position")
        if target != self._position:
            self._drop_body()
            self._position = target
        return self._position

    def _open_body(self):
        try:
            answer = self._storage.client.get_object(
                Bucket=self._storage.bucket,
                Key=self._name,
                Range=f"bytes={self._position}-",
                IfMatch=self.etag,
            )
        except ClientError as exc:
            if _is(exc, _CHANGED) or _is(exc, _MISSING):
                raise ObjectChangedError(f"stored object {self._key} changed or vanished while open") from exc
            raise OSError(f"could not read stored object {self._key}: {exc}") from exc
        except BotoCoreError as exc:
            raise OSError(f"could not read stored object {self._key}: {exc}") from exc
        if answer.get("ETag") != self.etag:  # a server that ignored If-Match
            answer["Body"].close()
            raise ObjectChangedError(f"stored object {self._key} changed while open")
        return answer["Body"]

    def _drop_body(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None

    def readinto(self, buffer) -> int:
        view = memoryview(buffer).cast("B")
        if self._position >= self.size or not len(view):
            return 0
        if self._body is None:
            self._body = self._open_body()
        filled = 0
        try:
            # Fill the whole request (a short read would look like a truncated chunk to crypto.py).
            while filled < len(view):
                data = self._body.read(min(len(view) - filled, 1024 * 1024))
                if not data:
                    break
                view[filled : filled + len(data)] = data
                filled += len(data)
        except (BotoCoreError, OSError) as exc:
            self._drop_body()
            raise OSError(f"reading stored object {self._key} failed: {exc}") from exc
        self._position += filled
        return filled

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = max(self.size - self._position, 0)
        buffer = bytearray(size)
        count = self.readinto(buffer)
        del buffer[count:]
        return bytes(buffer)

    def close(self) -> None:
        self._drop_body()
        super().close()


class S3Storage(Storage):
    """Objects in one bucket, named ``prefix`` + key (no fan-out: object stores need none)."""

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        region: str | None = None,
        endpoint_url: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        path_style: bool = False,
        part_size: int = DEFAULT_PART_SIZE,
        connect_timeout: float = 5,
        read_timeout: float = 60,
        list_page_size: int = 1000,
    ):
        if part_size < MIN_PART_SIZE:
            raise ValueError(f"part size must be at least {MIN_PART_SIZE} bytes (S3's minimum)")
        self.bucket = bucket
        self.prefix = prefix
        self.part_size = part_size
        self.list_page_size = list_page_size  # S3 answers at most 1000 keys a page
        self._client_settings = {
            "region_name": region,
            "endpoint_url": endpoint_url or None,
            "aws_access_key_id": access_key_id or None,
            "aws_secret_access_key": secret_access_key or None,
        }
        self._path_style = path_style
        self.client = self._client(connect_timeout, read_timeout, attempts=3)
        self._health_client = None

    def _client(self, connect_timeout: float, read_timeout: float, attempts: int):
        config = Config(
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries={"max_attempts": attempts, "mode": "standard"},
            s3={"addressing_style": "path" if self._path_style else "auto"},
            # Checksums only when the operation needs one: S3-compatible servers vary in support.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        # A session of our own: boto3's default session is shared module state, not thread-safe to set up.
        return boto3.session.Session().client("s3", config=config, **self._client_settings)

    @classmethod
    def from_config(cls, config) -> S3Storage:
        return cls(
            config["DOCUMENTS_S3_BUCKET"],
            prefix=config.get("DOCUMENTS_S3_PREFIX") or "",
            region=config.get("DOCUMENTS_S3_REGION"),
            endpoint_url=config.get("DOCUMENTS_S3_ENDPOINT_URL"),
            access_key_id=config.get("DOCUMENTS_S3_ACCESS_KEY_ID"),
            secret_access_key=config.get("DOCUMENTS_S3_SECRET_ACCESS_KEY"),
            path_style=bool(config.get("DOCUMENTS_S3_PATH_STYLE")),
            part_size=int(config.get("DOCUMENTS_S3_PART_SIZE") or DEFAULT_PART_SIZE),
        )

    def __repr__(self) -> str:  # for the log: where, never the credentials
        endpoint = self._client_settings["endpoint_url"] or "AWS"
        return f"S3Storage(bucket={self.bucket!r}, prefix={self.prefix!r}, endpoint={endpoint!r})"

    def name_for(self, key: str) -> str:
        return self.prefix + check_key(key)

    def new_object(self) -> NewObject:
        return _S3Object(self)

    def restore_object(self, key: str) -> NewObject:
        """A write under a given key (a restore from backup puts each object back under its own)."""
        return _S3Object(self, key)

    def open(self, key: str) -> BinaryIO:
        return S3Reader(self, check_key(key))  # type: ignore[return-value] - a binary stream

    def delete(self, key: str) -> None:
        name = self.name_for(key)
        try:
            self.client.delete_object(Bucket=self.bucket, Key=name)  # a missing key answers 204 too
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"could not delete stored object {key}: {exc}") from exc

    def exists(self, key: str) -> bool:
        name = self.name_for(key)
        try:
            self.client.head_object(Bucket=self.bucket, Key=name)
        except ClientError as exc:
            if _is(exc, _MISSING):
                return False
            raise StorageError(f"could not look for stored object {key}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"could not look for stored object {key}: {exc}") from exc
        return True

    def list_keys(self) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix, PaginationConfig={"PageSize": self.list_page_size}
        )
        try:
            for page in pages:
                for entry in page.get("Contents", []):
                    key = entry["Key"][len(self.prefix) :]
                    if KEY_PATTERN.fullmatch(key):
                        yield key
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"could not list the document store: {exc}") from exc

    def check(self, timeout: float) -> None:
        """Raise unless the bucket answers within ``timeout`` seconds (``/readyz``): one try, no retries."""
        if self._health_client is None:
            self._health_client = self._client(timeout, timeout, attempts=1)
        self._health_client.head_bucket(Bucket=self.bucket)
