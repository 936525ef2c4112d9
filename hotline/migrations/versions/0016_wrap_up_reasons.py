"""wrap-up reasons (editable reference data) and the reason each call was given

Revision ID: 0016
Revises: 0015
"""

from alembic import op
import sqlalchemy as sa


revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wrap_up_reasons",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("name_en", sa.String(80), nullable=False, server_default=""),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("wrap_up_code", sa.String(32), nullable=True))
        batch.create_foreign_key(
            "fk_calls_wrap_up_code_wrap_up_reasons", "wrap_up_reasons", ["wrap_up_code"], ["code"]
        )


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.drop_constraint("fk_calls_wrap_up_code_wrap_up_reasons", type_="foreignkey")
        batch.drop_column("wrap_up_code")
    op.drop_table("wrap_up_reasons")
