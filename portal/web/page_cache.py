"""Rendered pages kept in memory and served again while nothing they show has changed.

A view opts in with ``@cached_page`` (under its ``@bp.route``, beside its access rule). A
signed-in GET of such a view is looked up under a key of everything that decides what the
page holds:

* who asks: the server-side session (its CSRF token travels in the page), the user, and the
  user's system role, organisation and agency-contact flag (case roles come from rows, which
  are part of the data);
* what is asked: host, path and query string, and every ``HX-*`` header (fragment or page);
* when: the London date and the UTC date (clocks, "overdue", memberships ending today);
* the data: the data generation (``data_generation.py``), read before the page is built,
  which changes in the same transaction as any change a page shows, on every node; and for a
  page that shows what the generation does not follow (the audit search), what the view's own
  ``extra_key`` reads of it.

A page is served from here without running its view (the access rule included: the same
person, in the same session, with the same roles, on the same data and day, was given this
very page). What the view recorded in the audit trail when it was built (a case page view, a
search) is recorded again, as the same events, on every hit.

Never kept: anything but a 200 ``text/html`` GET; a response that sets a cookie or changes
the session (a new CSRF token, a flash); a request that arrives with flashed messages
waiting (the page would show them once, and must not again); a request that changed data
itself; a page whose view recorded an audit event about someone else. Kept at most
``PAGE_CACHE_SECONDS`` (below ``WTF_CSRF_TIME_LIMIT`` when that is set, so a kept form's
token is still good), in at most ``PAGE_CACHE_BYTES`` per process (least recently used
dropped first). Nothing is written to disk or to Redis. ``PAGE_CACHE=0`` turns it off.

The Content-Security-Policy nonce is fresh on every response: a page to be kept is rendered
with a placeholder (random per process), replaced by the response's own nonce on the way out.
So are the one-time tokens of the forms that create something (``fields.SubmissionField``): a
page kept with a form's token would hand the same token to two tabs, and the second form sent
would be taken for a repeat of the first and not saved; each response gets its own tokens.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app, g, has_request_context, request, session
from flask_login import current_user

from portal.clock import london_date, utcnow
from portal.extensions import db

from . import data_generation
from .headers import content_security_policy

EXTENSION = "portal.page_cache"
# What pages are rendered with in place of the nonce (letters and digits: inert wherever it is).
PLACEHOLDER = "pcnonce" + secrets.token_hex(12)
_CAPTURE = "audit_capture"  # portal.audit.services.CAPTURE
_KEPT_HEADERS = ("HX-Push-Url", "HX-Trigger", "HX-Retarget", "HX-Reswap")
# What a form's one-time token is rendered as, numbered per form of the page (letters and digits,
# as a token is: see SubmissionField.PATTERN).
TOKEN_PLACEHOLDER = "pctoken" + secrets.token_hex(12)
_TOKEN_RE = re.compile(re.escape(TOKEN_PLACEHOLDER).encode() + rb"[0-9]{3}")


def cached_page(view=None, *, extra_key=None):
    """Opt a view in (see the module docstring). Only for pages that change no data on GET.

    ``@cached_page(extra_key=f)``: for a page that also shows something the data generation
    does not follow (the audit trail). ``f()`` is called for every signed-in GET of the view,
    before the access rule and the view run, and its value joins the key: it must change
    whenever what the page shows from there changes, read it in cheap statements, and cope
    with any request (it runs for people the view will refuse too)."""

    def mark(view):
        view.page_cache = True
        view.page_cache_extra_key = extra_key
        return view

    return mark(view) if view is not None else mark


def one_time_token() -> str | None:
    """The placeholder a form's one-time token is rendered with in a page that may be kept (a
    fresh token per form is put in its place in each response), or None outside one."""
    if not has_request_context() or "page_cache_nonce" not in g:
        return None
    number = g.get("page_cache_tokens", 0)
    g.page_cache_tokens = number + 1
    return f"{TOKEN_PLACEHOLDER}{number:03d}"


def _fresh_tokens(body: bytes) -> bytes:
    """Each form's placeholder replaced by a token of this response's own (the same form's
    placeholder, wherever it appears, by the same token)."""
    if TOKEN_PLACEHOLDER.encode() not in body:
        return body
    tokens: dict[bytes, bytes] = {}
    return _TOKEN_RE.sub(lambda m: tokens.setdefault(m.group(0), secrets.token_urlsafe(24).encode()), body)


@dataclass
class Entry:
    body: bytes
    headers: tuple[tuple[str, str], ...]
    audits: tuple
    expires: float
    size: int


class Store:
    """An LRU of rendered pages bounded in bytes; one per app and process."""

    def __init__(self, max_bytes: int, seconds: int):
        self.max_bytes, self.seconds = max_bytes, seconds
        self.entries: OrderedDict[tuple, Entry] = OrderedDict()
        self.bytes = 0
        self.generation = None
        self.lock = threading.Lock()
        self.hits = self.misses = 0

    def _drop(self, key) -> None:
        entry = self.entries.pop(key, None)
        if entry is not None:
            self.bytes -= entry.size

    def saw(self, generation) -> None:
        """Pages of another generation can never be asked for again: let them go at once."""
        with self.lock:
            if generation != self.generation:
                self.entries.clear()
                self.bytes = 0
                self.generation = generation

    def get(self, key) -> Entry | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            if entry.expires <= time.monotonic():
                self._drop(key)
                self.misses += 1
                return None
            self.entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key, body: bytes, headers, audits) -> None:
        size = len(body) + 512  # the key and the entry's own keeping
        if size > self.max_bytes:
            return
        with self.lock:
            self._drop(key)
            self.entries[key] = Entry(body, headers, audits, time.monotonic() + self.seconds, size)
            self.bytes += size
            while self.bytes > self.max_bytes:
                self._drop(next(iter(self.entries)))

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.bytes = 0


def store(app=None) -> Store | None:
    return (app or current_app).extensions.get(EXTENSION)


def _hx_headers(environ) -> tuple:
    """Every ``HX-*`` header, sorted: read from the WSGI environ (where the server put them as
    ``HTTP_HX_*``) rather than by building every header's name through ``request.headers``."""
    return tuple(sorted((name, value) for name, value in environ.items() if name.startswith("HTTP_HX_")))


def _key(generation, user=None) -> tuple:
    user = user if user is not None else current_user._get_current_object()
    record = user.session_record
    csrf = hashlib.sha256(str(session.get("csrf_token", "")).encode()).hexdigest()
    now = utcnow()
    return (
        record.id if record is not None else user.session_token,
        csrf,
        user.id,
        (user.system_role, user.organisation_id, user.is_agency_contact),
        request.host,
        request.full_path,
        _hx_headers(request.environ),
        london_date(now),
        now.date(),
        generation,
    )


def _applies(kept: Store | None):
    """The signed-in user, if this request's page may be served from (or kept in) ``kept``."""
    if kept is None or request.method != "GET":
        return None
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if not getattr(view, "page_cache", False):
        return None
    # The access hook (authz) has already sent anyone signed out to sign-in.
    user = current_user._get_current_object()
    return user if user.is_authenticated and "_flashes" not in session else None


def before_request():
    """A kept page, served; else the request is prepared so its page can be kept."""
    kept = store()
    user = _applies(kept)
    if user is None:
        return None
    generation = data_generation.current()
    kept.saw(generation)
    g.page_cache_nonce = secrets.token_urlsafe(16)
    g.csp_nonce = PLACEHOLDER
    key = _key(generation, user)
    extra_key = getattr(current_app.view_functions[request.endpoint], "page_cache_extra_key", None)
    if extra_key is not None:
        key = (*key, extra_key())
    entry = kept.get(key)
    if entry is None:
        g.page_cache_key = key
        g.setdefault(_CAPTURE, [])
        return None
    g.page_cache_hit = True
    if entry.audits:
        from portal.audit import record

        for action, kwargs in entry.audits:
            record(action, **kwargs)
        db.session.commit()
    response = current_app.response_class(entry.body, status=200, mimetype="text/html")
    for name, value in entry.headers:
        response.headers[name] = value
    return response


def _keepable(response) -> bool:
    return (
        response.status_code == 200
        and response.mimetype == "text/html"
        and not response.is_streamed
        and not response.direct_passthrough
        and "Set-Cookie" not in response.headers
        and not session.modified
        and not data_generation.written_in_request()
        and None not in g.get(_CAPTURE, ())
    )


def after_request(response):
    """Keep the page if it may be kept; put this response's own nonce in it either way."""
    nonce = g.pop("page_cache_nonce", None)
    if nonce is None:
        return response
    key = g.pop("page_cache_key", None)
    if response.is_streamed or response.direct_passthrough:
        g.csp_nonce = nonce
        return response
    body = response.get_data()
    if key is not None and _keepable(response):
        headers = tuple((name, response.headers[name]) for name in _KEPT_HEADERS if name in response.headers)
        store().put(key, body, headers, tuple(g.get(_CAPTURE, ())))
    response.set_data(_fresh_tokens(body.replace(PLACEHOLDER.encode(), nonce.encode())))
    g.csp_nonce = nonce
    response.headers["Content-Security-Policy"] = content_security_policy(nonce)
    return response


def check_settings(config) -> None:
    from portal.config import ConfigError

    limit = config.get("WTF_CSRF_TIME_LIMIT")
    if config.get("PAGE_CACHE") and limit is not None and config["PAGE_CACHE_SECONDS"] >= limit:
        raise ConfigError(
            f"PAGE_CACHE_SECONDS ({config['PAGE_CACHE_SECONDS']}) must be below WTF_CSRF_TIME_LIMIT ({limit}): "
            "a kept form's CSRF token would expire while it is served"
        )


def init_app(app) -> None:
    """After ``authz`` (its access hook runs first) and after ``headers`` (so this after-request
    hook runs before the one that writes the security headers)."""
    check_settings(app.config)
    data_generation.init_app(app)
    if not app.config.get("PAGE_CACHE"):
        return
    app.extensions[EXTENSION] = Store(app.config["PAGE_CACHE_BYTES"], app.config["PAGE_CACHE_SECONDS"])
    app.before_request(before_request)
    app.after_request(after_request)
