"""Security headers on every response, error pages included."""

from __future__ import annotations

import secrets

from flask import g, request


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


# The policy with the nonce's two places marked, joined once at import (not on every response).
_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'nonce-{nonce}'",
        "style-src 'self' 'nonce-{nonce}'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
# The same on every response.
_FIXED = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
)
# Only the public, fingerprint-free assets may be cached; every page may hold case data.
_NOT_KEPT = (("Cache-Control", "no-store"), ("Pragma", "no-cache"))
_PUBLIC = frozenset({"static", "assets"})
_VARY = ("Cookie", "HX-Request")


def content_security_policy(nonce: str) -> str:
    return _CSP.format(nonce=nonce)


def set_security_headers(response):
    headers = response.headers
    headers["Content-Security-Policy"] = _CSP.format(nonce=csp_nonce())
    for name, value in _FIXED:
        headers[name] = value
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint not in _PUBLIC:
        for name, value in _NOT_KEPT:
            headers[name] = value
    response.vary.update(_VARY)  # one parse and one write of the header, not one per name
    return response


def init_app(app):
    app.after_request(set_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
