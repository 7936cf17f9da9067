"""The application's log: one line per event, JSON in production, with the request's id.

``LOG_FORMAT=json`` (production's default) writes one JSON object per line on standard error:
``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, and during a request
``request_id``; each request also gets one ``request`` line with ``method``, ``path`` (never
the query string, which may hold a link's token or what someone searched for), ``status``,
``duration_ms`` and ``user_id`` (when someone was signed in). ``LOG_FORMAT=text`` writes the
same as readable lines, for a developer's terminal.

What never goes in: case narrative, names or addresses typed into forms, passwords, codes and
link tokens. The portal's own messages name ids and endpoints only; the request line is built
from the method, path and status, never from form data. JSON escapes newlines, so input cannot
forge a log line in either format (the text format escapes them too).

The request id comes from a valid ``X-Request-Id`` header (the proxy's, so that its log and
ours can be joined) or is made here, and is echoed in the response's ``X-Request-Id``.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request
from flask.logging import default_handler
from sqlalchemy import inspect as sa_inspect

REQUEST_ID_HEADER = "X-Request-Id"
# What a proxy's request id looks like (nginx's $request_id is 32 hex digits; a UUID has dashes).
# Anything else is replaced: a header must not put arbitrary text into every log line.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,128}")
# Fields of the request line, in the order they are written.
REQUEST_FIELDS = ("method", "path", "status", "duration_ms", "user_id")
request_log = logging.getLogger("portal.request")


def current_request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record made during a request (None outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for field in REQUEST_FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Readable lines; newlines in a message are escaped, so each record stays one line."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        return line.replace("\r", "\\r").replace("\n", "\n    ") if record.exc_info else _one_line(line)


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


class StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a record comes (test runners swap it)."""

    def __init__(self):
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):  # StreamHandler.__init__ sets it; the property always reads sys.stderr
        pass


def _handler(log_format: str) -> logging.Handler:
    handler = StderrHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(RequestIdFilter())
    handler.portal_handler = True
    return handler


def configure(log_format: str, level: str = "INFO") -> None:
    """Send every logger's records (the portal's and its libraries') through one handler on the root.

    Calling it again (each ``create_app``) replaces the handler rather than adding a second.
    Gunicorn's own loggers keep their handlers: its access log is configured in gunicorn.conf.py.
    """
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "portal_handler", False)]:
        root.removeHandler(old)
    root.addHandler(_handler(log_format))
    # LOG_LEVEL is the portal's own; libraries say only what goes wrong. Their INFO lines are
    # not ours to vouch for: an SMTP library, for one, logs each recipient's address.
    portal = logging.getLogger("portal")
    portal.setLevel(level)  # the root logger keeps Python's default, WARNING
    # Flask's own handler on the "portal" logger would write each of our records a second time.
    portal.removeHandler(default_handler)


def _start_request() -> None:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = given if _VALID_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _user_id() -> int | None:
    # Only a user already loaded by the request: looking one up here would query the database
    # for requests that never needed it (health checks, static files).
    # From the identity map's key, not the attributes: after the request's commit they are
    # expired, and reading one (``is_authenticated`` reads ``active``) would load the user again
    # just to log their id. The anonymous user is not a mapped object: no state, no id.
    state = sa_inspect(g.get("_login_user"), raiseerr=False)
    return state.identity[0] if state is not None and state.identity else None


def _finish_request(response):
    request_id = g.get("request_id")
    if request_id is None:  # a response made before our before_request ran
        return response
    response.headers[REQUEST_ID_HEADER] = request_id
    started = g.get("request_started")
    request_log.info(
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
            "user_id": _user_id(),
        },
    )
    return response


def init_app(app: Flask) -> None:
    log_format = app.config.get("LOG_FORMAT") or "text"
    if log_format not in {"json", "text"}:
        from portal.config import ConfigError

        raise ConfigError(f"LOG_FORMAT must be 'json' or 'text', not {log_format!r}")
    configure(log_format, app.config.get("LOG_LEVEL") or "INFO")
    # First of the before_request hooks, so the id is there for anything they log.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)
    app.after_request(_finish_request)
