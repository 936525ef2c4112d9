"""indexes the report, wallboard and desk pages read by, with a month of history: a call's
callbacks (by parent), the calls offered in a period (by enqueue time), and the agents'
state spells still open or ended after a moment

Revision ID: 0018
Revises: 0017
"""

from alembic import op


revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_calls_parent_call_id", "calls", ["parent_call_id"])
    op.create_index("ix_calls_enqueued_at", "calls", ["enqueued_at"])
    op.create_index("ix_agent_state_changes_ended_at", "agent_state_changes", ["ended_at"])


def downgrade() -> None:
    op.drop_index("ix_agent_state_changes_ended_at", table_name="agent_state_changes")
    op.drop_index("ix_calls_enqueued_at", table_name="calls")
    op.drop_index("ix_calls_parent_call_id", table_name="calls")
