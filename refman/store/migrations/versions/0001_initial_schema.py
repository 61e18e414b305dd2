"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24 14:21:01.382391
"""

import sqlalchemy as sa
from alembic import op

from refman.store.backends import is_sqlite

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reference',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pmid', sa.Integer(), nullable=True),
    sa.Column('pmcid', sa.String(length=20), nullable=True),
    sa.Column('doi', sa.String(length=300), nullable=True),
    sa.Column('doi_key', sa.String(length=300), nullable=True),
    sa.Column('title', sa.Text().with_variant(sa.Text(collation='NOCASE'), 'sqlite'), nullable=True),
    sa.Column('abstract', sa.Text(), nullable=True),
    sa.Column('journal', sa.String(length=300), nullable=True),
    sa.Column('pub_date', sa.String(length=60), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('volume', sa.String(length=60), nullable=True),
    sa.Column('issue', sa.String(length=60), nullable=True),
    sa.Column('pages', sa.String(length=60), nullable=True),
    sa.Column('epub_date', sa.String(length=60), nullable=True),
    sa.Column('language', sa.String(length=60), nullable=True),
    sa.Column('copyright', sa.Text(), nullable=True),
    sa.Column('is_stub', sa.Boolean(), nullable=False),
    sa.Column('free_pmc', sa.Boolean(), nullable=False),
    sa.Column('no_abstract', sa.Boolean(), nullable=False),
    sa.Column('citation_text', sa.Text(), nullable=True),
    sa.Column('extra', sa.JSON(), nullable=True),
    sa.Column('cited_count', sa.Integer(), nullable=False),
    sa.Column('page_sha256', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('doi_key'),
    sa.UniqueConstraint('pmcid'),
    sa.UniqueConstraint('pmid')
    )
    with op.batch_alter_table('reference', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reference_page_sha256'), ['page_sha256'], unique=False)
        batch_op.create_index('ix_reference_stub_cited', ['is_stub', 'cited_count'], unique=False)
        batch_op.create_index('ix_reference_stub_free_pmc', ['is_stub', 'free_pmc'], unique=False)
        batch_op.create_index('ix_reference_stub_journal', ['is_stub', 'journal'], unique=False)
        batch_op.create_index('ix_reference_stub_pmid', ['is_stub', 'pmid'], unique=False)
        batch_op.create_index('ix_reference_stub_title', ['is_stub', 'title'], unique=False)
        batch_op.create_index('ix_reference_stub_year', ['is_stub', 'year'], unique=False)

    op.create_table('link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('asserted_by_id', sa.Integer(), nullable=False),
    sa.Column('section', sa.String(length=30), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['asserted_by_id'], ['reference.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['reference.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_id'], ['reference.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('link', schema=None) as batch_op:
        batch_op.create_index('ix_link_asserted_by', ['asserted_by_id', 'section', 'position'], unique=False)
        batch_op.create_index('ix_link_source', ['source_id', 'kind'], unique=False)
        batch_op.create_index('ix_link_target', ['target_id', 'kind'], unique=False)

    op.create_table('page',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.Text(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('encoding', sa.String(length=20), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['reference_id'], ['reference.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_page_reference_id'), ['reference_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_page_sha256'), ['sha256'], unique=False)

    op.create_table('term',
    sa.Column('reference_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['reference_id'], ['reference.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('reference_id', 'kind', 'position')
    )
    with op.batch_alter_table('term', schema=None) as batch_op:
        batch_op.create_index('ix_term_kind_value', ['kind', 'value'], unique=False)

    if is_sqlite(op.get_bind()):
        # Full-text index over what the search field searches; rowid = reference.id.
        op.execute(
            "CREATE VIRTUAL TABLE reference_fts USING fts5("
            "title, abstract, keywords, mesh, journal, identifiers, "
            "tokenize = 'unicode61 remove_diacritics 2')"
        )


def downgrade() -> None:
    if is_sqlite(op.get_bind()):
        op.execute("DROP TABLE IF EXISTS reference_fts")
    with op.batch_alter_table('term', schema=None) as batch_op:
        batch_op.drop_index('ix_term_kind_value')

    op.drop_table('term')
    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_sha256'))
        batch_op.drop_index(batch_op.f('ix_page_reference_id'))

    op.drop_table('page')
    with op.batch_alter_table('link', schema=None) as batch_op:
        batch_op.drop_index('ix_link_target')
        batch_op.drop_index('ix_link_source')
        batch_op.drop_index('ix_link_asserted_by')

    op.drop_table('link')
    with op.batch_alter_table('reference', schema=None) as batch_op:
        batch_op.drop_index('ix_reference_stub_year')
        batch_op.drop_index('ix_reference_stub_title')
        batch_op.drop_index('ix_reference_stub_pmid')
        batch_op.drop_index('ix_reference_stub_journal')
        batch_op.drop_index('ix_reference_stub_free_pmc')
        batch_op.drop_index('ix_reference_stub_cited')
        batch_op.drop_index(batch_op.f('ix_reference_page_sha256'))

    op.drop_table('reference')
