"""The audit trails refuse UPDATE and DELETE in the database itself, not only through the
ORM: plain SQL on either backend fails, and the test suite can still empty them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hotline.infra import context
from hotline.models import AuditEvent
from tests.conftest import empty_transactional_tables
from tests.factories import open_order
from workorders.models import WorkOrderEvent

CHANGES = {
    "work_order_events": (
        "UPDATE work_order_events SET note = 'rewritten'",
        "DELETE FROM work_order_events",
    ),
    "audit_events": ("UPDATE audit_events SET actor = 'someone else'", "DELETE FROM audit_events"),
}


@pytest.fixture
def trails(app, session):
    open_order(session)
    session.add(AuditEvent(actor="admin", entity="ivr_option", entity_id="1", action="update"))
    session.commit()
    return context.engine(app)


def rows(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table: connection.scalar(sa.text(f"SELECT count(*) FROM {table}")) for table in CHANGES
        }


def test_plain_sql_can_neither_update_nor_delete_an_audit_trail(trails):
    before = rows(trails)
    assert all(before.values()), before
    for statement in (statement for pair in CHANGES.values() for statement in pair):
        with pytest.raises(sa.exc.DBAPIError, match="audit trail"), trails.begin() as connection:
            connection.execute(sa.text(statement))
    assert rows(trails) == before


def test_the_test_cleanup_still_empties_them_and_keeps_the_guard(trails, session):
    session.close()
    empty_transactional_tables(trails)
    assert rows(trails) == {"work_order_events": 0, "audit_events": 0}
    open_order(session)
    session.commit()
    with pytest.raises(sa.exc.DBAPIError, match="audit trail"), trails.begin() as connection:
        connection.execute(sa.delete(WorkOrderEvent.__table__))
