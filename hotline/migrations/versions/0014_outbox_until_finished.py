"""a job stays in the outbox until it has finished: the rq job it was handed to, and when

Revision ID: 0014
Revises: 0013

A Redis that restarts empty loses its queues; the relay hands over again every outbox row
whose rq job no longer exists (or whose worker died), so no committed job is lost.
"""

from alembic import op
import sqlalchemy as sa

import hotline.db


revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("job_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handed_at", hotline.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("handed_job", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("job_outbox", schema=None) as batch_op:
        batch_op.drop_column("handed_job")
        batch_op.drop_column("handed_at")
