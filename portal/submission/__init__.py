"""Sign-off, the Home Office submission pack, quality assurance rounds, the anonymisation check
before publication, publication with a takedown date, and closure (issue 13).

``anonymisation`` and ``pack`` are pure (no database, no Flask); ``services`` applies them to a
case through the drafts' versions, the action plan's models and the lifecycle's moves.
"""


def init_app(app) -> None:
    """The pages, the case page section, the home work queue and the takedown reminder."""
    from portal.cases.case_view import CaseSection, register_facts, register_section
    from portal.cases.register_filters import register_filter
    from portal.cases.timeline import register_events
    from portal.dashboard.panels import Panel, register_panel
    from portal.events import register_handler
    from portal.home.work import WorkQueue, register_queue
    from portal.notify import register_source
    from portal.reports.board import register_section as register_report_section

    from . import filters, publication_routes, round_routes, section, services, signoff_routes, timeline, waits, work  # noqa: F401  (their pages, on bp)
    from .routes import bp

    app.register_blueprint(bp)
    register_section(
        app,
        CaseSection(
            "sign_off_and_publication",  # not "submission": the case page's forms have a field of that id
            "submission/_case-section.html",
            shown=section.shown,
            load=section.load,
            task=section.task,
            order=60,
        ),
    )
    register_events(app, "submission", timeline.timeline_events)
    register_filter(app, "ready_for_publication", "Ready for publication", filters.ready_for_publication, order=10)
    register_filter(app, "takedown_due", "Published, takedown due", filters.takedown_due, order=20)
    # Where the time goes: the days waited on the Home Office, per submission and in total.
    register_panel(app, Panel("home_office_days", "submission/_dashboard-waits.html", waits.waits, order=50))
    register_report_section(app, "home_office", waits.board_section)
    # Closure: a published review closes when the action plan confirms its last action.
    register_handler(app, "action_confirmed", services.on_action_confirmed)
    register_facts(app, "submission", timeline.key_facts)
    register_queue(app, WorkQueue("report_changes", "Changes asked of your report", work.changes_to_make, 40))
    # One e-mail before the takedown date and one on it; never repeated, never escalated.
    register_source(
        "takedown", services.takedown_items, lead_days=filters.TAKEDOWN_NOTICE_DAYS, repeat_days=0, escalate_days=0
    )
