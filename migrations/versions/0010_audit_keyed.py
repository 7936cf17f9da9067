"""audit trail keyed: each event's hash an HMAC under AUDIT_KEY, the key's id stored per row

Existing events keep their plain SHA-256 hashes and get no key id (NULL): they verify as
before. Events written from this revision on are keyed. The PostgreSQL trigger refusing
UPDATE, DELETE and TRUNCATE on audit_events is untouched: adding a nullable column without
a default rewrites no row.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key_id', sa.String(length=16), nullable=True))


def downgrade():
    # Without the key id a keyed row cannot be checked, and rows are never rewritten: refuse.
    keyed = op.get_bind().execute(sa.text("SELECT count(*) FROM audit_events WHERE key_id IS NOT NULL")).scalar()
    if keyed:
        raise RuntimeError(
            f"{keyed} audit events are keyed (HMAC under AUDIT_KEY); without their key id they would no "
            "longer verify (restore a backup instead)"
        )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_column('key_id')
