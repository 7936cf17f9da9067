"""register columns on cases: stage_since, next_due_clock, next_due_on, changed_at

What the register sorts and filters on, and the dashboard's "recently changed", kept on the
case (portal/cases/standing.py keeps them on every change). Existing cases are filled in
here with the same pure function the portal uses, so the values cannot differ.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BATCH = 500


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stage_since', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('next_due_clock', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('next_due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_stage_since'), ['stage_since'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_next_due_on'), ['next_due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_changed_at'), ['changed_at'], unique=False)
    _backfill()


def _backfill():
    from portal.cases import clocks
    from portal.cases.standing import values_for
    from portal.clock import london_today

    bind = op.get_bind()
    # Typed table definitions, so SQLite's text dates come back as dates.
    cases = sa.table(
        "cases",
        sa.column("id", sa.Integer),
        sa.column("stage_entered_on", sa.Date),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("on_hold", sa.Boolean),
        sa.column("hold_since", sa.Date),
        sa.column("csp_notified_on", sa.Date),
        sa.column("decision_on", sa.Date),
        sa.column("decision_outcome", sa.String),
        sa.column("home_office_informed_on", sa.Date),
        sa.column("sent_to_home_office_on", sa.Date),
        sa.column("home_office_outcome_on", sa.Date),
        sa.column("stage_since", sa.Date),
        sa.column("next_due_clock", sa.String),
        sa.column("next_due_on", sa.Date),
        sa.column("changed_at", sa.DateTime(timezone=True)),
    )
    history = sa.table(
        "stage_history",
        sa.column("id", sa.Integer),
        sa.column("case_id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("occurred_on", sa.Date),
        sa.column("recorded_at", sa.DateTime(timezone=True)),
    )
    changes = sa.table("case_field_changes", sa.column("case_id", sa.Integer), sa.column("changed_at", sa.DateTime(timezone=True)))
    updates = sa.table("crg_updates", sa.column("case_id", sa.Integer), sa.column("created_at", sa.DateTime(timezone=True)))

    goals, today = clocks.targets(), london_today()
    holds = {}
    for event in bind.execute(
        sa.select(history.c.case_id, history.c.kind, history.c.occurred_on)
        .where(history.c.kind.in_(("hold", "resume")))
        .order_by(history.c.case_id, history.c.occurred_on, history.c.id)
    ):
        holds.setdefault(event.case_id, []).append(event)
    latest = {}
    for column, table in ((history.c.recorded_at, history), (changes.c.changed_at, changes), (updates.c.created_at, updates)):
        for case_id, at in bind.execute(sa.select(table.c.case_id, sa.func.max(column)).group_by(table.c.case_id)):
            if at is not None and (case_id not in latest or _naive(latest[case_id]) < _naive(at)):
                latest[case_id] = at

    rows = []
    for case in bind.execute(sa.select(cases)):
        values = values_for(case, holds.get(case.id, []), goals, today)
        rows.append({"case_id": case.id, **values, "changed_at": latest.get(case.id)})
    statement = (
        cases.update()
        .where(cases.c.id == sa.bindparam("case_id"))
        .values(
            stage_since=sa.bindparam("stage_since"),
            next_due_clock=sa.bindparam("next_due_clock"),
            next_due_on=sa.bindparam("next_due_on"),
            changed_at=sa.bindparam("changed_at", type_=sa.DateTime(timezone=True)),
        )
    )
    for start in range(0, len(rows), BATCH):
        bind.execute(statement, rows[start : start + BATCH])


def _naive(value):
    # A SQL max() over text on SQLite, or an aware datetime on PostgreSQL: compare both as UTC wall times.
    from portal.clock import as_utc

    return as_utc(value)


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_changed_at'))
        batch_op.drop_index(batch_op.f('ix_cases_next_due_on'))
        batch_op.drop_index(batch_op.f('ix_cases_stage_since'))
        batch_op.drop_column('changed_at')
        batch_op.drop_column('next_due_on')
        batch_op.drop_column('next_due_clock')
        batch_op.drop_column('stage_since')
