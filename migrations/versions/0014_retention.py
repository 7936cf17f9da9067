"""retention and disposal: a case's retention (extension, legal hold) and its history; disposal records

case_retention and retention_events are rows of a case (disposal removes them with it);
disposal_records reference no case and are all that is kept of a disposed one.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 13:23:04.966133

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_retention',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('keep_until', sa.Date(), nullable=True),
    sa.Column('legal_hold', sa.Boolean(), nullable=False),
    sa.Column('hold_reason', sa.Text(), nullable=True),
    sa.Column('hold_placed_by_id', sa.Integer(), nullable=True),
    sa.Column('hold_placed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_retention_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['hold_placed_by_id'], ['users.id'], name=op.f('fk_case_retention_hold_placed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_retention')),
    sa.UniqueConstraint('case_id', name=op.f('uq_case_retention_case_id'))
    )
    op.create_table('disposal_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_reference', sa.String(length=200), nullable=False),
    sa.Column('former_case_id', sa.Integer(), nullable=False),
    sa.Column('ended_stage', sa.String(length=32), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('disposal_due_on', sa.Date(), nullable=False),
    sa.Column('disposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('disposed_by_id', sa.Integer(), nullable=True),
    sa.Column('rows_removed', sa.JSON(), nullable=False),
    sa.Column('documents_destroyed', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['disposed_by_id'], ['users.id'], name=op.f('fk_disposal_records_disposed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disposal_records'))
    )
    with op.batch_alter_table('disposal_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disposal_records_former_case_id'), ['former_case_id'], unique=False)

    op.create_table('retention_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('previous_date', sa.Date(), nullable=True),
    sa.Column('new_date', sa.Date(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_retention_events_actor_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_retention_events_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_events'))
    )
    with op.batch_alter_table('retention_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retention_events_case_id'), ['case_id'], unique=False)



def downgrade():
    # A disposal record is the only evidence that a case was disposed of on time: never drop one quietly.
    kept = op.get_bind().execute(sa.text("SELECT count(*) FROM disposal_records")).scalar()
    if kept:
        raise RuntimeError(f"{kept} disposal records exist; they are the record of disposed cases (restore a backup instead)")
    with op.batch_alter_table('retention_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_retention_events_case_id'))

    op.drop_table('retention_events')
    with op.batch_alter_table('disposal_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disposal_records_former_case_id'))

    op.drop_table('disposal_records')
    op.drop_table('case_retention')
