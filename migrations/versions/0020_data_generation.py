"""data generation: one row changed with every change a page shows (the page cache's key)

portal/web/data_generation.py keeps it; portal/web/page_cache.py reads it.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 16:00:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "data_generation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("stamp", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_generation")),
    )
    op.bulk_insert(table, [{"id": 1, "value": 0, "stamp": secrets.token_hex(16)}])


def downgrade():
    op.drop_table("data_generation")
