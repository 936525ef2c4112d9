"""job outbox (jobs a committed change asked for, until handed over); texts' send claims

Revision ID: 0008
Revises: 0007
"""

from alembic import op
import sqlalchemy as sa
import hotline.db


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_outbox",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("created_at", hotline.db.UTCDateTime(), nullable=False),
        sa.Column("next_attempt_at", hotline.db.UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=False),
        sa.Column("failed_at", hotline.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_outbox")),
    )
    with op.batch_alter_table("job_outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_job_outbox_next_attempt_at"), ["next_attempt_at"], unique=False
        )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_at", hotline.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("claimed_at")
    with op.batch_alter_table("job_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_outbox_next_attempt_at"))
    op.drop_table("job_outbox")
