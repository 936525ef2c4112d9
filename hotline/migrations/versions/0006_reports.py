"""reports: daily work-order roll-ups, per-token rate-limit windows, Open311 tickets, and an
index for the returned and reopened orders the reports count

Revision ID: 0006
Revises: 0005
"""

from alembic import op
import sqlalchemy as sa
import hotline.db


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "work_order_rollups",
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("key", sa.String(length=48), nullable=False),
        sa.Column("dispatched", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Integer(), nullable=False),
        sa.Column("closed_on_time", sa.Integer(), nullable=False),
        sa.Column("open_overdue", sa.Integer(), nullable=False),
        sa.Column("rated", sa.Integer(), nullable=False),
        sa.Column("satisfied", sa.Integer(), nullable=False),
        sa.Column("returned", sa.Integer(), nullable=False),
        sa.Column("reopened", sa.Integer(), nullable=False),
        sa.Column("refreshed_at", hotline.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "dimension IN ('all', 'unit', 'category', 'district', 'channel')",
            name=op.f("ck_work_order_rollups_dimension"),
        ),
        sa.PrimaryKeyConstraint("dimension", "day", "key", name=op.f("pk_work_order_rollups")),
    )
    op.create_table(
        "rollup_refreshes",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.Column("refreshed_at", hotline.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_rollup_refreshes")),
    )
    op.create_table(
        "api_rate_windows",
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("window_index", sa.BigInteger(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["token_id"], ["api_tokens.id"], name=op.f("fk_api_rate_windows_token_id_api_tokens")
        ),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_api_rate_windows")),
    )
    op.create_table(
        "open311_tickets",
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=False),
        sa.Column("api_token_id", sa.Integer(), nullable=False),
        sa.Column("created_at", hotline.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_token_id"],
            ["api_tokens.id"],
            name=op.f("fk_open311_tickets_api_token_id_api_tokens"),
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["work_orders.id"],
            name=op.f("fk_open311_tickets_work_order_id_work_orders"),
        ),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_open311_tickets")),
        sa.UniqueConstraint("work_order_id", name=op.f("uq_open311_tickets_work_order_id")),
    )
    with op.batch_alter_table("open311_tickets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_open311_tickets_api_token_id"), ["api_token_id"], unique=False
        )
    op.create_index(
        "ix_work_order_events_action_work_order_id",
        "work_order_events",
        ["action", "work_order_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_work_order_events_action_work_order_id", table_name="work_order_events")
    with op.batch_alter_table("open311_tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_open311_tickets_api_token_id"))
    op.drop_table("open311_tickets")
    op.drop_table("api_rate_windows")
    op.drop_table("rollup_refreshes")
    op.drop_table("work_order_rollups")
