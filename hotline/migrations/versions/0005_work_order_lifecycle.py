"""work-order lifecycle: assignment rules, co-units, attachments, extensions, notices,
disputes, merging, department tokens and a version column for concurrent changes

New NOT NULL columns carry server defaults so that existing rows upgrade in place. On
SQLite, tables that must be rebuilt are rebuilt with foreign-key checks off, so that rows
referring to them survive the rebuild.

Revision ID: 0005
Revises: 0004
"""

from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa
import hotline.db


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


@contextmanager
def foreign_keys_off():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        if sqlite:
            with op.get_context().autocommit_block():
                op.execute("PRAGMA foreign_keys=ON")


def upgrade() -> None:
    with foreign_keys_off():
        _upgrade()


def downgrade() -> None:
    with foreign_keys_off():
        _downgrade()


def _upgrade() -> None:
    op.create_table('assignment_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('category_code', sa.String(length=48), nullable=True),
    sa.Column('district_code', sa.String(length=32), nullable=True),
    sa.Column('street_code', sa.String(length=32), nullable=True),
    sa.Column('unit_code', sa.String(length=32), nullable=False),
    sa.Column('co_unit_codes', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', hotline.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['category_code'], ['categories.code'], name=op.f('fk_assignment_rules_category_code_categories')),
    sa.ForeignKeyConstraint(['district_code'], ['units.code'], name=op.f('fk_assignment_rules_district_code_units')),
    sa.ForeignKeyConstraint(['street_code'], ['units.code'], name=op.f('fk_assignment_rules_street_code_units')),
    sa.ForeignKeyConstraint(['unit_code'], ['units.code'], name=op.f('fk_assignment_rules_unit_code_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_rules'))
    )
    op.create_table('work_order_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('added_by', sa.String(length=80), nullable=False),
    sa.Column('added_at', hotline.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('intake', 'reply', 'facts')", name=op.f('ck_work_order_attachments_kind')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_work_order_attachments_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_attachments'))
    )
    with op.batch_alter_table('work_order_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_order_attachments_work_order_id'), ['work_order_id'], unique=False)

    op.create_table('work_order_co_units',
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['unit_code'], ['units.code'], name=op.f('fk_work_order_co_units_unit_code_units')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_work_order_co_units_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('work_order_id', 'unit_code', name=op.f('pk_work_order_co_units'))
    )
    with op.batch_alter_table('work_order_co_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_order_co_units_unit_code'), ['unit_code'], unique=False)

    op.create_table('work_order_extensions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=32), nullable=False),
    sa.Column('working_days', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requested_by', sa.String(length=80), nullable=False),
    sa.Column('requested_at', hotline.db.UTCDateTime(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('decided_by', sa.String(length=80), nullable=True),
    sa.Column('decided_at', hotline.db.UTCDateTime(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('previous_deadline', hotline.db.UTCDateTime(), nullable=True),
    sa.Column('new_deadline', hotline.db.UTCDateTime(), nullable=True),
    sa.CheckConstraint("state IN ('pending', 'approved', 'denied')", name=op.f('ck_work_order_extensions_state')),
    sa.ForeignKeyConstraint(['unit_code'], ['units.code'], name=op.f('fk_work_order_extensions_unit_code_units')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_work_order_extensions_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_extensions'))
    )
    with op.batch_alter_table('work_order_extensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_order_extensions_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_order_extensions_work_order_id'), ['work_order_id'], unique=False)

    op.create_table('work_order_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('due_at', hotline.db.UTCDateTime(), nullable=False),
    sa.Column('unit_code', sa.String(length=32), nullable=True),
    sa.Column('created_at', hotline.db.UTCDateTime(), nullable=False),
    sa.Column('sent_at', hotline.db.UTCDateTime(), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=True),
    sa.CheckConstraint("kind IN ('assigned', 'urged', 'reply_due', 'sign_overdue', 'reply_overdue', 'survey')", name=op.f('ck_work_order_notices_kind')),
    sa.ForeignKeyConstraint(['unit_code'], ['units.code'], name=op.f('fk_work_order_notices_unit_code_units')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_work_order_notices_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_notices')),
    sa.UniqueConstraint('work_order_id', 'kind', 'due_at', name=op.f('uq_work_order_notices_work_order_id'))
    )
    with op.batch_alter_table('work_order_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_order_notices_sent_at'), ['sent_at'], unique=False)

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_code', sa.String(length=32), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_api_tokens_unit_code_units'), 'units', ['unit_code'], ['code'])
        # Departments' own case systems get tokens too.
        batch_op.drop_constraint(op.f('ck_api_tokens_role'), type_='check')
        batch_op.create_check_constraint('role', "role IN ('monitor', 'open311', 'department')")

    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('urgent_reply_hours', sa.Integer(), nullable=True))

    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_phone', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('contact_email', sa.String(length=120), nullable=True))

    with op.batch_alter_table('work_order_events', schema=None) as batch_op:
        batch_op.alter_column('from_status',
               existing_type=sa.VARCHAR(length=16),
               type_=sa.String(length=24),
               existing_nullable=True)
        batch_op.alter_column('to_status',
               existing_type=sa.VARCHAR(length=16),
               type_=sa.String(length=24),
               existing_nullable=False)

    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recording_url', sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column('external_ref', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('callback_started_at', hotline.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('urge_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.alter_column('status',
               existing_type=sa.VARCHAR(length=16),
               type_=sa.String(length=24),
               existing_nullable=False)
        batch_op.alter_column('satisfaction',
               existing_type=sa.VARCHAR(length=16),
               type_=sa.String(length=24),
               existing_nullable=True)
        batch_op.create_index(batch_op.f('ix_work_orders_parent_id'), ['parent_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_work_orders_external_ref'), ['external_ref'])
        batch_op.create_foreign_key(batch_op.f('fk_work_orders_parent_id_work_orders'), 'work_orders', ['parent_id'], ['id'])


def _downgrade() -> None:
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_work_orders_parent_id_work_orders'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_work_orders_external_ref'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_work_orders_parent_id'))
        batch_op.alter_column('satisfaction',
               existing_type=sa.String(length=24),
               type_=sa.VARCHAR(length=16),
               existing_nullable=True)
        batch_op.alter_column('status',
               existing_type=sa.String(length=24),
               type_=sa.VARCHAR(length=16),
               existing_nullable=False)
        batch_op.drop_column('version')
        batch_op.drop_column('urge_count')
        batch_op.drop_column('callback_started_at')
        batch_op.drop_column('parent_id')
        batch_op.drop_column('external_ref')
        batch_op.drop_column('recording_url')

    with op.batch_alter_table('work_order_events', schema=None) as batch_op:
        batch_op.alter_column('to_status',
               existing_type=sa.String(length=24),
               type_=sa.VARCHAR(length=16),
               existing_nullable=False)
        batch_op.alter_column('from_status',
               existing_type=sa.String(length=24),
               type_=sa.VARCHAR(length=16),
               existing_nullable=True)

    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('contact_email')
        batch_op.drop_column('contact_phone')

    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_column('urgent_reply_hours')

    # Department tokens cannot exist before this revision.
    op.execute("DELETE FROM api_tokens WHERE role = 'department'")
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_api_tokens_unit_code_units'), type_='foreignkey')
        batch_op.drop_constraint(op.f('ck_api_tokens_role'), type_='check')
        batch_op.create_check_constraint('role', "role IN ('monitor', 'open311')")
        batch_op.drop_column('unit_code')

    with op.batch_alter_table('work_order_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_order_notices_sent_at'))

    op.drop_table('work_order_notices')
    with op.batch_alter_table('work_order_extensions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_order_extensions_work_order_id'))
        batch_op.drop_index(batch_op.f('ix_work_order_extensions_state'))

    op.drop_table('work_order_extensions')
    with op.batch_alter_table('work_order_co_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_order_co_units_unit_code'))

    op.drop_table('work_order_co_units')
    with op.batch_alter_table('work_order_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_order_attachments_work_order_id'))

    op.drop_table('work_order_attachments')
    op.drop_table('assignment_rules')
