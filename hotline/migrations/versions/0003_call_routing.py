"""call routing: reservations, overflow, call events, agent state history, IVR languages

New NOT NULL columns carry server defaults so that existing rows upgrade in place.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 23:29:03.642059
"""

from alembic import op
import sqlalchemy as sa
import hotline.db


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agent_state_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('started_at', hotline.db.UTCDateTime(), nullable=False),
    sa.Column('ended_at', hotline.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_agent_state_changes_agent_id_agents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agent_state_changes'))
    )
    with op.batch_alter_table('agent_state_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agent_state_changes_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agent_state_changes_started_at'), ['started_at'], unique=False)

    op.create_table('call_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('at', hotline.db.UTCDateTime(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_events_call_id_calls')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_events')),
    sa.UniqueConstraint('call_id', 'kind', 'key', name=op.f('uq_call_events_call_id'))
    )
    with op.batch_alter_table('call_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_events_call_id'), ['call_id'], unique=False)

    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state_reason', sa.String(length=32), nullable=False, server_default=''))

    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), nullable=False, server_default='inbound'))
        batch_op.add_column(sa.Column('parent_call_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reserved_agent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reservation_expires_at', hotline.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('declined_agent_ids', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('wait_choice', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('recording_url', sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column('queue_result', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('queue_seconds', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('wrap_up_seconds', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rating', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_calls_reserved_agent_id'), ['reserved_agent_id'], unique=False)
        batch_op.create_index('ix_calls_status_enqueued_at', ['status', 'enqueued_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_calls_reserved_agent_id_agents'), 'agents', ['reserved_agent_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_calls_parent_call_id_calls'), 'calls', ['parent_call_id'], ['id'])
        # A caller may now leave the queue for a callback or a message.
        batch_op.drop_constraint(op.f('ck_calls_status'), type_='check')
        batch_op.create_check_constraint(
            'status',
            "status IN ('ivr', 'queued', 'connected', 'completed', 'abandoned', 'failed', 'left')",
        )

    with op.batch_alter_table('ivr_options', schema=None) as batch_op:
        batch_op.add_column(sa.Column('label_yue', sa.String(length=80), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('keywords', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('priority', sa.Integer(), nullable=False, server_default='0'))
        batch_op.alter_column('skill_code',
               existing_type=sa.VARCHAR(length=40),
               nullable=True)

    with op.batch_alter_table('skills', schema=None) as batch_op:
        batch_op.add_column(sa.Column('overflow_after_seconds', sa.Integer(), nullable=False, server_default='60'))
        batch_op.add_column(sa.Column('overflow_skills', sa.JSON(), nullable=False, server_default='[]'))



def downgrade() -> None:
    with op.batch_alter_table('skills', schema=None) as batch_op:
        batch_op.drop_column('overflow_skills')
        batch_op.drop_column('overflow_after_seconds')

    with op.batch_alter_table('ivr_options', schema=None) as batch_op:
        batch_op.alter_column('skill_code',
               existing_type=sa.VARCHAR(length=40),
               nullable=False)
        batch_op.drop_column('priority')
        batch_op.drop_column('keywords')
        batch_op.drop_column('language')
        batch_op.drop_column('label_yue')

    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_calls_status'), type_='check')
        batch_op.create_check_constraint(
            'status', "status IN ('ivr', 'queued', 'connected', 'completed', 'abandoned', 'failed')"
        )
        batch_op.drop_constraint(batch_op.f('fk_calls_parent_call_id_calls'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_calls_reserved_agent_id_agents'), type_='foreignkey')
        batch_op.drop_index('ix_calls_status_enqueued_at')
        batch_op.drop_index(batch_op.f('ix_calls_reserved_agent_id'))
        batch_op.drop_column('rating')
        batch_op.drop_column('wrap_up_seconds')
        batch_op.drop_column('queue_seconds')
        batch_op.drop_column('queue_result')
        batch_op.drop_column('recording_url')
        batch_op.drop_column('wait_choice')
        batch_op.drop_column('declined_agent_ids')
        batch_op.drop_column('reservation_expires_at')
        batch_op.drop_column('reserved_agent_id')
        batch_op.drop_column('parent_call_id')
        batch_op.drop_column('kind')

    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.drop_column('state_reason')

    with op.batch_alter_table('call_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_events_call_id'))

    op.drop_table('call_events')
    with op.batch_alter_table('agent_state_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agent_state_changes_started_at'))
        batch_op.drop_index(batch_op.f('ix_agent_state_changes_agent_id'))

    op.drop_table('agent_state_changes')
