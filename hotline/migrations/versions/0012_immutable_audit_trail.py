"""the audit trails (work_order_events, audit_events) refuse UPDATE and DELETE in the database

Revision ID: 0012
Revises: 0011

The ORM refuses to change a work-order event, but plain SQL could. These triggers refuse it
for any client. On PostgreSQL they are ordinary triggers, which do not fire under
``session_replication_role = replica``: a setting only a superuser may change, which is how
the test suite empties the tables between tests (the application's own role cannot). On
SQLite, which has no roles, whoever may write the file may drop a trigger; the tests do
that, inside the transaction that empties the tables, and put it back before committing.
"""

from alembic import op


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TABLES = ("work_order_events", "audit_events")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION refuse_audit_trail_change() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '% is an audit trail: its rows are never updated or deleted',
                    TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
            END
            $$ LANGUAGE plpgsql
            """
        )
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_written_once BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION refuse_audit_trail_change()"
            )
        return
    for table in TABLES:
        for change in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{change.lower()} BEFORE {change} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is an audit trail: its rows are never "
                "updated or deleted'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_written_once ON {table}")
        op.execute("DROP FUNCTION refuse_audit_trail_change()")
        return
    for table in TABLES:
        for change in ("update", "delete"):
            op.execute(f"DROP TRIGGER {table}_no_{change}")
