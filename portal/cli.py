"""Command-line tools: ``flask users create-admin``, ``flask users reseal-security-codes`` and
``flask cases refresh``. A command owns its transaction, as a route does: it commits."""

from __future__ import annotations

import click
from flask import current_app, url_for
from flask.cli import AppGroup
from sqlalchemy import select

from portal.admin.models import Organisation
from portal.auth.models import User
from portal.auth.services import find_user_by_email, issue_token
from portal.extensions import db

users_cli = AppGroup("users", help="Manage accounts.")
cases_cli = AppGroup("cases", help="The case register.")


@users_cli.command("create-admin")
@click.option("--name", prompt="Full name")
@click.option("--email", prompt="Email address")
@click.option("--organisation", prompt="Organisation", default="Safeguarding Partnerships Business Office")
def create_admin(name: str, email: str, organisation: str):
    """Create the first administrator and print their one-time invitation link."""
    email = email.strip().lower()
    if find_user_by_email(email) is not None:
        raise click.ClickException("An account with this email address already exists")
    org = db.session.execute(select(Organisation).where(Organisation.name == organisation)).scalar_one_or_none()
    if org is None:
        org = Organisation(name=organisation)
        db.session.add(org)
        db.session.flush()
    user = User(name=name.strip(), email=email, organisation_id=org.id, system_role="admin", active=True)
    db.session.add(user)
    db.session.flush()
    from portal.audit import record

    record("admin.user_invited", object_type="user", object_id=user.id, detail={"system_role": "admin", "via": "cli"})
    raw = issue_token(user, "invitation", valid_for=current_app.config["INVITATION_VALID_FOR"])
    db.session.commit()
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        link = url_for("auth.accept_invitation", token=raw, _external=True)
    click.echo(f"Administrator {email} created. Open this link within 72 hours to set a password and security code:")
    click.echo(link)


@users_cli.command("reseal-security-codes")
def reseal_security_codes():
    """Re-seal every authenticator secret under the current TOTP_KEY.

    To rotate the key: move the old key to TOTP_OLD_KEYS, set TOTP_KEY to a new one
    (`flask documents generate-key` prints one), run this, and remove the old key only after it
    reports no failures. Secrets that cannot be opened are listed, and left as they are.
    """
    from portal.auth.models import AccountToken, UserSession
    from portal.auth.sealing import SealedSecretError, key_id_of, keyring, seal, unseal

    ring = keyring()
    resealed, failed = 0, []
    for model in (User, AccountToken, UserSession):
        column = "totp_secret_sealed" if model is User else "pending_secret_sealed"
        for row in db.session.execute(select(model).where(getattr(model, column).is_not(None))).scalars():
            sealed = getattr(row, column)
            if key_id_of(sealed) == ring.current_id:
                continue
            try:
                setattr(row, column, seal(unseal(sealed, ring), ring))
                resealed += 1
            except SealedSecretError as exc:
                failed.append(f"{model.__tablename__} {row.id}: {exc}")
    db.session.commit()
    click.echo(f"Re-sealed {resealed} secret(s) under key {ring.current_id}.")
    for problem in failed:
        click.echo(f"NOT re-sealed: {problem}", err=True)
    if failed:
        raise SystemExit(1)


@cases_cli.command("refresh")
def refresh_register():
    """Work out every case's register columns again (after changing CLOCK_TARGETS)."""
    from portal.cases.models import Case
    from portal.cases.standing import refresh

    ids = list(db.session.execute(select(Case.id)).scalars())
    changed = 0
    for start in range(0, len(ids), 500):
        changed += len(refresh(db.session.connection(), ids[start : start + 500]))
    db.session.commit()
    click.echo(f"Recomputed {len(ids)} reviews; {changed} changed.")


def init_app(app):
    from portal.demo.cli import demo_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(cases_cli)
    app.cli.add_command(demo_cli)
