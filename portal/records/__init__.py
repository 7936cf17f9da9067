"""Records that last: backup and restore (``flask backup``). Serves no pages.

Retention and disposal (issue 15, point 3) are in ``portal/retention``; a restore re-applies the
disposals of its ledger (``disposals.py``).
"""


def init_app(app) -> None:
    from .cli import backup_cli

    app.cli.add_command(backup_cli)
