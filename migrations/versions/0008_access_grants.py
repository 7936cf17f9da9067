"""who granted CSP lead and agency contact access, and when (shown on each case's members page)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 09:58:45.931258

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('csp_leads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('granted_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('granted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_csp_leads_granted_by_id_users'), 'users', ['granted_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_granted_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('contact_granted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_users_contact_granted_by_id_users'), 'users', ['contact_granted_by_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_contact_granted_by_id_users'), type_='foreignkey')
        batch_op.drop_column('contact_granted_at')
        batch_op.drop_column('contact_granted_by_id')

    with op.batch_alter_table('csp_leads', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_csp_leads_granted_by_id_users'), type_='foreignkey')
        batch_op.drop_column('granted_at')
        batch_op.drop_column('granted_by_id')
