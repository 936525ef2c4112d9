"""warm transfers: the agent's own leg of a call (to move it into a conference), and the
colleague or outside number an agent is consulting before passing the caller on

Revision ID: 0019
Revises: 0018
"""

from alembic import op
import sqlalchemy as sa


revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("agent_leg_sid", sa.String(64), nullable=True))
        batch.add_column(
            sa.Column("in_room", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("consult_agent_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("consult_number", sa.String(32), nullable=True))
        batch.add_column(sa.Column("consult_sid", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("consult_sid")
        batch.drop_column("consult_number")
        batch.drop_column("consult_agent_id")
        batch.drop_column("in_room")
        batch.drop_column("agent_leg_sid")
