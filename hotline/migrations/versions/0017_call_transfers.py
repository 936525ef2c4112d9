"""call transfers: the directory of outside numbers, and what a transferred call carries

Revision ID: 0017
Revises: 0016
"""

from alembic import op
import sqlalchemy as sa


revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transfer_directory",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("name_en", sa.String(80), nullable=False, server_default=""),
        sa.Column("number", sa.String(32), nullable=False, unique=True),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("transfer_note", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("transfers", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("transferred_to", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("transferred_to")
        batch.drop_column("transfers")
        batch.drop_column("transfer_note")
    op.drop_table("transfer_directory")
