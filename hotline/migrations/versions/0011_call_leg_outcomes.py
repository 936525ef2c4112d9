"""every call leg has an outcome: callback attempts and their retry time, why a call ended,
callbacks waiting for their next attempt ("scheduled") and those never reached ("unreached")

Revision ID: 0011
Revises: 0010
"""

from alembic import op
import sqlalchemy as sa
import hotline.db


revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

OLD_STATUSES = "'ivr', 'queued', 'connected', 'completed', 'abandoned', 'failed', 'left'"
NEW_STATUSES = OLD_STATUSES + ", 'scheduled', 'unreached'"


def upgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("retry_at", hotline.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("end_reason", sa.String(length=32), nullable=True))
        batch_op.drop_constraint(op.f("ck_calls_status"), type_="check")
        batch_op.create_check_constraint("status", f"status IN ({NEW_STATUSES})")


def downgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_calls_status"), type_="check")
        batch_op.create_check_constraint("status", f"status IN ({OLD_STATUSES})")
        batch_op.drop_column("end_reason")
        batch_op.drop_column("retry_at")
        batch_op.drop_column("attempts")
