"""Password hashing (argon2id) and the rules a new password must meet."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 128
ZXCVBN_MAX = 72

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the e-mail is unknown, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("not a real password, only for timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, user_inputs: list[str] | tuple[str, ...] = ()) -> str | None:
    """Why ``password`` may not be used, in words a person can act on; None when it is fine."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    # zxcvbn knows common passwords, keyboard patterns, dates and the user's own name and
    # e-mail. It raises ValueError on input over 72 characters (its guard against slow
    # matching), which made every long pasted password a 500: it judges the first 72.
    result = zxcvbn(password[:ZXCVBN_MAX], user_inputs=[value for value in user_inputs if value])
    if result["score"] >= 3:
        return None
    warning = result["feedback"].get("warning") or "This password would be easy to guess"
    return f"Choose a password that is harder to guess. {warning.rstrip('.')}."
