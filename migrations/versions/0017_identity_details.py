"""identity details: a restricted identity's date of birth and address (lines, town, postcode),
what an agency searches its records with while its trawl request is open; a version for
optimistic locking now that an identity can be edited

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 16:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

COLUMNS = (
    ("date_of_birth", sa.Date()),
    ("address_line_1", sa.String(length=200)),
    ("address_line_2", sa.String(length=200)),
    ("address_town", sa.String(length=100)),
    ("postcode", sa.String(length=10)),
)


def upgrade():
    with op.batch_alter_table("restricted_identities") as batch_op:
        for name, type_ in COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade():
    with op.batch_alter_table("restricted_identities") as batch_op:
        batch_op.drop_column("version")
        for name, _type in reversed(COLUMNS):
            batch_op.drop_column(name)
