"""What a test leaves behind is gone for the next one: its rows deleted, the ids and order
numbers it used handed out afresh, the reference data kept."""

from datetime import UTC, datetime

import sqlalchemy as sa

from hotline.infra import context
from routing.models import Call
from tests.conftest import empty_transactional_tables
from tests.factories import make_call, open_order
from workorders.models import Unit, WorkOrder, WorkOrderEvent

MORNING = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_emptying_deletes_the_rows_restarts_the_ids_and_keeps_the_reference_data(app, session):
    first = open_order(session, now=MORNING)
    call = make_call(session)
    session.commit()
    first_order, first_call = (first.id, first.number), call.id
    units = count(session, Unit)
    session.commit()  # no transaction of the test's open while the tables are emptied

    empty_transactional_tables(context.engine(app))
    session.expunge_all()  # the rows the session knew are gone

    assert [count(session, m) for m in (WorkOrder, WorkOrderEvent, Call)] == [0, 0, 0]
    assert count(session, Unit) == units > 0
    again = open_order(session, now=MORNING)
    call = make_call(session)
    assert ((again.id, again.number), call.id) == (first_order, first_call)
