"""Error pages: plain words, no stack traces, and the same headers as every other page."""

from __future__ import annotations

import logging

from flask import current_app, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.extensions import db

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


def handle_database_down(error: OperationalError):
    # Roll back whatever was half done; the user is told to try again shortly.
    db.session.rollback()
    log.error("database unavailable: %s %s", request.method, request.endpoint)
    return render_error(503)


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
    app.register_error_handler(Exception, handle_unexpected)
