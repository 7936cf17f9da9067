"""One route serves a page and its htmx fragment."""

from __future__ import annotations

from flask import render_template, request

from .forms import has_errors

# Validation errors answer 422; the htmx config in the layout swaps 422 responses so
# the form fragment with its error summary replaces the old one.
INVALID = 422


def wants_fragment() -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_page(page: str, fragment: str | None = None, *, status: int = 200, **context):
    """Render ``fragment`` for an htmx request, else the full ``page`` (which includes the fragment)."""
    template = fragment if fragment and wants_fragment() else page
    return render_template(template, **context), status


def render_form(page: str, form, fragment: str | None = None, **context):
    """Render a form page, with 422 when it has errors (so htmx swaps the error summary in)."""
    status = INVALID if has_errors(form) else 200
    return render_page(page, fragment, status=status, form=form, **context)


def safe_next(target: str | None, default: str) -> str:
    """Only same-site paths are followed after sign-in or re-authentication."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    # Whitespace and control characters are refused too: browsers (and Werkzeug's Location
    # header) drop tabs and newlines, so "/\t/evil.example" became "//evil.example", another
    # site; and a CR/LF turned a successful sign-in into a 500.
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return default
    return target
