"""Property: whatever people do to an order, in any order, it only ever moves along the
table, and replaying its audit trail gives the status it has."""

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import open_order
from workorders import services
from workorders.deadlines import DEFAULT_POLICY
from workorders.errors import WorkOrderError
from workorders.models import WorkOrderEvent
from workorders.states import STATUSES, TRANSITIONS, replay

UNIT = services.Actor("rsj", None, "GZ-RSJ")
MOVES = [
    ("sign", {}),
    ("start", {}),
    ("reply", {"note": "已处理"}),
    ("reply", {"note": " "}),
    ("return", {"note": "不属于本单位"}),
    ("request_extension", {"working_days": 2, "note": "需调档"}),
    ("approve_extension", {}),
    ("deny_extension", {"note": "理由不足"}),
    ("dispatch", {"unit_code": "GZ-RSJ"}),
    ("determine", {"unit_code": "GZ-RSJ", "note": "属人社职责"}),
    ("urge", {"note": "请加快"}),
    ("add_facts", {"note": "市民补充材料"}),
    ("attach", {"attachments": ["https://img.example.gov/1.jpg"]}),
    ("attach", {"attachments": ["javascript:alert(1)"]}),
    ("cancel", {"note": "市民撤回"}),
    ("merge", {"parent": True}),
    ("callback", {"satisfaction": "satisfied"}),
    ("callback", {"satisfaction": "unsatisfied"}),
    ("start_callback", {}),
]


@pytest.fixture
def parent(session):
    return open_order(session, description="同一问题的主工单", actor=UNIT, citizen_phone="")


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    start=st.sampled_from(["SOCINS.PENSION", "URBAN.MANHOLE"]),
    moves=st.lists(st.sampled_from(MOVES), max_size=14),
)
def test_any_sequence_of_actions_stays_in_the_table_and_replays(session, parent, start, moves):
    # A pension order is dispatched at once; a manhole without a place waits for dispatch.
    order = open_order(session, channel="phone", category_code=start, actor=UNIT)
    for action, params in moves:
        params = dict(params)
        if params.pop("parent", False):
            params["parent_number"] = parent.number
        try:
            with session.begin_nested():
                if action == "start_callback":
                    services.start_callback(session, order.number, services.SYSTEM, "texted")
                else:
                    services.perform(
                        session, order.number, action, UNIT, **params, policy=DEFAULT_POLICY
                    )
        except WorkOrderError:
            pass  # refused with a message; nothing changed
        assert order.status in STATUSES

    session.flush()
    events = session.scalars(
        sa.select(WorkOrderEvent)
        .where(WorkOrderEvent.work_order_id == order.id)
        .order_by(WorkOrderEvent.id)
    ).all()
    for event in events[1:]:
        assert TRANSITIONS[(event.from_status, event.action)] == event.to_status
    assert replay(e.action for e in events) == order.status
