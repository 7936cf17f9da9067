"""authenticator secrets sealed with TOTP_KEY; enrolment progress kept on the server

Every stored TOTP secret is sealed (AES-GCM, portal/auth/sealing.py) with TOTP_KEY, a key
outside the database. Upgrading seals the plaintext secrets already there, so it needs the
same TOTP_KEY the portal will run with: `flask db upgrade` reads it from the portal's settings
(instance/secrets.json in development, the environment in production). Downgrading unseals
them again, for which TOTP_KEY (or TOTP_OLD_KEYS) must still open them.

Invitations half done under the old code (password set, no authenticator yet) are marked as
past their password step, so that the link now asks for that password before it goes on.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 10:00:00

"""

import sqlalchemy as sa
from alembic import op
from flask import current_app

from portal.auth.sealing import keyring, seal, unseal

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

users = sa.table(
    "users",
    sa.column("id", sa.Integer),
    sa.column("password_hash", sa.String),
    sa.column("totp_secret", sa.String),
    sa.column("totp_secret_sealed", sa.String),
)
account_tokens = sa.table(
    "account_tokens",
    sa.column("id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("purpose", sa.String),
    sa.column("used_at", sa.DateTime(timezone=True)),
    sa.column("password_set_at", sa.DateTime(timezone=True)),
)


def upgrade():
    ring = keyring(current_app.config)  # fails here, before any change, if TOTP_KEY is missing or bad
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret_sealed", sa.String(length=255), nullable=True))
    with op.batch_alter_table("account_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("password_set_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("pending_secret_sealed", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("browser_hash", sa.String(length=64), nullable=True))
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_secret_sealed", sa.String(length=255), nullable=True))

    bind = op.get_bind()
    rows = bind.execute(sa.select(users.c.id, users.c.totp_secret).where(users.c.totp_secret.is_not(None))).all()
    for user_id, secret in rows:
        bind.execute(users.update().where(users.c.id == user_id).values(totp_secret_sealed=seal(secret, ring)))

    half_done = sa.select(users.c.id).where(users.c.password_hash.is_not(None), users.c.totp_secret.is_(None))
    bind.execute(
        account_tokens.update()
        .where(
            account_tokens.c.purpose == "invitation",
            account_tokens.c.used_at.is_(None),
            account_tokens.c.user_id.in_(half_done),
        )
        .values(password_set_at=sa.func.now())
    )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("totp_secret")


def downgrade():
    ring = keyring(current_app.config)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))

    bind = op.get_bind()
    rows = bind.execute(
        sa.select(users.c.id, users.c.totp_secret_sealed).where(users.c.totp_secret_sealed.is_not(None))
    ).all()
    for user_id, sealed in rows:
        bind.execute(users.update().where(users.c.id == user_id).values(totp_secret=unseal(sealed, ring)))

    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_column("pending_secret_sealed")
    with op.batch_alter_table("account_tokens", schema=None) as batch_op:
        batch_op.drop_column("browser_hash")
        batch_op.drop_column("pending_secret_sealed")
        batch_op.drop_column("password_set_at")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("totp_secret_sealed")
