"""The tamper-evident audit trail (see models.AuditEvent)."""

from .services import record, record_now, verify

__all__ = ["record", "record_now", "verify", "init_app"]


def init_app(app):
    from .cli import audit_cli

    app.cli.add_command(audit_cli)
