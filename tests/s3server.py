"""A real S3-compatible server for the tests: moto's server mode, a process of its own on a free
loopback port. It speaks S3 over HTTP like MinIO or AWS would (multipart uploads, ranged GETs,
If-Match, paginated listings), so the S3 backend is exercised through boto3 and the network,
never patched. It can be stopped and started again on the same port (tests/health stops it to
see /readyz report the store unavailable); its objects live in its memory and go with it.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
from botocore.config import Config

REGION = "eu-west-2"
# moto accepts any credentials; these only have the shape S3 clients expect.
ACCESS_KEY_ID = "testing-access-key"
SECRET_ACCESS_KEY = "testing-secret-key"  # noqa: S105 - a local test server's


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MotoServer:
    """``moto_server`` on 127.0.0.1:<port>; ``start`` waits until it answers."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MotoServer:
        binary = Path(sys.executable).with_name("moto_server")
        command = [str(binary)] if binary.exists() else [sys.executable, "-m", "moto.server"]
        env = {**os.environ, "MOTO_CALL_RESET_API": "false"}
        self.process = subprocess.Popen(  # noqa: S603 - our own venv's moto
            [*command, "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto_server exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=1):  # noqa: S310 - loopback
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("moto_server did not answer within 30 seconds")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def client(self):
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )

    def new_bucket(self) -> str:
        name = f"documents-{secrets.token_hex(6)}"
        self.client().create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        return name

    def settings(self, bucket: str) -> dict:
        """The portal's settings for a store in ``bucket`` on this server."""
        return {
            "DOCUMENTS_BACKEND": "s3",
            "DOCUMENTS_S3_BUCKET": bucket,
            "DOCUMENTS_S3_PREFIX": "",
            "DOCUMENTS_S3_REGION": REGION,
            "DOCUMENTS_S3_ENDPOINT_URL": self.endpoint,
            "DOCUMENTS_S3_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "DOCUMENTS_S3_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            "DOCUMENTS_S3_PATH_STYLE": True,
        }

    def environ(self, bucket: str) -> dict:
        """The same settings as environment variables, for a portal in another process."""
        values = self.settings(bucket)
        return {
            **{name: str(value) for name, value in values.items() if not isinstance(value, bool)},
            "DOCUMENTS_S3_PATH_STYLE": "1",
        }
