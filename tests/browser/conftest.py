"""Browser tests: Debian's Chromium driven by Playwright, against the portal served on a real socket.

``playwright install`` cannot download here, so the system Chromium is used. The portal runs
in a background thread (werkzeug's ``make_server``) on a free port with its own SQLite file,
so the browser sees exactly what a person would: real cookies, real CSP, real htmx.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from werkzeug.serving import make_server

from portal import create_app
from portal.clock import FrozenClock
from portal.extensions import db
from tests.conftest import PASSWORD


@dataclass
class LiveServer:
    app: object
    url: str
    clock: FrozenClock
    people: dict = field(default_factory=dict)

    def add_person(self, name: str, *, system_role: str | None = None):
        """An enrolled account (password ``PASSWORD``) in a new organisation; returns its id and secret."""
        from portal.admin.models import Organisation
        from portal.auth.models import User
        from portal.auth.passwords import hash_password
        from portal.auth.totp import new_secret

        with self.app.app_context():
            organisation = Organisation(name=f"{name}'s agency")
            db.session.add(organisation)
            db.session.flush()
            user = User(
                name=name,
                email=name.lower().replace(" ", ".") + "@example.org",
                organisation_id=organisation.id,
                system_role=system_role,
                password_hash=hash_password(PASSWORD),
                totp_secret=new_secret(),
                active=True,
            )
            db.session.add(user)
            db.session.commit()
            return user.id, user.email, user.totp_secret


@pytest.fixture
def live_server(tmp_path, smtp_server):
    controller, _ = smtp_server
    # A clock that starts at the real time (so codes are what an app would show) and that the
    # test can move forward to expire a session without sleeping.
    clock = FrozenClock(datetime.now(UTC))
    server = None
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'live.db'}",
            "SECRET_KEY": "browser-test-secret-" + "x" * 32,
            "CLOCK": clock,
            "MAIL_BACKEND": "smtp",
            "MAIL_SERVER": controller.hostname,
            "MAIL_PORT": controller.port,
            "MAIL_USE_TLS": False,
            "RATELIMIT_STORAGE_URI": "memory://",
            "DEMO_ENABLED": False,
        }
    )
    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-portal", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = url
    try:
        yield LiveServer(app=app, url=url, clock=clock)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()
