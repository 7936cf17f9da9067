"""Each kind of event is recorded with who, what, UTC time and IP, and never a secret.

The security requirements on audit: sign-in (and failure), sign-out, case page views, denials and admin
actions; no secrets or narrative in the trail or the logs; no forged log lines.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC

import pytest
from sqlalchemy import select

from portal.audit import verify
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.extensions import db
from tests.audit.conftest import events
from tests.conftest import totp_code
from tests.support import once, sign_in

IP = "203.0.113.7"
TYPED_PASSWORD = "Marmalade-Kestrel-Secret-9"  # noqa: S105 - what a person mistypes at sign-in


@pytest.fixture
def all_logs(caplog):
    """Everything the portal logs, SQL included (as if someone turned SQL logging on to debug).

    Loggers another test's ``logging.fileConfig`` (Alembic's env.py) disabled are switched
    back on for the test, so "nothing leaked" is never true only because nothing was logged.
    """
    loggers = [logger for logger in logging.root.manager.loggerDict.values() if isinstance(logger, logging.Logger)]
    disabled = [logger for logger in loggers if logger.disabled]
    for logger in disabled:
        logger.disabled = False
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    yield caplog
    for logger in disabled:
        logger.disabled = True


def stored_values() -> list[str]:
    """Every column of every audit row, as text: what someone reading the table would see."""
    columns = [column.key for column in AuditEvent.__table__.columns]
    return [
        json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else str(value)
        for event in events()
        for value in (getattr(event, name) for name in columns)
    ]


def everything_stored() -> str:
    return " | ".join(stored_values())


def from_ip(client, ip: str = IP):
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def assert_when_and_where(event, clock, ip=IP):
    assert event.occurred_at.tzinfo is not None, "times are stored and read back as UTC, never naive"
    assert event.occurred_at.astimezone(UTC) == clock.now
    assert event.ip == ip


def test_sign_in_success_is_recorded(app, client, clock, make_user, login_as):
    user = make_user()
    login_as(user, from_ip(client))
    [event] = events(action="auth.sign_in")
    assert (event.outcome, event.actor_id, event.object_type, event.object_id) == (
        "success",
        user.id,
        "user",
        str(user.id),
    )
    assert_when_and_where(event, clock)
    assert verify() is None


def test_sign_in_failure_is_recorded_without_the_password(app, client, clock, make_user, all_logs):
    user = make_user()
    clock.advance(seconds=30)
    response = sign_in(from_ip(client), user.email, TYPED_PASSWORD, totp_code(app, user))
    assert response.status_code == 422
    [event] = events(action="auth.sign_in")
    assert (event.outcome, event.actor_id, event.object_id) == ("failure", None, str(user.id))
    assert event.detail == {"reason": "bad_credentials"}
    assert_when_and_where(event, clock)
    assert TYPED_PASSWORD not in everything_stored()
    assert TYPED_PASSWORD not in all_logs.text
    assert all(TYPED_PASSWORD not in str(record.args) for record in all_logs.records)


def test_a_failed_sign_in_with_an_unknown_address_stores_no_address(app, client, clock, all_logs):
    """What was typed in the e-mail box may be a password typed in the wrong box: only its hash is kept."""
    typed = "Marmalade-Kestrel-Secret-9@nowhere.example.org"
    response = sign_in(from_ip(client), typed, TYPED_PASSWORD, "123456")
    assert response.status_code == 422
    [event] = events(action="auth.sign_in")
    assert (event.outcome, event.actor_id, event.object_id) == ("failure", None, None)
    assert set(event.detail) == {"reason", "email"} and len(event.detail["email"]) == 16
    stored = everything_stored()
    assert typed.lower() not in stored.lower() and "Marmalade" not in stored
    assert "Marmalade" not in all_logs.text


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r", "\u2028"], ids=["LF", "CRLF", "CR", "LS"])
@pytest.mark.parametrize("box", ["email", "code"])
def test_a_newline_typed_at_sign_in_cannot_forge_a_log_line(app, client, clock, all_logs, make_user, box, newline):
    user = make_user()
    forged = "INFO portal.auth: sign-in succeeded for admin@example.org"
    typed = {"email": user.email, "code": "123456"}
    typed[box] += f"{newline}{forged}"
    response = sign_in(from_ip(client), typed["email"], TYPED_PASSWORD, typed["code"])
    assert response.status_code == 422
    for record in all_logs.records:
        assert forged not in record.getMessage()
    assert not any(line.lstrip().startswith("INFO portal.auth") for line in all_logs.text.splitlines())
    assert not any(forged in value or newline in value for value in stored_values())
    assert any("SELECT" in record.getMessage() for record in all_logs.records), "SQL was logged, and read"


def test_sign_out_is_recorded(app, client, clock, make_user, login_as):
    user = make_user()
    login_as(user, from_ip(client))
    clock.advance(minutes=5)
    response = client.post("/sign-out")
    assert response.status_code == 302
    [event] = events(action="auth.sign_out")
    assert (event.outcome, event.actor_id, event.object_id) == ("success", user.id, str(user.id))
    assert_when_and_where(event, clock)


def test_a_case_page_view_is_recorded(app, client, clock, make_user, login_as, make_case):
    officer = make_user(system_role="business_office")
    case = make_case("H", 2022)
    login_as(officer, from_ip(client))
    clock.advance(minutes=1)
    response = client.get(f"/cases/{case.id}")
    assert response.status_code == 200
    [event] = events(action="case.viewed")
    assert (event.outcome, event.actor_id, event.case_id, event.object_type, event.object_id) == (
        "success",
        officer.id,
        case.id,
        "case",
        str(case.id),
    )
    assert_when_and_where(event, clock)
    client.get(f"/cases/{case.id}")
    assert len(events(action="case.viewed")) == 2, "every view is recorded, not only the first"


def test_a_403_on_a_case_url_is_recorded(app, client, clock, make_user, login_as, make_case, add_member):
    member = make_user()
    case = make_case()
    add_member(case, member, "panel_member")
    login_as(member, from_ip(client))
    clock.advance(minutes=1)
    response = client.get(f"/cases/{case.id}/access")  # panel members may not see who accessed it
    assert response.status_code == 403
    [event] = events(action="access.denied")
    assert (event.outcome, event.actor_id, event.case_id) == ("denied", member.id, case.id)
    assert event.detail == {"status": 403, "endpoint": "audit.case_access", "method": "GET"}
    assert_when_and_where(event, clock)


def test_a_404_on_a_case_url_is_recorded(app, client, clock, make_user, login_as, make_case):
    stranger = make_user()
    case = make_case()
    login_as(stranger, from_ip(client))
    clock.advance(minutes=1)
    assert client.get(f"/cases/{case.id}").status_code == 404
    assert client.get(f"/cases/{case.id + 1000}").status_code == 404
    first, second = events(action="access.denied")
    assert (first.outcome, first.actor_id, first.case_id, first.detail["status"]) == (
        "denied",
        stranger.id,
        case.id,
        404,
    )
    assert (second.actor_id, second.detail["status"]) == (stranger.id, 404)
    assert_when_and_where(first, clock)
    assert events(action="case.viewed") == []


def test_an_anonymous_request_for_a_case_url_is_recorded(app, client, clock, make_case):
    case = make_case()
    clock.advance(minutes=1)
    response = from_ip(client).get(f"/cases/{case.id}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    [event] = events(action="access.denied")
    assert (event.outcome, event.actor_id, event.case_id) == ("denied", None, case.id)
    assert event.detail["status"] == 401
    assert_when_and_where(event, clock)


def test_an_admin_action_is_recorded(app, client, clock, make_user, make_org, login_as, outbox):
    admin = make_user(system_role="admin")
    organisation = make_org("Leicestershire Police")
    login_as(admin, from_ip(client))
    clock.advance(minutes=1)
    response = client.post(
        "/admin/users/invite",
        data={
            **once(),
            "name": "Priya Narrative-Name",
            "email": "priya.invited@example.org",
            "organisation_id": str(organisation.id),
            "system_role": "none",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    invited = db.session.execute(select(User).where(User.email == "priya.invited@example.org")).scalar_one()
    [event] = events(action="admin.user_invited")
    assert (event.outcome, event.actor_id, event.object_type, event.object_id) == (
        "success",
        admin.id,
        "user",
        str(invited.id),
    )
    assert_when_and_where(event, clock)
    token = outbox.last_link("/invitation?token=").split("?token=", 1)[1]
    stored = everything_stored()
    assert token not in stored, "the invitation link is a secret"
    assert "Narrative-Name" not in stored and "priya.invited" not in stored
    assert verify() is None
