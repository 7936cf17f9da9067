"""imr accepted at: when an IMR was accepted, for the case timeline

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 16:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("trawl_imrs") as batch_op:
        batch_op.add_column(sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("trawl_imrs") as batch_op:
        batch_op.drop_column("accepted_at")
