"""``flask demo load`` and ``flask demo totp``: every demo account signs in; nothing when demo is disabled."""

from __future__ import annotations

import base64
import re
import secrets

import pyotp
import pytest
from sqlalchemy import func, select

from portal.auth.models import User
from portal.config import ConfigError, load_config
from portal.demo.people import DEMO_PASSWORD, PEOPLE
from portal.extensions import db
from tests.support import sign_in


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def count_users() -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count(User.id))).scalar_one()


def test_demo_load_creates_enrolled_accounts_that_sign_in_with_the_printed_code(app, runner, clock):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "Demo data loaded" in result.output and DEMO_PASSWORD in result.output

    users = db.session.execute(select(User)).scalars().all()
    assert len(users) == len(PEOPLE)
    assert all(user.enrolled and user.active for user in users)
    assert {user.system_role for user in users} >= {"admin", "business_office", None}
    for _key, _name, email, *_ in PEOPLE:
        assert email in result.output  # the accounts are listed for the newcomer

    for _key, name, email, *_ in PEOPLE:
        clock.advance(seconds=30)
        printed = runner.invoke(args=["demo", "totp", email])
        assert printed.exit_code == 0, printed.output
        code = printed.output.strip()
        assert re.fullmatch(r"\d{6}", code)
        user = db.session.execute(select(User).where(User.email == email)).scalar_one()
        assert code == pyotp.TOTP(user.totp_secret).at(clock.now)  # what an authenticator app shows now

        client = app.test_client()
        assert sign_in(client, email, DEMO_PASSWORD, code).status_code == 302, email
        assert name in client.get("/home").get_data(as_text=True)


def test_demo_load_refuses_a_database_that_has_people(app, runner, make_user):
    make_user()
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code != 0 and "not empty" in result.output
    assert count_users() == 1

    quiet = runner.invoke(args=["demo", "load", "--if-empty"])
    assert quiet.exit_code == 0 and "not loaded" in quiet.output
    assert count_users() == 1


def test_demo_totp_only_for_demo_accounts(app, runner, make_user):
    user = make_user()
    result = runner.invoke(args=["demo", "totp", user.email])
    assert result.exit_code != 0 and "not a demo account" in result.output


def test_nothing_demo_works_when_demo_is_disabled(app, runner):
    app.config["DEMO_ENABLED"] = False
    for args in (["demo", "load"], ["demo", "load", "--if-empty"], ["demo", "totp", PEOPLE[0][2]]):
        result = runner.invoke(args=args)
        assert result.exit_code != 0, args
        assert "disabled" in result.output
        assert not re.search(r"^\d{6}$", result.output, flags=re.M)
    assert count_users() == 0


def test_production_never_enables_demo_data(monkeypatch):
    for name, value in {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DOCUMENTS_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "TOTP_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "AUDIT_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "DATABASE_URL": "postgresql://portal@db.internal/portal",
        "CLAMD_HOST": "clamd.internal",
        "RATELIMIT_STORAGE_URI": "redis://redis.internal:6379/0",
        "MAIL_SERVER": "smtp.internal",
        "PORTAL_BASE_URL": "https://portal.example.org",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PORTAL_DEMO", raising=False)
    assert load_config("production")["DEMO_ENABLED"] is False
    monkeypatch.setenv("PORTAL_DEMO", "1")
    with pytest.raises(ConfigError, match="Demo"):
        load_config("production")


def test_demo_updates_and_history_carry_the_day_they_were_given_not_the_day_of_loading(app, runner, clock):
    from portal.cases.models import Case, CrgUpdate, StageHistory
    from portal.clock import london_date
    from portal.demo.generate import generate
    from tests.conftest import page_text
    from tests.demo_accounts import demo_client

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    generate(30, seed=7)
    updates = db.session.execute(select(CrgUpdate)).scalars().all()
    history = db.session.execute(select(StageHistory)).scalars().all()
    assert len(updates) > 20 and len(history) > 50
    for update in updates:
        assert london_date(update.created_at) == update.meeting_on
    for entry in history:
        assert london_date(entry.recorded_at) == entry.occurred_on

    case = db.session.execute(select(Case).where(Case.letter == "X", Case.year == 2021)).scalar_one()
    client = demo_client(app, clock, "business_office")
    text = page_text(client.get(f"/cases/{case.id}"))
    assert "Added 12 June 2025" in text and "Added 10 April 2025" in text
    today = f"{clock.now.day} {clock.now:%B %Y}"
    assert f"Added {today}" not in text
    assert today not in page_text(client.get(f"/cases/{case.id}/history"))


def test_demo_members_page_says_who_granted_access_and_offers_only_agencies(app, runner, clock):
    from portal.cases.models import Case
    from tests.conftest import page_text
    from tests.demo_accounts import demo_client

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    case = db.session.execute(select(Case).where(Case.letter == "X", Case.year == 2021)).scalar_one()
    response = demo_client(app, clock, "business_office").get(f"/cases/{case.id}/members")
    text = page_text(response)
    # The CSP lead and the agency contact were granted by the business office, today (the load).
    assert "Not recorded" not in text
    assert f"{clock.now.day} {clock.now:%B %Y}" in text
    picker = response.get_data(as_text=True).split('id="agency-organisation_id"', 1)[1].split("</select>", 1)[0]
    assert "Leicestershire Police" in picker
    assert "Independent authors and chairs" not in picker
    assert "Safeguarding Partnerships Business Office" not in picker
    h_2022 = db.session.execute(select(Case).where(Case.letter == "H", Case.year == 2022)).scalar_one()
    ended = page_text(demo_client(app, clock, "business_office").get(f"/cases/{h_2022.id}/members"))
    assert "Ended 30 September 2025" in ended  # the panel member whose access has ended


def test_the_demo_author_is_a_current_member_of_x_2021_and_may_upload_its_next_version(app, runner, clock):
    """The Home Office's required changes come back to X 2021's author, who uploads a new version."""
    from portal.authz.policy import Action, can
    from portal.cases.models import Case, Membership

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    case = db.session.execute(select(Case).where(Case.letter == "X", Case.year == 2021)).scalar_one()
    author = db.session.execute(select(User).where(User.email == "author@example.org")).scalar_one()
    membership = db.session.execute(
        select(Membership).where(Membership.case_id == case.id, Membership.user_id == author.id)
    ).scalar_one()
    assert membership.role == "author" and membership.ends_on is None
    assert can(author, Action.UPLOAD_DRAFT, case)
    # The demo still shows a membership that has ended by itself.
    ended = db.session.execute(select(Membership).where(Membership.ends_on.is_not(None))).scalars().all()
    assert ended and all(not can(m.user, Action.VIEW_CASE, m.case) for m in ended)
