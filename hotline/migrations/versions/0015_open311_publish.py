"""a publish flag on categories and work orders: unset, the orders are absent from Open311

Revision ID: 0015
Revises: 0014
"""

from alembic import op
import sqlalchemy as sa


revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("categories", "work_orders"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("publish", sa.Boolean(), nullable=False, server_default=sa.true())
            )


def downgrade() -> None:
    for table in ("categories", "work_orders"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("publish")
