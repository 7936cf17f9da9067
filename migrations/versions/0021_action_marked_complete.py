"""action marked complete: when the owner marked an action complete (its confirmation is due from then)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 17:10:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("plan_actions") as batch:
        batch.add_column(sa.Column("marked_complete_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("plan_actions") as batch:
        batch.drop_column("marked_complete_at")
