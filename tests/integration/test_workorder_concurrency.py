"""Several people acting on one order at the same moment: one wins, the others are told."""

import threading

import pytest
import sqlalchemy as sa

from hotline.infra import context
from tests.factories import open_order
from workorders import services
from workorders.deadlines import DEFAULT_POLICY
from workorders.errors import Conflict
from workorders.models import WorkOrder, WorkOrderEvent

UNIT = services.Actor("rsj", None, "GZ-RSJ")
PEOPLE = 6


def test_of_simultaneous_actions_on_one_order_exactly_one_wins(app, backend):
    if backend != "postgresql":
        pytest.skip("SQLite runs one writer at a time: there is nothing to race")
    factory = context.sessions(app)
    with app.app_context(), factory() as session:
        opened = open_order(session, description="养老金没有到账", actor=UNIT, citizen_phone="")
        session.commit()
        number, version = opened.number, opened.version

    everyone_has_read = threading.Barrier(PEOPLE)
    outcomes: list[str] = []

    def act(action: str, note: str) -> None:
        with app.app_context(), factory() as session:
            # The page each person has open, and the version it shows: the console and the
            # API send it back with the action.
            seen = services.get_work_order(session, number).version
            everyone_has_read.wait()
            try:
                services.perform(
                    session,
                    number,
                    action,
                    UNIT,
                    note=note,
                    expected_version=seen,
                    policy=DEFAULT_POLICY,
                )
                session.commit()
                outcomes.append(action)
            except Conflict as exc:
                session.rollback()
                assert str(exc) == f"工单 {number} 已被他人修改，请刷新后重试"
                outcomes.append("conflict")

    threads = [
        threading.Thread(target=act, args=("sign", "") if i % 2 else ("return", "不归我们"))
        for i in range(PEOPLE)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(outcomes) == PEOPLE
    winners = [o for o in outcomes if o != "conflict"]
    assert len(winners) == 1
    with factory() as session:
        order = session.scalar(sa.select(WorkOrder).where(WorkOrder.number == number))
        actions = session.scalars(
            sa.select(WorkOrderEvent.action).where(WorkOrderEvent.work_order_id == order.id)
        ).all()
    # Nothing lost, nothing doubled: the winner's action, once, and the status it leads to.
    assert actions.count("sign") + actions.count("return") == 1
    assert order.status == {"sign": "signed", "return": "disputed"}[winners[0]]
    assert order.version == version + 1
