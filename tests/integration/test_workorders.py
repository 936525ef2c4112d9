"""Work-order services on a real database: numbers, assignment, deadlines, transitions."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from tests.factories import make_user, open_order
from workorders import services
from workorders.calendar import LOCAL
from workorders.deadlines import DEFAULT_POLICY
from workorders.errors import IllegalTransition, InvalidWorkOrder, NotFound
from workorders.models import WorkOrderEvent
from workorders.reports import closure_by_unit, closure_totals

AGENT = services.Actor("agent1", None, None)
# Wednesday 30 September 2026, 10:00 in Guangzhou: the National Day holiday starts tomorrow.
BEFORE_NATIONAL_DAY = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)


def test_numbers_are_readable_and_count_per_local_day(session):
    first = open_order(session, now=datetime(2026, 11, 26, 1, 0, tzinfo=UTC))
    second = open_order(session, now=datetime(2026, 11, 26, 15, 0, tzinfo=UTC))
    third = open_order(session, now=datetime(2026, 11, 26, 17, 0, tzinfo=UTC))
    assert first.number == "20261126-000001"
    assert second.number == "20261126-000002"
    # 17:00 UTC is 01:00 on the 27th in Guangzhou: a new day, a new count.
    assert third.number == "20261127-000001"


def test_a_municipal_category_is_dispatched_to_its_department(session):
    order = open_order(session, district_code="GZ-TH")
    assert (order.status, order.unit_code) == ("dispatched", "GZ-RSJ")
    assert "SOCINS.PENSION" in order.assignment_reason
    actions = session.scalars(
        sa.select(WorkOrderEvent.action).where(WorkOrderEvent.work_order_id == order.id)
    ).all()
    assert actions == ["create", "dispatch"]


def test_a_territorial_category_goes_to_the_street_and_its_district_is_filled_in(session):
    order = open_order(session, category_code="URBAN.MANHOLE", street_code="GZ-TH-SPJ")
    assert order.unit_code == "GZ-TH-SPJ"
    assert order.district_code == "GZ-TH"
    assert order.urgent  # the category is urgent


def test_a_territorial_category_without_a_place_waits_for_the_dispatcher(session):
    order = open_order(session, category_code="URBAN.MANHOLE")
    assert order.status == "new"
    assert order.unit_code is None
    assert order.reply_deadline is None


def test_deadlines_count_working_days_across_the_national_day_holiday(session):
    order = open_order(session, now=BEFORE_NATIONAL_DAY)  # 10 working days
    # Working days after 30 Sep: 8, 9, 10 (make-up Saturday), 12–16, 19, 20 October.
    assert order.reply_deadline.astimezone(LOCAL).date() == date(2026, 10, 20)
    assert order.sign_deadline.astimezone(LOCAL).date() == date(2026, 10, 8)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"category_code": "NO.SUCH"}, "未知的分类“NO.SUCH”"),
        ({"category_code": "SOCINS"}, "未知的分类“SOCINS”"),  # a group, not a leaf
        ({"description": "   "}, "请填写诉求内容"),
        ({"description": "x" * 4001}, "不能超过 4000 个字"),
        ({"district_code": "GZ-RSJ"}, "未知的区“GZ-RSJ”"),
        ({"street_code": "GZ-TH"}, "未知的街道“GZ-TH”"),
        ({"district_code": "GZ-YX", "street_code": "GZ-TH-SPJ"}, "街道 GZ-TH-SPJ 不属于 GZ-YX"),
        ({"channel": "fax"}, "未知的受理渠道“fax”"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(session, overrides, message):
    with pytest.raises(InvalidWorkOrder, match=message):
        open_order(session, **overrides)


def test_only_the_responsible_unit_or_one_above_it_can_act(session):
    order = open_order(session, category_code="URBAN.MANHOLE", street_code="GZ-TH-SPJ")
    with pytest.raises(NotFound):
        services.sign_for(session, order.number, services.Actor("rsj", None, "GZ-RSJ"))
    with pytest.raises(NotFound):
        services.sign_for(session, order.number, services.Actor("nobody", None, None))
    district = services.Actor("tianhe", None, "GZ-TH")
    assert services.sign_for(session, order.number, district).status == "signed"
    assert [o.number for o in services.orders_for_unit(session, "GZ-TH")] == [order.number]
    assert services.orders_for_unit(session, "GZ-YX") == []


def test_the_lifecycle_and_its_audit_trail(session):
    order = open_order(session)
    user = make_user(session, "department", unit_code="GZ-RSJ", username="rsj")
    unit = services.Actor("rsj", user.id, "GZ-RSJ")
    with pytest.raises(IllegalTransition):
        services.reply(session, order.number, unit, "too early")
    services.sign_for(session, order.number, unit)
    with pytest.raises(InvalidWorkOrder):
        services.reply(session, order.number, unit, "  ")
    services.reply(session, order.number, unit, "已补发")
    services.record_callback(
        session, order.number, AGENT, "unsatisfied", "还没收到", policy=DEFAULT_POLICY
    )
    assert order.status == "dispatched"
    services.sign_for(session, order.number, unit)
    services.reply(session, order.number, unit, "已到账")
    services.record_callback(session, order.number, AGENT, "satisfied", policy=DEFAULT_POLICY)
    assert order.status == "closed"
    assert order.closed_at is not None
    session.flush()
    events = session.scalars(
        sa.select(WorkOrderEvent)
        .where(WorkOrderEvent.work_order_id == order.id)
        .order_by(WorkOrderEvent.id)
    ).all()
    assert [(e.from_status, e.to_status) for e in events] == [
        (None, "new"),
        ("new", "dispatched"),
        ("dispatched", "signed"),
        ("signed", "replied"),
        ("replied", "dispatched"),
        ("dispatched", "signed"),
        ("signed", "replied"),
        ("replied", "closed"),
    ]
    assert events[4].note == "还没收到"
    assert events[2].actor == "rsj" and events[2].actor_id == user.id
    with pytest.raises(IllegalTransition, match="已办结"):
        services.record_callback(session, order.number, AGENT, "satisfied", policy=DEFAULT_POLICY)


def test_closure_figures_count_dispatched_and_closed_orders(session):
    unit = services.Actor("rsj", None, "GZ-RSJ")
    orders = [open_order(session) for _ in range(4)]
    open_order(session, category_code="URBAN.MANHOLE")  # not dispatched: not counted
    for order in orders[:3]:
        services.sign_for(session, order.number, unit)
        services.reply(session, order.number, unit, "done")
    for order in orders[:2]:
        services.record_callback(session, order.number, AGENT, "satisfied", policy=DEFAULT_POLICY)
    session.flush()
    totals = closure_totals(session)
    assert (totals.dispatched, totals.closed, totals.closure_rate) == (4, 2, 0.5)
    (row,) = closure_by_unit(session)
    assert (row.key, row.dispatched, row.closed) == ("GZ-RSJ", 4, 2)
    later = datetime(2100, 1, 1, tzinfo=UTC)
    assert closure_totals(session, start=later).closure_rate is None


def test_recent_categories_are_the_last_five_distinct_this_login_filed(session):
    agent, other = make_user(session, "agent"), make_user(session, "agent")
    mine = services.Actor(agent.username, agent.id)
    filed = [
        "SOCINS.PENSION",
        "HPF.WITHDRAW",
        "SOCINS.PENSION",
        "URBAN.MANHOLE",
        "ENERGY.GAS_LEAK",
        "TRAFFIC.LICENSE",
        "ENV.FUMES",
    ]
    for minute, code in enumerate(filed):
        open_order(
            session,
            category_code=code,
            actor=mine,
            now=datetime(2026, 11, 26, 2, minute, tzinfo=UTC),
        )
    open_order(session, category_code="EDU.ENROLL", actor=services.Actor(other.username, other.id))
    # Latest first, each once; the oldest distinct one (HPF.WITHDRAW) is the sixth.
    assert services.recent_categories(session, agent.id) == [
        "ENV.FUMES",
        "TRAFFIC.LICENSE",
        "ENERGY.GAS_LEAK",
        "URBAN.MANHOLE",
        "SOCINS.PENSION",
    ]
    assert services.recent_categories(session, other.id) == ["EDU.ENROLL"]
    assert services.recent_categories(session, agent.id + other.id + 1) == []
