"""The review portal: ``create_app`` wires configuration, extensions and areas together."""

from __future__ import annotations

from flask import Flask, abort, send_from_directory
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import ROOT, ConfigError, load_config


def create_app(config: dict | None = None) -> Flask:
    """Build the app. ``config`` overrides what the environment says (tests use this)."""
    app = Flask(
        __name__,
        static_folder=str(ROOT / "static"),
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
        instance_relative_config=False,
    )
    settings = load_config((config or {}).get("PORTAL_ENV"))
    settings.update(config or {})
    app.config.update(settings)
    _check_clock_targets(app)
    if app.config.get("TRUST_PROXY"):
        hops = app.config["TRUST_PROXY"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    _templates(app)
    _extensions(app)
    _requests(app)
    _areas(app)
    _assets(app)

    from .authz.hooks import check_declared

    check_declared(app)
    from .extensions import limiter
    from .web.ratelimit import drop_idle_check

    drop_idle_check(app, limiter)  # last: every route, blueprint and limit is declared by now
    return app


def _check_clock_targets(app: Flask) -> None:
    """A mistyped clock name in CLOCK_TARGETS stops the start, not every case page."""
    from .cases.clocks import CLOCKS

    unknown = set(app.config.get("CLOCK_TARGETS") or {}) - set(CLOCKS)
    if unknown:
        raise ConfigError(f"CLOCK_TARGETS names unknown clocks {sorted(unknown)}; the clocks are {sorted(CLOCKS)}")


def _requests(app: Flask) -> None:
    # After the extensions (htmx-flask installs its own request class, which ours extends) and
    # before any route is added (rules take their converters, the bounded ``int``, when they are).
    from .web import requests, submissions  # noqa: F401  (submissions: the model of one-time form tokens)

    requests.init_app(app)


def _templates(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    from .web import components, filters, forms

    filters.init_app(app)
    forms.init_app(app)
    components.init_app(app)  # GOV.UK components kept per distinct parameters


def _extensions(app: Flask) -> None:
    from govuk_frontend_wtf.main import WTFormsHelpers

    from .extensions import csrf, db, htmx, limiter, login_manager, mail, migrate

    db.init_app(app)
    from . import connections, sqlite

    sqlite.init_app(app)
    connections.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    htmx.init_app(app)
    WTFormsHelpers(app)

    login_manager.init_app(app)
    login_manager.session_protection = None  # our server-side sessions do this job (auth/sessions.py)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = None
    from .auth import sessions  # noqa: F401  (registers the user loader)
    from .web.unauthorized import unauthorized

    login_manager.unauthorized_handler(unauthorized)


def _areas(app: Flask) -> None:
    from . import actions, audit, authz, cli, documents, drafts, notify, records, retention, submission
    from .actions import action_routes, plan_routes, tracker_routes  # noqa: F401  (routes on actions.bp)
    from .admin import routes as admin
    from .audit import routes as audit_routes
    from .auth import routes as auth
    from .cases import access as case_access
    from .cases import member_routes  # noqa: F401  (adds the member pages to the cases blueprint)
    from .cases import routes as cases
    from .dashboard import routes as dashboard
    from .health import routes as health
    from .home import routes as home
    from .home import work as home_work
    from .reports import routes as reports
    from .trawl import init_app as trawl_init
    from .trawl import routes as trawl
    from .web import errors, headers, logs, navigation, page_cache, sqlcount

    sqlcount.init_app(app)
    logs.init_app(app)  # JSON lines with a request id (portal/web/logs.py)
    authz.init_app(app)
    case_access.init_app(app)  # the register's role sources (portal/authz/sources.py)
    headers.init_app(app)
    page_cache.init_app(app)  # after authz and headers: see its init_app
    errors.init_app(app)
    navigation.init_app(app)
    home_work.init_app(app)
    audit.init_app(app)
    documents.init_app(app)
    notify.init_app(app)
    records.init_app(app)  # flask backup
    retention.init_app(app)  # retention pages, flask retention
    cli.init_app(app)
    trawl_init(app)  # the information trawl: its role source, case page section, queues, reminders
    app.register_blueprint(auth.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(admin.bp, url_prefix="/admin")
    app.register_blueprint(cases.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(audit_routes.bp)
    app.register_blueprint(trawl.bp)
    app.register_blueprint(actions.bp)
    actions.init_app(app)  # action plans (issue 12): role source, reminders, queues, navigation, sections
    app.register_blueprint(health.bp)
    drafts.init_app(app)  # drafts to the panel and the contact log (blueprint, section, queues, reminders)
    submission.init_app(app)  # sign-off, Home Office pack, QA rounds, anonymisation check, publication (issue 13)


def _assets(app: Flask) -> None:
    """GOV.UK Frontend's CSS asks for its fonts under /assets.

    Only the fonts: its images are the GOV.UK crown and the Royal Arms, which are not ours to
    show (our own icons are in static/images).
    """
    assets = ROOT / "static" / "vendor" / "govuk-frontend" / "assets"

    def serve_asset(filename):
        if not filename.startswith("fonts/"):
            abort(404)
        return send_from_directory(assets, filename, max_age=86400)

    app.add_url_rule("/assets/<path:filename>", endpoint="assets", view_func=serve_asset)
