"""Authenticator (TOTP) secrets sealed at rest with AES-256-GCM under ``TOTP_KEY``.

Whoever holds a TOTP secret can make a person's security codes for ever, so a copy of the
database (a backup, a dump, a read-only SQL injection) must not yield them. Every secret the
portal stores - enrolled ones on ``users`` and the ones offered during enrolment on
``account_tokens`` and ``user_sessions`` - is sealed with a key that lives outside the
database, in the environment like DOCUMENTS_KEY.

Why a key of its own rather than DOCUMENTS_KEY or one derived from SECRET_KEY: each can then
be rotated alone. SECRET_KEY in particular is rotated whenever a cookie-signing key may have
leaked, and deriving from it would silently make every authenticator unreadable.

Stored form: ``v1.<key id>.<base64url(nonce | ciphertext | tag)>``. The version and key id
are the associated data, so neither can be changed without the tag failing. Older keys stay
readable through TOTP_OLD_KEYS; ``flask users reseal-security-codes`` moves every secret to
the current key. A secret is not bound to its row: anyone able to copy a sealed value from
one row to another could as well replace that account's password hash.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

from portal.documents.crypto import KeyRing, UnknownKeyError

VERSION = "v1"
NONCE_BYTES = 12


class SealedSecretError(Exception):
    """A sealed secret cannot be opened: changed in the database, or sealed under a key not configured."""


def keyring(config=None) -> KeyRing:
    return KeyRing.from_config(config if config is not None else current_app.config, "TOTP_KEY", "TOTP_OLD_KEYS")


def _associated_data(key_id: str) -> bytes:
    return f"darr-portal totp secret {VERSION}.{key_id}".encode()


def seal(secret: str, ring: KeyRing | None = None) -> str:
    ring = ring or keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(ring.current).encrypt(nonce, secret.encode(), _associated_data(ring.current_id))
    return f"{VERSION}.{ring.current_id}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def key_id_of(sealed: str) -> str | None:
    parts = sealed.split(".")
    return parts[1] if len(parts) == 3 and parts[0] == VERSION else None


def unseal(sealed: str, ring: KeyRing | None = None) -> str:
    ring = ring or keyring()
    key_id = key_id_of(sealed)
    if key_id is None:
        raise SealedSecretError("not a sealed secret of a known version")
    try:
        key = ring.get(key_id)
        raw = base64.urlsafe_b64decode(sealed.split(".")[2].encode())
        plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _associated_data(key_id))
    except UnknownKeyError:
        raise SealedSecretError(f"sealed under key {key_id}, which is neither TOTP_KEY nor in TOTP_OLD_KEYS") from None
    except (InvalidTag, ValueError, binascii.Error):
        raise SealedSecretError("failed authentication: the stored value was changed") from None
    return plain.decode()


class Sealed:
    """A model attribute that shows the plaintext of a sealed column: reading unseals, assigning
    seals (None stays None). ``User(totp_secret=...)`` therefore stores only the sealed form."""

    def __init__(self, column: str):
        self.column = column

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        value = getattr(obj, self.column)
        return unseal(value) if value else None

    def __set__(self, obj, value: str | None):
        setattr(obj, self.column, seal(value) if value else None)
