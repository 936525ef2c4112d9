"""work orders record when their deadlines are provisional (counted across a year with no
official holiday arrangement yet); the official calendar comes from the chinesecalendar
package, so the copy of it that the reference data used to seed is removed

Revision ID: 0013
Revises: 0012

Only rows exactly as the seed wrote them are removed (same day, type and note): a day an
admin added or changed is an override and stays.
"""

from datetime import date

from alembic import op
import sqlalchemy as sa


revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# What the reference data seeded before: the 2026 arrangement and ten 2027 statutory days.
SEEDED = [
    ("2026-01-01", False, "元旦"),
    ("2026-01-02", False, "元旦"),
    ("2026-01-03", False, "元旦"),
    ("2026-01-04", True, "元旦调休上班"),
    ("2026-02-14", True, "春节调休上班"),
    ("2026-02-15", False, "春节"),
    ("2026-02-16", False, "春节"),
    ("2026-02-17", False, "春节"),
    ("2026-02-18", False, "春节"),
    ("2026-02-19", False, "春节"),
    ("2026-02-20", False, "春节"),
    ("2026-02-21", False, "春节"),
    ("2026-02-22", False, "春节"),
    ("2026-02-23", False, "春节"),
    ("2026-02-28", True, "春节调休上班"),
    ("2026-04-04", False, "清明节"),
    ("2026-04-05", False, "清明节"),
    ("2026-04-06", False, "清明节"),
    ("2026-05-01", False, "劳动节"),
    ("2026-05-02", False, "劳动节"),
    ("2026-05-03", False, "劳动节"),
    ("2026-05-04", False, "劳动节"),
    ("2026-05-05", False, "劳动节"),
    ("2026-05-09", True, "劳动节调休上班"),
    ("2026-06-19", False, "端午节"),
    ("2026-06-20", False, "端午节"),
    ("2026-06-21", False, "端午节"),
    ("2026-09-20", True, "国庆节调休上班"),
    ("2026-09-25", False, "中秋节"),
    ("2026-09-26", False, "中秋节"),
    ("2026-09-27", False, "中秋节"),
    ("2026-10-01", False, "国庆节"),
    ("2026-10-02", False, "国庆节"),
    ("2026-10-03", False, "国庆节"),
    ("2026-10-04", False, "国庆节"),
    ("2026-10-05", False, "国庆节"),
    ("2026-10-06", False, "国庆节"),
    ("2026-10-07", False, "国庆节"),
    ("2026-10-10", True, "国庆节调休上班"),
    ("2027-01-01", False, "元旦（暂定：仅法定假日，以国务院公布的安排为准）"),
    ("2027-02-05", False, "春节（暂定：仅法定假日，以国务院公布的安排为准）"),
    ("2027-02-08", False, "春节（暂定：仅法定假日，以国务院公布的安排为准）"),
    ("2027-02-09", False, "春节（暂定：仅法定假日，以国务院公布的安排为准）"),
    ("2027-04-05", False, "清明节（暂定：仅法定假日，以国务院公布的安排为准）"),
    ("2027-06-09", False, "端午节（暂定：仅法定假日，以国务院公布的安排为准）"),
    ("2027-09-15", False, "中秋节（暂定：仅法定假日，以国务院公布的安排为准）"),
    ("2027-10-01", False, "国庆节（暂定：仅法定假日，以国务院公布的安排为准）"),
    ("2027-10-04", False, "国庆节（暂定：仅法定假日，以国务院公布的安排为准）"),
    ("2027-10-05", False, "国庆节（暂定：仅法定假日，以国务院公布的安排为准）"),
]


def upgrade() -> None:
    op.add_column(
        "work_orders", sa.Column("deadline_provisional_year", sa.Integer(), nullable=True)
    )
    calendar_days = sa.table(
        "calendar_days",
        sa.column("day", sa.Date()),
        sa.column("working", sa.Boolean()),
        sa.column("note", sa.String()),
    )
    for day, working, note in SEEDED:
        op.execute(
            calendar_days.delete().where(
                calendar_days.c.day == date.fromisoformat(day),
                calendar_days.c.working == working,
                calendar_days.c.note == note,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("work_orders", schema=None) as batch_op:
        batch_op.drop_column("deadline_provisional_year")
