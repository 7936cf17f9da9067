"""Error pages: plain words, no stack traces, and the same headers as every other page."""

from __future__ import annotations

import logging

from flask import current_app, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.extensions import db, login_manager

log = logging.getLogger(__name__)

PAGES = {400, 403, 404, 405, 413, 429, 500, 503}


def render_error(status: int, **context):
    template = f"errors/{status if status in PAGES else 500}.html"
    try:
        return render_template(template, status=status, **context), status
    except Exception:  # the error page must never be the thing that fails
        log.exception("error page %s could not be rendered", status)
        return "Sorry, there is a problem with the service.", status


def handle_http_error(error: HTTPException):
    if error.code == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        return render_error(413, limit_mb=limit // (1024 * 1024))
    return render_error(error.code or 500)


def handle_csrf_error(error: CSRFError):
    return render_error(400, csrf=True)


# Seconds a browser or proxy is told to wait before trying again while the database is down.
RETRY_AFTER = 30


def handle_database_down(error: OperationalError | InterfaceError):
    """The database is down, restarting or locked: a styled 503 that needs nothing from it.

    Whatever was half done is rolled back (the transaction never committed, so nothing is half
    saved). The page is drawn as for someone not signed in: the layout asks for ``current_user``,
    and loading or refreshing the signed-in user would need the database that just failed.
    """
    try:
        db.session.rollback()
    except Exception:  # a connection that died mid-transaction may fail even to roll back
        log.warning("rollback after a database error failed", exc_info=True)
    login_manager._update_request_context_with_user()  # Flask-Login's own way to set the anonymous user
    log.error("database unavailable: %s %s", request.method, request.endpoint)
    body, status = render_error(503, retry_path=request.full_path if request.method == "GET" else None)
    return body, status, {"Retry-After": str(RETRY_AFTER)}


def handle_unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return handle_http_error(error)
    db.session.rollback()
    log.exception("unhandled error on %s %s", request.method, request.endpoint)
    return render_error(InternalServerError.code)


def init_app(app):
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(OperationalError, handle_database_down)
    app.register_error_handler(InterfaceError, handle_database_down)
    app.register_error_handler(Exception, handle_unexpected)
