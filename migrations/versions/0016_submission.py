"""submission: CRG sign-offs pinning versions, amendments requested, Home Office rounds with the
pack's SHA-256, required changes, anonymisation checks and their kept reasons, publication

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 14:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

DOC_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "submission_signoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("signed_off_on", sa.Date(), nullable=False),
        sa.Column("overview_version_id", sa.Integer(), nullable=False),
        sa.Column("summary_version_id", sa.Integer(), nullable=True),
        sa.Column("plan_document_id", DOC_ID, nullable=True),
        sa.Column("plan_rows", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_submission_signoffs_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["overview_version_id"],
            ["draft_versions.id"],
            name=op.f("fk_submission_signoffs_overview_version_id_draft_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["summary_version_id"],
            ["draft_versions.id"],
            name=op.f("fk_submission_signoffs_summary_version_id_draft_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_document_id"], ["documents.id"], name=op.f("fk_submission_signoffs_plan_document_id_documents")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_submission_signoffs_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_signoffs")),
    )
    op.create_index(op.f("ix_submission_signoffs_case_id"), "submission_signoffs", ["case_id"])
    op.create_table(
        "submission_amendments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_submission_amendments_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name=op.f("fk_submission_amendments_requested_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["submission_signoffs.id"],
            name=op.f("fk_submission_amendments_resolved_by_id_submission_signoffs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_amendments")),
    )
    op.create_index(op.f("ix_submission_amendments_case_id"), "submission_amendments", ["case_id"])
    op.create_table(
        "submission_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("signoff_id", sa.Integer(), nullable=False),
        sa.Column("pack_sha256", sa.String(length=64), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("commissioner_sent_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("outcome_on", sa.Date(), nullable=True),
        sa.Column("letter_document_id", DOC_ID, nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_submission_rounds_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["signoff_id"], ["submission_signoffs.id"], name=op.f("fk_submission_rounds_signoff_id_submission_signoffs")
        ),
        sa.ForeignKeyConstraint(
            ["letter_document_id"], ["documents.id"], name=op.f("fk_submission_rounds_letter_document_id_documents")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_submission_rounds_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_rounds")),
        sa.UniqueConstraint("case_id", "number", name="uq_submission_rounds_case_number"),
    )
    op.create_index(op.f("ix_submission_rounds_case_id"), "submission_rounds", ["case_id"])
    op.create_table(
        "submission_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_submission_changes_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["submission_rounds.id"],
            name=op.f("fk_submission_changes_round_id_submission_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["done_by_id"], ["users.id"], name=op.f("fk_submission_changes_done_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_changes")),
    )
    op.create_index(op.f("ix_submission_changes_case_id"), "submission_changes", ["case_id"])
    op.create_index(op.f("ix_submission_changes_round_id"), "submission_changes", ["round_id"])
    op.create_table(
        "submission_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("hits", sa.JSON(), nullable=False),
        sa.Column("run_by_id", sa.Integer(), nullable=True),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_submission_checks_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["run_by_id"], ["users.id"], name=op.f("fk_submission_checks_run_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_checks")),
    )
    op.create_index(op.f("ix_submission_checks_case_id"), "submission_checks", ["case_id"])
    op.create_table(
        "submission_hit_reasons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_id", sa.Integer(), nullable=False),
        sa.Column("hit_key", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["check_id"],
            ["submission_checks.id"],
            name=op.f("fk_submission_hit_reasons_check_id_submission_checks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_submission_hit_reasons_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_hit_reasons")),
        sa.UniqueConstraint("check_id", "hit_key", name="uq_submission_hit_reasons_key"),
    )
    op.create_index(op.f("ix_submission_hit_reasons_check_id"), "submission_hit_reasons", ["check_id"])
    op.create_table(
        "submission_publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("ready_check_id", sa.Integer(), nullable=False),
        sa.Column("ready_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ready_by_id", sa.Integer(), nullable=True),
        sa.Column("overview_version_id", sa.Integer(), nullable=True),
        sa.Column("summary_version_id", sa.Integer(), nullable=True),
        sa.Column("family_told_on", sa.Date(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("web_address", sa.String(length=500), nullable=True),
        sa.Column("takedown_on", sa.Date(), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_submission_publications_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["ready_check_id"],
            ["submission_checks.id"],
            name=op.f("fk_submission_publications_ready_check_id_submission_checks"),
        ),
        sa.ForeignKeyConstraint(
            ["ready_by_id"], ["users.id"], name=op.f("fk_submission_publications_ready_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["overview_version_id"],
            ["draft_versions.id"],
            name=op.f("fk_submission_publications_overview_version_id_draft_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["summary_version_id"],
            ["draft_versions.id"],
            name=op.f("fk_submission_publications_summary_version_id_draft_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"], ["users.id"], name=op.f("fk_submission_publications_published_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_publications")),
        sa.UniqueConstraint("case_id", name=op.f("uq_submission_publications_case_id")),
    )
    op.create_table(
        "submission_identity_details",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("identity_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=300), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_submission_identity_details_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["identity_id"],
            ["restricted_identities.id"],
            name=op.f("fk_submission_identity_details_identity_id_restricted_identities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_submission_identity_details_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_identity_details")),
    )
    op.create_index(op.f("ix_submission_identity_details_case_id"), "submission_identity_details", ["case_id"])
    op.create_index(op.f("ix_submission_identity_details_identity_id"), "submission_identity_details", ["identity_id"])
    op.create_index(op.f("ix_submission_publications_published_on"), "submission_publications", ["published_on"])
    op.create_index(op.f("ix_submission_publications_takedown_on"), "submission_publications", ["takedown_on"])


def downgrade():
    for table in (
        "submission_identity_details",
        "submission_publications",
        "submission_hit_reasons",
        "submission_checks",
        "submission_changes",
        "submission_rounds",
        "submission_amendments",
        "submission_signoffs",
    ):
        op.drop_table(table)
