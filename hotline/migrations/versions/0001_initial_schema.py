"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 23:15:29.242061
"""

from alembic import op
import sqlalchemy as sa
import hotline.db


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', hotline.db.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', hotline.db.UTCDateTime(), nullable=True),
    sa.Column('last_used_at', hotline.db.UTCDateTime(), nullable=True),
    sa.CheckConstraint("role IN ('monitor', 'open311')", name=op.f('ck_api_tokens_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    op.create_table('calendar_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('working', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_days'))
    )
    op.create_table('skills',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_skills'))
    )
    op.create_table('ticket_counters',
    sa.Column('day', sa.String(length=8), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_ticket_counters'))
    )
    op.create_table('units',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=160), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('parent_code', sa.String(length=32), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint("kind IN ('municipal_department', 'district', 'street', 'enterprise')", name=op.f('ck_units_kind')),
    sa.ForeignKeyConstraint(['parent_code'], ['units.code'], name=op.f('fk_units_parent_code_units')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_units'))
    )
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_units_parent_code'), ['parent_code'], unique=False)

    op.create_table('categories',
    sa.Column('code', sa.String(length=48), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=160), nullable=False),
    sa.Column('parent_code', sa.String(length=48), nullable=True),
    sa.Column('skill_code', sa.String(length=40), nullable=True),
    sa.Column('routing', sa.String(length=16), nullable=True),
    sa.Column('unit_code', sa.String(length=32), nullable=True),
    sa.Column('deadline_working_days', sa.Integer(), nullable=True),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.CheckConstraint("routing IS NULL OR routing IN ('municipal', 'territorial')", name=op.f('ck_categories_routing')),
    sa.ForeignKeyConstraint(['parent_code'], ['categories.code'], name=op.f('fk_categories_parent_code_categories')),
    sa.ForeignKeyConstraint(['skill_code'], ['skills.code'], name=op.f('fk_categories_skill_code_skills')),
    sa.ForeignKeyConstraint(['unit_code'], ['units.code'], name=op.f('fk_categories_unit_code_units')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_categories'))
    )
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_categories_parent_code'), ['parent_code'], unique=False)

    op.create_table('ivr_options',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('menu', sa.String(length=32), nullable=False),
    sa.Column('digit', sa.String(length=1), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('label_en', sa.String(length=80), nullable=False),
    sa.Column('skill_code', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['skill_code'], ['skills.code'], name=op.f('fk_ivr_options_skill_code_skills')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ivr_options')),
    sa.UniqueConstraint('menu', 'digit', name=op.f('uq_ivr_options_menu'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('display_name', sa.String(length=80), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('unit_code', sa.String(length=32), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', hotline.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("role IN ('agent', 'supervisor', 'department', 'monitor', 'admin')", name=op.f('ck_users_role')),
    sa.ForeignKeyConstraint(['unit_code'], ['units.code'], name=op.f('fk_users_unit_code_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('agents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('client_name', sa.String(length=64), nullable=False),
    sa.Column('languages', sa.String(length=32), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('state_since', hotline.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("state IN ('offline', 'available', 'reserved', 'on_call', 'wrap_up', 'break')", name=op.f('ck_agents_state')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_agents_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agents')),
    sa.UniqueConstraint('client_name', name=op.f('uq_agents_client_name')),
    sa.UniqueConstraint('user_id', name=op.f('uq_agents_user_id'))
    )
    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agents_state'), ['state'], unique=False)

    op.create_table('kb_articles',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('category_code', sa.String(length=48), nullable=True),
    sa.Column('unit_code', sa.String(length=32), nullable=True),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', hotline.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', hotline.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'in_review', 'published', 'archived')", name=op.f('ck_kb_articles_status')),
    sa.ForeignKeyConstraint(['category_code'], ['categories.code'], name=op.f('fk_kb_articles_category_code_categories')),
    sa.ForeignKeyConstraint(['unit_code'], ['units.code'], name=op.f('fk_kb_articles_unit_code_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_articles'))
    )
    with op.batch_alter_table('kb_articles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_articles_category_code'), ['category_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_articles_status'), ['status'], unique=False)

    op.create_table('legacy_lines',
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('unit_code', sa.String(length=32), nullable=False),
    sa.Column('default_category_code', sa.String(length=48), nullable=True),
    sa.Column('skill_code', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['default_category_code'], ['categories.code'], name=op.f('fk_legacy_lines_default_category_code_categories')),
    sa.ForeignKeyConstraint(['skill_code'], ['skills.code'], name=op.f('fk_legacy_lines_skill_code_skills')),
    sa.ForeignKeyConstraint(['unit_code'], ['units.code'], name=op.f('fk_legacy_lines_unit_code_units')),
    sa.PrimaryKeyConstraint('number', name=op.f('pk_legacy_lines'))
    )
    op.create_table('agent_skills',
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('skill_code', sa.String(length=40), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_agent_skills_agent_id_agents')),
    sa.ForeignKeyConstraint(['skill_code'], ['skills.code'], name=op.f('fk_agent_skills_skill_code_skills')),
    sa.PrimaryKeyConstraint('agent_id', 'skill_code', name=op.f('pk_agent_skills'))
    )
    op.create_table('calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_sid', sa.String(length=64), nullable=False),
    sa.Column('from_number', sa.String(length=32), nullable=False),
    sa.Column('to_number', sa.String(length=32), nullable=False),
    sa.Column('forwarded_from', sa.String(length=32), nullable=True),
    sa.Column('entry', sa.String(length=16), nullable=False),
    sa.Column('legacy_line_number', sa.String(length=32), nullable=True),
    sa.Column('category_hint_code', sa.String(length=48), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('skill_code', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('menu_attempts', sa.Integer(), nullable=False),
    sa.Column('speech_result', sa.Text(), nullable=True),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('created_at', hotline.db.UTCDateTime(), nullable=False),
    sa.Column('enqueued_at', hotline.db.UTCDateTime(), nullable=True),
    sa.Column('answered_at', hotline.db.UTCDateTime(), nullable=True),
    sa.Column('ended_at', hotline.db.UTCDateTime(), nullable=True),
    sa.Column('resolution', sa.String(length=16), nullable=True),
    sa.Column('kb_article_id', sa.String(length=32), nullable=True),
    sa.CheckConstraint("status IN ('ivr', 'queued', 'connected', 'completed', 'abandoned', 'failed')", name=op.f('ck_calls_status')),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_calls_agent_id_agents')),
    sa.ForeignKeyConstraint(['category_hint_code'], ['categories.code'], name=op.f('fk_calls_category_hint_code_categories')),
    sa.ForeignKeyConstraint(['kb_article_id'], ['kb_articles.id'], name=op.f('fk_calls_kb_article_id_kb_articles')),
    sa.ForeignKeyConstraint(['legacy_line_number'], ['legacy_lines.number'], name=op.f('fk_calls_legacy_line_number_legacy_lines')),
    sa.ForeignKeyConstraint(['skill_code'], ['skills.code'], name=op.f('fk_calls_skill_code_skills')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calls')),
    sa.UniqueConstraint('call_sid', name=op.f('uq_calls_call_sid'))
    )
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calls_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_calls_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_calls_status'), ['status'], unique=False)

    op.create_table('work_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('citizen_name', sa.String(length=80), nullable=False),
    sa.Column('citizen_phone', sa.String(length=32), nullable=False),
    sa.Column('category_code', sa.String(length=48), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('district_code', sa.String(length=32), nullable=True),
    sa.Column('street_code', sa.String(length=32), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('latitude', sa.Double(), nullable=True),
    sa.Column('longitude', sa.Double(), nullable=True),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('unit_code', sa.String(length=32), nullable=True),
    sa.Column('assignment_reason', sa.Text(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', hotline.db.UTCDateTime(), nullable=False),
    sa.Column('dispatched_at', hotline.db.UTCDateTime(), nullable=True),
    sa.Column('sign_deadline', hotline.db.UTCDateTime(), nullable=True),
    sa.Column('reply_deadline', hotline.db.UTCDateTime(), nullable=True),
    sa.Column('signed_at', hotline.db.UTCDateTime(), nullable=True),
    sa.Column('replied_at', hotline.db.UTCDateTime(), nullable=True),
    sa.Column('closed_at', hotline.db.UTCDateTime(), nullable=True),
    sa.Column('reply_text', sa.Text(), nullable=False),
    sa.Column('satisfaction', sa.String(length=16), nullable=True),
    sa.Column('notified_at', hotline.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_work_orders_call_id_calls')),
    sa.ForeignKeyConstraint(['category_code'], ['categories.code'], name=op.f('fk_work_orders_category_code_categories')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_work_orders_created_by_id_users')),
    sa.ForeignKeyConstraint(['district_code'], ['units.code'], name=op.f('fk_work_orders_district_code_units')),
    sa.ForeignKeyConstraint(['street_code'], ['units.code'], name=op.f('fk_work_orders_street_code_units')),
    sa.ForeignKeyConstraint(['unit_code'], ['units.code'], name=op.f('fk_work_orders_unit_code_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_orders')),
    sa.UniqueConstraint('number', name=op.f('uq_work_orders_number'))
    )
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_orders_call_id'), ['call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_orders_category_code'), ['category_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_orders_closed_at'), ['closed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_orders_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_orders_dispatched_at'), ['dispatched_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_orders_reply_deadline'), ['reply_deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_orders_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_orders_unit_code'), ['unit_code'], unique=False)

    op.create_table('work_order_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('at', hotline.db.UTCDateTime(), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('unit_code', sa.String(length=32), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_work_order_events_actor_id_users')),
    sa.ForeignKeyConstraint(['unit_code'], ['units.code'], name=op.f('fk_work_order_events_unit_code_units')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_work_order_events_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_events'))
    )
    with op.batch_alter_table('work_order_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_order_events_work_order_id'), ['work_order_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('work_order_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_order_events_work_order_id'))

    op.drop_table('work_order_events')
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_orders_unit_code'))
        batch_op.drop_index(batch_op.f('ix_work_orders_status'))
        batch_op.drop_index(batch_op.f('ix_work_orders_reply_deadline'))
        batch_op.drop_index(batch_op.f('ix_work_orders_dispatched_at'))
        batch_op.drop_index(batch_op.f('ix_work_orders_created_at'))
        batch_op.drop_index(batch_op.f('ix_work_orders_closed_at'))
        batch_op.drop_index(batch_op.f('ix_work_orders_category_code'))
        batch_op.drop_index(batch_op.f('ix_work_orders_call_id'))

    op.drop_table('work_orders')
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calls_status'))
        batch_op.drop_index(batch_op.f('ix_calls_created_at'))
        batch_op.drop_index(batch_op.f('ix_calls_agent_id'))

    op.drop_table('calls')
    op.drop_table('agent_skills')
    op.drop_table('legacy_lines')
    with op.batch_alter_table('kb_articles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_articles_status'))
        batch_op.drop_index(batch_op.f('ix_kb_articles_category_code'))

    op.drop_table('kb_articles')
    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agents_state'))

    op.drop_table('agents')
    op.drop_table('users')
    op.drop_table('ivr_options')
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_categories_parent_code'))

    op.drop_table('categories')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_parent_code'))

    op.drop_table('units')
    op.drop_table('ticket_counters')
    op.drop_table('skills')
    op.drop_table('calendar_days')
    op.drop_table('api_tokens')
