"""TOTP security codes: enrolment, QR code, and verification that accepts each code once."""

from __future__ import annotations

import hmac

import pyotp
import segno

from portal.clock import utcnow

ISSUER = "Death review portal"
STEP = 30


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(secret: str, email: str) -> str:
    """The enrolment QR code as inline SVG (no image request, no external service)."""
    qr = segno.make(provisioning_uri(secret, email), error="m")
    return qr.svg_inline(scale=5, dark="#0b0c0c", light="#ffffff", title="QR code for your authenticator app")


def current_code(secret: str) -> str:
    return pyotp.TOTP(secret).at(utcnow())


def matching_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step ``code`` belongs to (allowing one step of clock drift), or None.

    A step at or before ``last_step`` is refused: that code, or an older one, was already used.
    """
    code = (code or "").replace(" ", "").strip()
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(utcnow().timestamp()) // STEP
    for step in (now_step, now_step - 1, now_step + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None
