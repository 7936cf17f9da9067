"""The tamper-evident audit trail (see models.AuditEvent), and the pages that read it."""

from flask import Blueprint

from .services import record, record_now, verify

bp = Blueprint("audit", __name__)

__all__ = ["bp", "record", "record_now", "verify", "init_app"]


def init_app(app):
    from .cli import audit_cli

    app.cli.add_command(audit_cli)
