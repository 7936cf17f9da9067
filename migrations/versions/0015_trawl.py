"""information trawl: saved agency lists, trawls and their subjects and files, one request per
agency, returns in versions with per-subject contact, chronology rows and files, IMRs and their documents

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 13:11:44.360655

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('trawl_agency_lists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_trawl_agency_lists_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trawl_agency_lists')),
    sa.UniqueConstraint('name', name=op.f('uq_trawl_agency_lists_name'))
    )
    op.create_table('trawls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('scope_from', sa.Date(), nullable=False),
    sa.Column('scope_to', sa.Date(), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_trawls_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_trawls_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trawls')),
    sa.UniqueConstraint('case_id', name=op.f('uq_trawls_case_id'))
    )
    op.create_table('trawl_agency_list_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['list_id'], ['trawl_agency_lists.id'], name=op.f('fk_trawl_agency_list_members_list_id_trawl_agency_lists'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_trawl_agency_list_members_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trawl_agency_list_members')),
    sa.UniqueConstraint('list_id', 'organisation_id', name='uq_trawl_agency_list_member')
    )
    with op.batch_alter_table('trawl_agency_list_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trawl_agency_list_members_list_id'), ['list_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trawl_agency_list_members_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('trawl_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trawl_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_trawl_attachments_document_id_documents')),
    sa.ForeignKeyConstraint(['trawl_id'], ['trawls.id'], name=op.f('fk_trawl_attachments_trawl_id_trawls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trawl_attachments'))
    )
    with op.batch_alter_table('trawl_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trawl_attachments_trawl_id'), ['trawl_id'], unique=False)

    op.create_table('trawl_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trawl_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_trawl_requests_acknowledged_by_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_trawl_requests_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_trawl_requests_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'], name=op.f('fk_trawl_requests_sent_by_id_users')),
    sa.ForeignKeyConstraint(['trawl_id'], ['trawls.id'], name=op.f('fk_trawl_requests_trawl_id_trawls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trawl_requests')),
    sa.UniqueConstraint('trawl_id', 'organisation_id', name='uq_trawl_requests_trawl_org')
    )
    with op.batch_alter_table('trawl_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trawl_requests_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trawl_requests_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_trawl_requests_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trawl_requests_trawl_id'), ['trawl_id'], unique=False)

    op.create_table('trawl_subjects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trawl_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('pseudonym', sa.String(length=80), nullable=False),
    sa.Column('identity_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['identity_id'], ['restricted_identities.id'], name=op.f('fk_trawl_subjects_identity_id_restricted_identities'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['trawl_id'], ['trawls.id'], name=op.f('fk_trawl_subjects_trawl_id_trawls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trawl_subjects'))
    )
    with op.batch_alter_table('trawl_subjects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trawl_subjects_trawl_id'), ['trawl_id'], unique=False)

    op.create_table('trawl_imrs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('author_name', sa.String(length=200), nullable=False),
    sa.Column('terms', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_trawl_imrs_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['trawl_requests.id'], name=op.f('fk_trawl_imrs_request_id_trawl_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_trawl_imrs_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trawl_imrs')),
    sa.UniqueConstraint('request_id', name=op.f('uq_trawl_imrs_request_id'))
    )
    with op.batch_alter_table('trawl_imrs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trawl_imrs_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trawl_imrs_due_on'), ['due_on'], unique=False)

    op.create_table('trawl_returns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('nil_return', sa.Boolean(), nullable=True),
    sa.Column('involvement_from', sa.Date(), nullable=True),
    sa.Column('involvement_to', sa.Date(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('declaration_name', sa.String(length=200), nullable=True),
    sa.Column('declaration_role', sa.String(length=200), nullable=True),
    sa.Column('declared', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('more_info_note', sa.Text(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_trawl_returns_decided_by_id_users')),
    sa.ForeignKeyConstraint(['request_id'], ['trawl_requests.id'], name=op.f('fk_trawl_returns_request_id_trawl_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_trawl_returns_submitted_by_id_users')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_trawl_returns_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trawl_returns')),
    sa.UniqueConstraint('request_id', 'number', name='uq_trawl_returns_request_number')
    )
    with op.batch_alter_table('trawl_returns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trawl_returns_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trawl_returns_status'), ['status'], unique=False)

    op.create_table('trawl_chronology_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_id', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('occurred_at', sa.Time(), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('practitioner', sa.String(length=200), nullable=False),
    sa.Column('contact_type', sa.String(length=200), nullable=False),
    sa.Column('what_happened', sa.Text(), nullable=False),
    sa.Column('action_taken', sa.Text(), nullable=False),
    sa.Column('source_reference', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['return_id'], ['trawl_returns.id'], name=op.f('fk_trawl_chronology_rows_return_id_trawl_returns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trawl_chronology_rows'))
    )
    with op.batch_alter_table('trawl_chronology_rows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trawl_chronology_rows_occurred_on'), ['occurred_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_trawl_chronology_rows_return_id'), ['return_id'], unique=False)

    op.create_table('trawl_imr_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('imr_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('document_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_trawl_imr_documents_document_id_documents')),
    sa.ForeignKeyConstraint(['imr_id'], ['trawl_imrs.id'], name=op.f('fk_trawl_imr_documents_imr_id_trawl_imrs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trawl_imr_documents'))
    )
    with op.batch_alter_table('trawl_imr_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trawl_imr_documents_imr_id'), ['imr_id'], unique=False)

    op.create_table('trawl_return_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_trawl_return_attachments_document_id_documents')),
    sa.ForeignKeyConstraint(['return_id'], ['trawl_returns.id'], name=op.f('fk_trawl_return_attachments_return_id_trawl_returns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trawl_return_attachments'))
    )
    with op.batch_alter_table('trawl_return_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trawl_return_attachments_return_id'), ['return_id'], unique=False)

    op.create_table('trawl_subject_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('had_contact', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['return_id'], ['trawl_returns.id'], name=op.f('fk_trawl_subject_contacts_return_id_trawl_returns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subject_id'], ['trawl_subjects.id'], name=op.f('fk_trawl_subject_contacts_subject_id_trawl_subjects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trawl_subject_contacts')),
    sa.UniqueConstraint('return_id', 'subject_id', name='uq_trawl_subject_contact')
    )
    with op.batch_alter_table('trawl_subject_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trawl_subject_contacts_return_id'), ['return_id'], unique=False)



def downgrade():
    with op.batch_alter_table('trawl_subject_contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trawl_subject_contacts_return_id'))

    op.drop_table('trawl_subject_contacts')
    with op.batch_alter_table('trawl_return_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trawl_return_attachments_return_id'))

    op.drop_table('trawl_return_attachments')
    with op.batch_alter_table('trawl_imr_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trawl_imr_documents_imr_id'))

    op.drop_table('trawl_imr_documents')
    with op.batch_alter_table('trawl_chronology_rows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trawl_chronology_rows_return_id'))
        batch_op.drop_index(batch_op.f('ix_trawl_chronology_rows_occurred_on'))

    op.drop_table('trawl_chronology_rows')
    with op.batch_alter_table('trawl_returns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trawl_returns_status'))
        batch_op.drop_index(batch_op.f('ix_trawl_returns_request_id'))

    op.drop_table('trawl_returns')
    with op.batch_alter_table('trawl_imrs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trawl_imrs_due_on'))
        batch_op.drop_index(batch_op.f('ix_trawl_imrs_case_id'))

    op.drop_table('trawl_imrs')
    with op.batch_alter_table('trawl_subjects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trawl_subjects_trawl_id'))

    op.drop_table('trawl_subjects')
    with op.batch_alter_table('trawl_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trawl_requests_trawl_id'))
        batch_op.drop_index(batch_op.f('ix_trawl_requests_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_trawl_requests_due_on'))
        batch_op.drop_index(batch_op.f('ix_trawl_requests_case_id'))

    op.drop_table('trawl_requests')
    with op.batch_alter_table('trawl_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trawl_attachments_trawl_id'))

    op.drop_table('trawl_attachments')
    with op.batch_alter_table('trawl_agency_list_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trawl_agency_list_members_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_trawl_agency_list_members_list_id'))

    op.drop_table('trawl_agency_list_members')
    op.drop_table('trawls')
    op.drop_table('trawl_agency_lists')
