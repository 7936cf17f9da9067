"""The encrypted document store: upload checks, virus scanning, encryption, downloads.

Areas use the services; this package serves no pages of its own. Authorization
belongs to the object a document is attached to (a return, a draft): the area checks
it, then calls ``store_upload`` or ``send_document``.
"""

from __future__ import annotations

import logging

from flask import Blueprint, render_template

from .downloads import open_document, send_document
from .errors import DocumentIntegrityError, UploadRefused
from .models import Document
from .services import delete_document, get_scanner, get_storage, store_upload

__all__ = [
    "Document",
    "DocumentIntegrityError",
    "UploadRefused",
    "bp",
    "delete_document",
    "get_scanner",
    "get_storage",
    "init_app",
    "open_document",
    "send_document",
    "store_upload",
]

log = logging.getLogger(__name__)

# No routes: areas serve documents through send_document after their own checks.
bp = Blueprint("documents", __name__)


def handle_integrity_error(error: DocumentIntegrityError):
    try:
        return render_template("documents/unavailable.html"), 500
    except Exception:  # the error page must never be the thing that fails
        log.exception("document error page could not be rendered")
        return "Sorry, this document cannot be downloaded.", 500


def init_app(app) -> None:
    """Register the CLI group, the error page for damaged files and the blueprint."""
    if "documents" in app.blueprints:
        return
    from .cli import documents_cli

    app.cli.add_command(documents_cli)
    app.register_error_handler(DocumentIntegrityError, handle_integrity_error)
    app.register_blueprint(bp)
