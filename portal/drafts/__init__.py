"""Drafts to the panel: case documents and their versions, circulation with a deadline,
per-reader stamped downloads, read receipts, comments and answers, comparison of versions,
and the family and perpetrator contact log.
"""

from flask import Blueprint

bp = Blueprint("drafts", __name__)


def init_app(app) -> None:
    """Register the pages, the case page section, the home queues, the e-mail and the reminders."""
    from portal.cases.case_view import CaseSection, register_section
    from portal.cases.timeline import register_events
    from portal.home.work import WorkQueue, register_queue
    from portal.notify import register_kind, register_source

    from . import contact_routes, file_routes, models, routes, work  # noqa: F401  (routes add themselves to bp)
    from .services import CIRCULATED_KIND

    app.register_blueprint(bp)
    register_section(
        app,
        CaseSection(
            "drafts",
            "drafts/_case-section.html",
            shown=work.section_shown,
            load=work.section_load,
            task=work.section_task,
            order=40,
        ),
    )
    register_queue(app, WorkQueue("draft_comments", "Drafts awaiting your comments", work.awaiting_my_comments, 20))
    register_queue(app, WorkQueue("draft_answers", "Comments on your drafts", work.comments_to_answer, 30))
    register_events(app, "drafts", work.timeline_events)
    register_kind(CIRCULATED_KIND)
    register_source("draft_circulation", work.readers_not_responded, repeat_days=0)
