"""knowledge base: article versions and history, synonyms, index generation, searches, feedback

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa
import hotline.db


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kb_index_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('synonyms_edited', sa.Boolean(), nullable=False),
    sa.Column('changed_at', hotline.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_index_state'))
    )
    op.create_table('kb_searches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('query', sa.String(length=200), nullable=False),
    sa.Column('normalized', sa.String(length=200), nullable=False),
    sa.Column('top_article_id', sa.String(length=32), nullable=True),
    sa.Column('confidence', sa.Double(), nullable=False),
    sa.Column('confident', sa.Boolean(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=True),
    sa.Column('at', hotline.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_searches'))
    )
    with op.batch_alter_table('kb_searches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_searches_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_searches_normalized'), ['normalized'], unique=False)

    op.create_table('kb_synonyms',
    sa.Column('term', sa.String(length=64), nullable=False),
    sa.Column('group_name', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('term', name=op.f('pk_kb_synonyms'))
    )
    with op.batch_alter_table('kb_synonyms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_synonyms_group_name'), ['group_name'], unique=False)

    op.create_table('kb_article_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.String(length=32), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('category_code', sa.String(length=48), nullable=True),
    sa.Column('unit_code', sa.String(length=32), nullable=True),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('valid_from', hotline.db.UTCDateTime(), nullable=True),
    sa.Column('valid_until', hotline.db.UTCDateTime(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', hotline.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', hotline.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'in_review', 'published', 'superseded', 'archived')", name=op.f('ck_kb_article_versions_status')),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_article_versions_article_id_kb_articles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_article_versions')),
    sa.UniqueConstraint('article_id', 'number', name=op.f('uq_kb_article_versions_article_id'))
    )
    op.create_table('kb_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('query', sa.String(length=200), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=64), nullable=True),
    sa.Column('at', hotline.db.UTCDateTime(), nullable=False),
    sa.Column('sent_at', hotline.db.UTCDateTime(), nullable=True),
    sa.CheckConstraint("kind IN ('not_helpful', 'inserted', 'texted')", name=op.f('ck_kb_feedback_kind')),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_feedback_article_id_kb_articles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_feedback'))
    )
    with op.batch_alter_table('kb_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_feedback_article_id'), ['article_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_feedback_at'), ['at'], unique=False)

    op.create_table('kb_article_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.String(length=32), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('at', hotline.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_article_events_article_id_kb_articles')),
    sa.ForeignKeyConstraint(['version_id'], ['kb_article_versions.id'], name=op.f('fk_kb_article_events_version_id_kb_article_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_article_events'))
    )
    with op.batch_alter_table('kb_article_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_article_events_article_id'), ['article_id'], unique=False)

    with op.batch_alter_table('kb_articles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('valid_from', hotline.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('valid_until', hotline.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('published_at', hotline.db.UTCDateTime(), nullable=True))

    # Articles from before versioning become version 1 of themselves, published as they are.
    op.execute(
        "INSERT INTO kb_article_versions (article_id, number, status, title, questions, answer,"
        " category_code, unit_code, keywords, lang, note, created_by, created_at, updated_at)"
        " SELECT id, 1, status,"
        " title, questions, answer, category_code, unit_code, keywords, lang, '', 'migration',"
        " created_at, updated_at FROM kb_articles"
    )
    op.execute("UPDATE kb_articles SET published_at = updated_at WHERE status = 'published'")


def downgrade() -> None:
    with op.batch_alter_table('kb_articles', schema=None) as batch_op:
        batch_op.drop_column('published_at')
        batch_op.drop_column('version')
        batch_op.drop_column('valid_until')
        batch_op.drop_column('valid_from')

    with op.batch_alter_table('kb_article_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_article_events_article_id'))

    op.drop_table('kb_article_events')
    with op.batch_alter_table('kb_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_feedback_at'))
        batch_op.drop_index(batch_op.f('ix_kb_feedback_article_id'))

    op.drop_table('kb_feedback')
    op.drop_table('kb_article_versions')
    with op.batch_alter_table('kb_synonyms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_synonyms_group_name'))

    op.drop_table('kb_synonyms')
    with op.batch_alter_table('kb_searches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_searches_normalized'))
        batch_op.drop_index(batch_op.f('ix_kb_searches_at'))

    op.drop_table('kb_searches')
    op.drop_table('kb_index_state')
