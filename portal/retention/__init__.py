"""Retention and disposal of ended cases (issue 15 point 3; SECURITY 34; docs/RETENTION.md).

Where things live: ``schedule`` (end date, disposal date, what is due), ``services`` (extend,
legal hold, dispose), ``disposal`` (finding and removing every row and document of a case from
the models' metadata), ``models``, ``routes`` and ``forms`` (the business office's pages),
``cli`` (``flask retention report``, ``dispose``), ``queue`` (the business office's home page),
``ledger`` (every disposal written outside the database) and ``reapply`` (a restore carrying the
ledger's disposals out again, so a disposed case never comes back from an older backup).
"""

from flask import Blueprint

bp = Blueprint("retention", __name__)


def init_app(app) -> None:
    from portal.authz import Action, can
    from portal.home.work import register_queue
    from portal.web.navigation import NavItem, register_nav

    from . import routes  # noqa: F401  (adds the pages to the blueprint)
    from .cli import retention_cli
    from .queue import QUEUE

    app.register_blueprint(bp)
    app.cli.add_command(retention_cli)
    register_queue(app, QUEUE)
    register_nav(
        app,
        NavItem(
            "retention",
            "Retention",
            "retention.due",
            lambda user: can(user, Action.VIEW_RETENTION),
            ("retention.",),
            order=75,
        ),
    )
