"""document keys: each document's own data key, wrapped by the master key; disposal records count
the data keys they destroyed

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 16:00:00

Existing documents keep a NULL wrapped_key: their files are still read with the key derived from
the master key, until ``flask documents rotate-key`` rewrites them with data keys of their own.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("documents") as batch_op:
        batch_op.add_column(sa.Column("wrapped_key", sa.LargeBinary(length=64), nullable=True))
    with op.batch_alter_table("disposal_records") as batch_op:
        batch_op.add_column(sa.Column("keys_destroyed", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    # Documents written with data keys cannot be read without them: refuse rather than lose them.
    bind = op.get_bind()
    count = bind.execute(sa.text("SELECT count(*) FROM documents WHERE wrapped_key IS NOT NULL")).scalar()
    if count:
        raise RuntimeError(
            f"{count} document(s) are sealed under data keys of their own: downgrading would make them unreadable"
        )
    with op.batch_alter_table("disposal_records") as batch_op:
        batch_op.drop_column("keys_destroyed")
    with op.batch_alter_table("documents") as batch_op:
        batch_op.drop_column("wrapped_key")
