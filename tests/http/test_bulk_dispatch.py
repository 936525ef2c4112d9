"""The dispatcher ticks several new orders and dispatches them to one unit at once: each is
dispatched or refused on its own, and the page says which."""

from __future__ import annotations

import pytest

from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_agent, open_order
from workorders.models import WorkOrder

pytestmark = pytest.mark.db


def test_ticked_orders_go_to_one_unit_and_a_refusal_does_not_stop_the_others(
    app, client, session, observer
):
    user, _ = make_agent(session, role="supervisor")
    waiting = [
        open_order(session, category_code="URBAN.MANHOLE", description=f"井盖松动 {i}")
        for i in range(2)
    ]
    gone = open_order(session)  # dispatched to its department already
    session.commit()
    assert [o.status for o in waiting] == ["new", "new"] and gone.status != "new"
    numbers = [o.number for o in waiting]

    login(client, user.username, PASSWORD)
    desk = client.get("/supervisor/").get_data(as_text=True)
    assert 'id="bulk-dispatch"' in desk and f'value="{numbers[0]}" form="bulk-dispatch"' in desk
    answer = post_form(
        client,
        "/supervisor/bulk-dispatch",
        {"numbers": [*numbers, gone.number], "unit": "GZ-TH-SPJ"},
        "/supervisor/",
    )
    assert answer.status_code == 302
    page = client.get("/supervisor/").get_data(as_text=True)
    assert "派单：2 张工单完成" in page and gone.number in page
    observer.expire_all()
    for number in numbers:
        order = observer.query(WorkOrder).filter_by(number=number).one()
        assert (order.status, order.unit_code) == ("dispatched", "GZ-TH-SPJ")


def test_nothing_ticked_says_so(app, client, session):
    user, _ = make_agent(session, role="supervisor")
    session.commit()
    login(client, user.username, PASSWORD)
    answer = post_form(client, "/supervisor/bulk-dispatch", {"unit": "GZ-TH-SPJ"}, "/supervisor/")
    assert answer.status_code == 302
    assert "请选择工单" in client.get("/supervisor/").get_data(as_text=True)
