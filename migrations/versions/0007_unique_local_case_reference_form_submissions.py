"""one local Case X YEAR (unique index where lead_area is NULL); one-time form submission tokens

Revision ID: 0007
Revises: 0006
Create Date: 2026-03-02 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def _refuse_duplicate_references():
    # Before this revision a double click could register the same local case twice. Those rows
    # need a person to decide which one is real (both may have updates and history), so the
    # upgrade stops and names them rather than deleting anything.
    duplicates = op.get_bind().execute(
        sa.text(
            "SELECT letter, year, count(*) FROM cases WHERE lead_area IS NULL "
            "GROUP BY letter, year HAVING count(*) > 1 ORDER BY year, letter"
        )
    ).all()
    if duplicates:
        names = ", ".join(f"Case {letter} {year} ({count} rows)" for letter, year, count in duplicates)
        raise RuntimeError(
            f"These cases were registered more than once: {names}. Merge or rename the copies "
            "(for example with a different letter), then run the upgrade again."
        )


def upgrade():
    _refuse_duplicate_references()
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(
            'uq_cases_local_reference',
            ['letter', 'year'],
            unique=True,
            sqlite_where=sa.text('lead_area IS NULL'),
            postgresql_where=sa.text('lead_area IS NULL'),
        )

    op.create_table('form_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('result_url', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_form_submissions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_submissions')),
    sa.UniqueConstraint('token', name=op.f('uq_form_submissions_token'))
    )
    with op.batch_alter_table('form_submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_submissions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('form_submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_submissions_user_id'))

    op.drop_table('form_submissions')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('uq_cases_local_reference')
