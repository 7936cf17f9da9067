"""audit trail in lanes: each event belongs to one of a few hash chains, numbered within it

Existing events are lane 1, which keeps the single chain's genesis value, so a trail
written before this revision verifies unchanged. The PostgreSQL trigger refusing UPDATE,
DELETE and TRUNCATE on audit_events is not touched: adding a column with a constant
default rewrites no row.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lane', sa.Integer(), server_default='1', nullable=False))
        batch_op.drop_index('ix_audit_events_seq')
        batch_op.create_index('ix_audit_events_lane_seq', ['lane', 'seq'], unique=True)


def downgrade():
    # One chain cannot hold several lanes' numbers: refuse rather than lose or renumber events.
    lanes = op.get_bind().execute(sa.text("SELECT count(DISTINCT lane) FROM audit_events")).scalar()
    if lanes and lanes > 1:
        raise RuntimeError(
            f"the audit trail uses {lanes} lanes; a single chain cannot hold them (restore a backup instead)"
        )
    op.execute("DELETE FROM audit_head WHERE id > 1")
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_lane_seq')
        batch_op.create_index('ix_audit_events_seq', ['seq'], unique=True)
        batch_op.drop_column('lane')
