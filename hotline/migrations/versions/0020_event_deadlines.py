"""each work-order event keeps the reply deadline in force after it, so that an order's
history says what every dispatch, determination, reopening and extension set the deadline to

Revision ID: 0020
Revises: 0019

A plain ADD COLUMN (not a batch copy of the table, which on SQLite would drop the triggers
that keep the trail unchanged). Events recorded before it have none.
"""

from alembic import op
import hotline.db
import sqlalchemy as sa


revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "work_order_events",
        sa.Column("reply_deadline", hotline.db.UTCDateTime(), nullable=True),
    )


def downgrade() -> None:
    # Again in place: a batch copy would drop the trail's triggers on SQLite.
    op.execute("ALTER TABLE work_order_events DROP COLUMN reply_deadline")
