"""call figures of settled hours, so that a report of a month reads 720 rows instead of
every call of the month

Revision ID: 0021
Revises: 0020
"""

from alembic import op
import hotline.db
import sqlalchemy as sa


revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_hour_rollups",
        sa.Column("hour", hotline.db.UTCDateTime(), primary_key=True),
        sa.Column("short_abandon_seconds", sa.Integer(), primary_key=True),
        sa.Column("service_level_seconds", sa.Integer(), primary_key=True),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in (
                "offered",
                "answered",
                "abandoned",
                "short_abandoned",
                "callbacks_requested",
                "answered_within_target",
                "resolved_first_contact",
                "callbacks_unreached",
                "waits",
            )
        ),
        sa.Column("wait_seconds", sa.Float(), nullable=False),
        sa.Column("handles", sa.Integer(), nullable=False),
        sa.Column("handle_seconds", sa.Float(), nullable=False),
        sa.Column("computed_at", hotline.db.UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("call_hour_rollups")
