"""``flask demo load`` and ``flask demo totp EMAIL``."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from portal.admin.models import CSP, Organisation
from portal.auth.models import User
from portal.auth.passwords import hash_password
from portal.auth.totp import current_code
from portal.clock import utcnow
from portal.extensions import db

from .access import grant_demo_access
from .cases import load_cases
from .people import CSPS, DEMO_PASSWORD, ORGANISATIONS, PEOPLE, demo_secret
from .trawls import load_trawls

demo_cli = AppGroup("demo", help="Fictional demo data (development only).")


def _require_demo_enabled():
    if not current_app.config.get("DEMO_ENABLED"):
        raise click.ClickException("Demo data is disabled in this configuration (never available in production)")


def load_demo() -> None:
    """Create the demo organisations, CSPs, one account per kind of user, the board paper's
    cases, and memberships that give each demo user a different slice."""
    by_name = {}
    for name, kind in ORGANISATIONS:
        organisation = Organisation(name=name, type=kind)
        db.session.add(organisation)
        by_name[name] = organisation
    for name, area in CSPS:
        db.session.add(CSP(name=name, area=area))
    db.session.flush()
    password_hash = hash_password(DEMO_PASSWORD)
    for _key, name, email, organisation, role, _label in PEOPLE:
        db.session.add(
            User(
                name=name,
                email=email,
                organisation_id=by_name[organisation].id,
                system_role=role,
                password_hash=password_hash,
                totp_secret=demo_secret(email),
                active=True,
                activated_at=utcnow(),
            )
        )
    db.session.flush()
    cases = load_cases()
    grant_demo_access(cases)
    load_trawls(cases)
    from portal.actions.demo import load_plans

    load_plans(cases)  # the signed-off reviews' action plans (portal/actions)
    from portal.drafts.demo import load_demo_drafts  # drafts of the demo author's review

    load_demo_drafts(cases)
    from portal.submission.demo import load_demo_submission

    load_demo_submission(cases)  # X 2021's drafts and restricted identity, ready to sign off (portal/submission)
    db.session.commit()


def print_accounts() -> None:
    click.echo("")
    click.echo("Demo accounts (fictional). Password for all: " + DEMO_PASSWORD)
    click.echo("Security code: run  make code EMAIL=<address>  (or: flask demo totp <address>)")
    for _key, _name, email, _organisation, _role, label in PEOPLE:
        click.echo(f"  {label:<32} {email}")
    click.echo("")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
def load_command(if_empty: bool):
    """Load the demo data set."""
    _require_demo_enabled()
    users = db.session.execute(select(func.count(User.id))).scalar_one()
    if users:
        if if_empty:
            click.echo("Database already has data; demo data not loaded.")
            print_accounts()
            return
        raise click.ClickException("The database is not empty; demo data is only loaded into an empty database")
    load_demo()
    click.echo("Demo data loaded.")
    print_accounts()


@demo_cli.command("accounts")
def accounts_command():
    """List the demo accounts."""
    _require_demo_enabled()
    print_accounts()


@demo_cli.command("totp")
@click.argument("email")
def totp_command(email: str):
    """Print the current security code of a demo account."""
    _require_demo_enabled()
    emails = {person[2] for person in PEOPLE}
    if email.strip().lower() not in emails:
        raise click.ClickException(f"{email} is not a demo account")
    click.echo(current_code(demo_secret(email.strip().lower())))


from . import generate  # noqa: E402, F401  (adds `flask demo generate`)
