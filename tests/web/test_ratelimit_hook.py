"""Flask-Limiter's before-request check runs only when a limit needs it (portal/web/ratelimit.py)."""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter

from portal.web.ratelimit import drop_idle_check


def _hooked(app: Flask, limiter: Limiter) -> bool:
    return any(getattr(hook, "__self__", None) is limiter for hook in app.before_request_funcs.get(None, []))


def _app(**limits) -> tuple[Flask, Limiter]:
    app = Flask(__name__)
    limiter = Limiter(key_func=lambda: "one address", app=app, storage_uri="memory://", **limits)

    @app.get("/")
    def index():
        return "ok"

    @app.get("/decorated")
    @limiter.limit("2 per day")
    def decorated():
        return "ok"

    return app, limiter


def test_the_portal_runs_no_limiter_check_on_requests(app):
    from portal.extensions import limiter

    assert not _hooked(app, limiter)


def test_with_nothing_for_it_to_check_the_hook_goes_and_a_view_limit_still_holds():
    app, limiter = _app()
    assert drop_idle_check(app, limiter) is True
    assert not _hooked(app, limiter)
    client = app.test_client()
    assert [client.get("/decorated").status_code for _ in range(3)] == [200, 200, 429]
    assert all(client.get("/").status_code == 200 for _ in range(5))


def test_a_default_limit_keeps_the_hook_and_is_enforced():
    app, limiter = _app(default_limits=["2 per day"])
    assert drop_idle_check(app, limiter) is False
    assert _hooked(app, limiter)
    client = app.test_client()
    assert [client.get("/").status_code for _ in range(3)] == [200, 200, 429]


def test_an_application_limit_keeps_the_hook():
    app, limiter = _app(application_limits=["2 per day"])
    assert drop_idle_check(app, limiter) is False
    client = app.test_client()
    assert [client.get("/").status_code for _ in range(3)] == [200, 200, 429]


def test_a_blueprint_limit_keeps_the_hook():
    from flask import Blueprint

    app = Flask(__name__)
    limiter = Limiter(key_func=lambda: "one address", app=app, storage_uri="memory://")
    bp = Blueprint("limited", __name__)

    @bp.get("/limited")
    def limited():
        return "ok"

    limiter.limit("2 per day")(bp)
    app.register_blueprint(bp)
    assert drop_idle_check(app, limiter) is False
    client = app.test_client()
    assert [client.get("/limited").status_code for _ in range(3)] == [200, 200, 429]
