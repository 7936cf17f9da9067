"""Authenticator secrets: sealed with TOTP_KEY in the database, never in the cookie, a changed
value detected, the key read from the settings, and existing plaintext secrets migrated."""

from __future__ import annotations

import base64
import json
import logging
import secrets
from pathlib import Path

import flask_migrate
import pyotp
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from portal import config as portal_config
from portal.auth.models import User
from portal.auth.sealing import SealedSecretError, key_id_of, keyring, unseal
from portal.extensions import db
from tests.auth.test_invitations import INVITEE_PASSWORD, invite_directly
from tests.conftest import PASSWORD, page_text, totp_code
from tests.support import cookie_contents, cookie_value, error_summary, open_link, secret_on, sign_in
from tests.test_migrations import keep_logging, migrated_app, postgres_url  # noqa: F401  (fixtures)

FAILED = "The email address, password or security code is not correct"


def new_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def stored_text() -> str:
    """Every row of every table, as text: what a copy of the database would give away."""
    with db.engine.connect() as conn:
        return "\n".join(str(conn.execute(table.select()).all()) for table in db.metadata.sorted_tables)


def database_files() -> bytes:
    """The SQLite file itself (and its journal), where the database is SQLite."""
    url = make_url(db.engine.url)
    if url.get_backend_name() != "sqlite":
        return b""
    path = Path(url.database)
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-journal")) if p.exists())


def assert_not_stored(secret: str):
    db.session.commit()
    assert secret not in stored_text()
    assert secret.encode() not in database_files()


def assert_not_in_cookie(app, client, secret: str):
    raw = cookie_value(client, app)
    if raw is None:
        return
    assert secret not in raw
    assert secret not in json.dumps(cookie_contents(app, raw))


def sealed_column(user) -> str:
    return db.session.execute(text("SELECT totp_secret_sealed FROM users WHERE id = :id"), {"id": user.id}).scalar_one()


@pytest.mark.committed  # reads the database through other connections
def test_an_enrolled_secret_is_stored_only_sealed_and_sign_in_works(app, client, make_user):
    user = make_user()  # the factory sets totp_secret=...: the model seals it
    secret = user.totp_secret
    assert len(secret) == 32
    assert_not_stored(secret)
    sealed = sealed_column(user)
    assert sealed.startswith("v1.") and key_id_of(sealed) == keyring().current_id
    assert unseal(sealed) == secret
    assert sign_in(client, user.email, PASSWORD, totp_code(app, user)).status_code == 302


@pytest.mark.committed  # reads the database through other connections
def test_the_secret_offered_at_an_invitation_is_kept_off_the_cookie_and_sealed(app, make_user, outbox, clock):
    user = invite_directly(app, make_user)
    client = app.test_client()
    link = open_link(client, outbox.last_link("/invitation?token="))
    client.post(link, data={"password": INVITEE_PASSWORD, "confirm": INVITEE_PASSWORD})
    page = client.get(f"{link}/security-code")
    secret = secret_on(page)
    assert_not_in_cookie(app, client, secret)
    assert_not_stored(secret)  # the offer waits on the server, sealed

    wrong = client.post(f"{link}/security-code", data={"code": "000000"})
    assert wrong.status_code == 422
    assert_not_in_cookie(app, client, secret)

    done = client.post(f"{link}/security-code", data={"code": pyotp.TOTP(secret).at(clock.now)})
    assert done.status_code == 302 and done.headers["Location"] == "/home"
    assert_not_in_cookie(app, client, secret)
    assert_not_stored(secret)
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret == secret


@pytest.mark.committed  # reads the database through other connections
def test_the_secret_offered_by_a_renew_link_is_kept_off_the_cookie_and_sealed(app, make_user, login_as, outbox, clock):
    admin = make_user(system_role="admin")
    person = make_user()
    login_as(admin).post(f"/admin/users/{person.id}/reset-security-code")
    client = app.test_client()
    link = open_link(client, outbox.last_link("/security-code/renew?token="))
    assert client.post(link, data={"password": PASSWORD}).status_code == 302
    secret = secret_on(client.get(f"{link}/confirm"))
    assert_not_in_cookie(app, client, secret)
    assert_not_stored(secret)
    assert client.post(f"{link}/confirm", data={"code": pyotp.TOTP(secret).at(clock.now)}).status_code == 302
    assert_not_in_cookie(app, client, secret)
    assert_not_stored(secret)


@pytest.mark.committed  # reads the database through other connections
def test_the_secret_offered_when_changing_the_security_code_is_kept_off_the_cookie(app, make_user, login_as, clock):
    user = make_user()
    client = login_as(user)
    page = client.get("/account/security-code")
    secret = secret_on(page)
    assert secret_on(client.get("/account/security-code")) == secret  # the same offer on reload
    assert_not_in_cookie(app, client, secret)
    assert_not_stored(secret)
    clock.advance(seconds=30)
    response = client.post("/account/security-code", data={"code": pyotp.TOTP(secret).at(clock.now)})
    assert response.status_code == 302
    assert_not_in_cookie(app, client, secret)
    assert_not_stored(secret)
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret == secret
    assert "pending" not in str(cookie_contents(app, cookie_value(client, app)))


# -- a changed value, a different key -------------------------------------------------------------


def test_a_changed_sealed_secret_is_detected_and_refused_like_a_wrong_code(app, client, make_user, login_as, caplog):
    user = make_user()
    code = totp_code(app, user)
    sealed = sealed_column(user)
    head, body = sealed.rsplit(".", 1)
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[20] ^= 0x01
    tampered = head + "." + base64.urlsafe_b64encode(bytes(raw)).decode()
    db.session.execute(text("UPDATE users SET totp_secret_sealed = :v WHERE id = :id"), {"v": tampered, "id": user.id})
    db.session.commit()

    with pytest.raises(SealedSecretError, match="changed"):
        unseal(tampered)
    with caplog.at_level(logging.ERROR, logger="portal.auth.services"):
        response = sign_in(client, user.email, PASSWORD, code)
    assert response.status_code == 422 and FAILED in error_summary(response)
    assert any("cannot be unsealed" in r.getMessage() and str(user.id) in r.getMessage() for r in caplog.records)
    assert tampered not in caplog.text

    # The administrator can still see the account and reset its security code.
    admin = make_user(system_role="admin")
    page = login_as(admin).get(f"/admin/users/{user.id}")
    assert page.status_code == 200 and "Reset security code" in page_text(page)


def test_the_key_id_cannot_be_swapped(app, make_user):
    user = make_user()
    sealed = sealed_column(user)
    version, _key_id, body = sealed.split(".")
    with pytest.raises(SealedSecretError):
        unseal(f"{version}.{'0' * 16}.{body}")


def test_the_key_comes_from_the_settings_and_old_keys_stay_readable(app, make_user, clock, caplog):
    user = make_user()
    first_key = app.config["TOTP_KEY"]
    first_id = key_id_of(sealed_column(user))

    # A portal started with another key cannot read what the first sealed...
    app.config["TOTP_KEY"] = new_key()
    with caplog.at_level(logging.ERROR, logger="portal.auth.services"):
        response = sign_in(app.test_client(), user.email, PASSWORD, pyotp.TOTP(unseal_with(first_key, user)).now())
    assert response.status_code == 422
    assert "neither TOTP_KEY nor in TOTP_OLD_KEYS" in caplog.text

    # ...until the old key is listed in TOTP_OLD_KEYS; then re-sealing moves everything to the new key.
    app.config["TOTP_OLD_KEYS"] = first_key
    clock.advance(seconds=30)
    assert sign_in(app.test_client(), user.email, PASSWORD, totp_code(app, user)).status_code == 302
    result = app.test_cli_runner().invoke(args=["users", "reseal-security-codes"])
    assert result.exit_code == 0, result.output
    assert "Re-sealed 1 secret(s)" in result.output
    db.session.expire_all()
    assert key_id_of(sealed_column(user)) not in (first_id, None)
    app.config["TOTP_OLD_KEYS"] = ""
    clock.advance(seconds=30)
    assert sign_in(app.test_client(), user.email, PASSWORD, totp_code(app, user)).status_code == 302


def unseal_with(key: str, user) -> str:
    return unseal(sealed_column(user), keyring({"TOTP_KEY": key}))


def test_development_generates_a_totp_key_into_an_existing_secrets_file(tmp_path, monkeypatch):
    monkeypatch.setattr(portal_config, "INSTANCE", tmp_path)
    monkeypatch.delenv("TOTP_KEY", raising=False)
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps({"SECRET_KEY": "kept-" + "x" * 40, "DOCUMENTS_KEY": new_key()}))  # an older install
    before = json.loads(path.read_text())

    config = portal_config.load_config("development")
    after = json.loads(path.read_text())
    assert after["SECRET_KEY"] == before["SECRET_KEY"] and after["DOCUMENTS_KEY"] == before["DOCUMENTS_KEY"]
    assert config["TOTP_KEY"] == after["TOTP_KEY"] != after["DOCUMENTS_KEY"]
    assert len(base64.b64decode(after["TOTP_KEY"])) == 32
    assert portal_config.load_config("development")["TOTP_KEY"] == after["TOTP_KEY"]  # generated once

    monkeypatch.setenv("TOTP_KEY", new_key())  # the environment wins, as for every secret
    assert portal_config.load_config("development")["TOTP_KEY"] == portal_config.os.environ["TOTP_KEY"]


# -- upgrading a database that holds plaintext secrets ---------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_migration_seals_existing_secrets_and_downgrading_restores_them(tmp_path, request, backend):
    # PostgreSQL: a fresh database on the test server (skipped without TEST_DATABASE_URL).
    sqlite = f"sqlite:///{tmp_path / 'upgrade.db'}"
    app = migrated_app(sqlite if backend == "sqlite" else request.getfixturevalue("postgres_url"))
    plain = pyotp.random_base32()
    with app.app_context():
        flask_migrate.upgrade(revision="0005")
        when = {"now": "2026-03-02 09:00:00", "later": "2099-01-01 00:00:00", "plain": plain, "yes": True}
        statements = [
            "INSERT INTO organisations (id, name) VALUES (1, 'Agency')",
            "INSERT INTO users (id, email, name, organisation_id, password_hash, totp_secret, active, created_at)"
            " VALUES (1, 'enrolled@example.org', 'Enrolled', 1, 'h', :plain, :yes, :now)",
            "INSERT INTO users (id, email, name, organisation_id, password_hash, active, created_at)"
            " VALUES (2, 'halfway@example.org', 'Halfway', 1, 'h', :yes, :now)",
            "INSERT INTO users (id, email, name, organisation_id, active, created_at)"
            " VALUES (3, 'invited@example.org', 'Invited', 1, :yes, :now)",
            "INSERT INTO account_tokens (user_id, purpose, token_hash, created_at, expires_at)"
            " VALUES (2, 'invitation', 'a', :now, :later), (3, 'invitation', 'b', :now, :later)",
        ]
        for statement in statements:
            db.session.execute(text(statement), when)
        db.session.commit()

        flask_migrate.upgrade()
        assert plain not in stored_text() and plain.encode() not in database_files()
        assert db.session.get(User, 1).totp_secret == plain
        progress = dict(db.session.execute(text("SELECT user_id, password_set_at FROM account_tokens")).all())
        # The half-done invitation now asks for the password already set; the untouched one is as it was.
        assert progress[2] is not None and progress[3] is None
        db.session.remove()

        flask_migrate.downgrade(revision="0005")
        assert db.session.execute(text("SELECT totp_secret FROM users WHERE id = 1")).scalar_one() == plain
        db.session.remove()
        db.engine.dispose()


def test_the_migration_refuses_to_run_without_a_key(tmp_path):
    app = migrated_app(f"sqlite:///{tmp_path / 'nokey.db'}")
    app.config["TOTP_KEY"] = None
    with app.app_context():
        flask_migrate.upgrade(revision="0005")
        with pytest.raises(Exception, match="TOTP_KEY is not set"):
            flask_migrate.upgrade()
        assert db.session.execute(select(text("version_num")).select_from(text("alembic_version"))).scalar() == "0005"
        db.engine.dispose()
