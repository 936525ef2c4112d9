"""The timing settings (urgent reply hours, reminder hours, callback days) are honoured on
every channel that opens or reopens a work order, and by the sweep.

Each test sets a value other than the default, so that a channel which fell back to the
default policy would give another deadline.
"""

import re
from datetime import timedelta

import sqlalchemy as sa

from hotline.db import utcnow
from tests.conftest import login, override, post_form
from tests.factories import PASSWORD, make_agent
from tests.http.test_open311 import file_request
from tests.http.test_report_api import issue_token
from tests.http.test_sms import sent_to, text
from tests.http.test_workorder_http import act, api_login, open_order
from workorders import services as workorders
from workorders.calendar import LOCAL
from workorders.deadlines import DEFAULT_POLICY
from workorders.models import WorkOrder, WorkOrderNotice

URGENT = "URBAN.MANHOLE"  # urgent, without hours of its own
STREET = "GZ-TH-SPJ"
UNIT = workorders.Actor("spj", None, STREET)
CITIZEN = "13800138000"


def order_numbered(observer, number: str) -> WorkOrder:
    observer.expire_all()
    return observer.scalar(sa.select(WorkOrder).where(WorkOrder.number == number))


def assert_due_after(order: WorkOrder, hours: int) -> None:
    assert order.urgent and order.status == "dispatched"
    assert order.reply_deadline == order.dispatched_at + timedelta(hours=hours)


def test_an_order_filed_in_the_agent_console_is_due_in_the_urgent_hours(app, client, observer):
    override(app, urgent_reply_hours=6)
    user, _ = make_agent(observer)
    observer.commit()
    login(client, user.username, PASSWORD)
    filed = post_form(
        client,
        "/console/work-orders",
        {
            "category": URGENT,
            "district": "GZ-TH",
            "street": STREET,
            "description": "路口井盖缺失，晚上很危险",
        },
        "/console/",
    )
    assert filed.status_code == 302
    number = re.search(r"/console/orders/(\d{8}-\d{6})", filed.location).group(1)
    order = order_numbered(observer, number)
    assert order.dispatched_at == order.created_at
    assert_due_after(order, 6)


def test_an_order_opened_through_the_work_order_api_is_due_in_the_urgent_hours(
    app, client, observer
):
    override(app, urgent_reply_hours=6)
    user, _ = make_agent(observer)
    observer.commit()
    api_login(client, user)
    body = open_order(client, category=URGENT, street=STREET)
    order = order_numbered(observer, body["number"])
    assert body["reply_deadline"] == order.reply_deadline.isoformat()
    assert_due_after(order, 6)


def test_an_open311_request_is_due_in_the_urgent_hours(app, client, observer):
    override(app, urgent_reply_hours=6)
    key = issue_token(app, "open311", "city app")[1]
    response = file_request(client, key, service_code=URGENT)
    assert response.status_code == 201, response.data
    (created,) = response.get_json()
    order = order_numbered(observer, created["service_request_id"])
    assert_due_after(order, 6)
    due = order.reply_deadline.astimezone(LOCAL).strftime("%Y-%m-%d")
    assert created["service_notice"] == f"已受理，承办期限 {due}"


def test_a_text_is_told_the_urgent_deadline_and_gets_it_once_dispatched(
    app, client, observer, gateway
):
    # The text only gives a date: 48 hours is always another day than the default 24.
    override(app, urgent_reply_hours=48)
    text(client, "我们小区门口的井盖不见了，晚上很危险")
    order = observer.scalar(sa.select(WorkOrder))
    assert (order.channel, order.category_code, order.status) == ("sms", URGENT, "new")
    told = (order.created_at + timedelta(hours=48)).astimezone(LOCAL).strftime("%Y-%m-%d")
    assert f"预计办理期限 {told}" in "".join(p.split(")", 1)[-1] for p in sent_to(gateway))

    dispatcher, _ = make_agent(observer, role="supervisor")
    observer.commit()
    api_login(client, dispatcher)
    assert act(client, order.number, "dispatch", unit=STREET).status_code == 200
    assert_due_after(order_numbered(observer, order.number), 48)


def test_a_reopen_by_the_citizens_unsatisfied_answer_is_due_in_the_urgent_hours(
    app, client, session, observer
):
    override(app, urgent_reply_hours=6)
    order = workorders.open_work_order(
        session,
        channel="phone",
        category_code=URGENT,
        description="路口井盖缺失",
        actor=workorders.SYSTEM,
        citizen_phone=CITIZEN,
        street_code=STREET,
        now=utcnow() - timedelta(hours=3),
        policy=DEFAULT_POLICY,
    )
    workorders.sign_for(session, order.number, UNIT)
    workorders.reply(session, order.number, UNIT, "已更换井盖")
    session.commit()
    first_dispatch = order.dispatched_at
    text(client, "3")
    reopened = order_numbered(observer, order.number)
    assert reopened.satisfaction == "unsatisfied"
    assert reopened.dispatched_at > first_dispatch
    assert_due_after(reopened, 6)


def sweep(runner) -> str:
    result = runner.invoke(args=["workorders", "sweep"])
    assert result.exit_code == 0, result.output
    return result.output


def signed_urgent_order(session) -> WorkOrder:
    order = workorders.open_work_order(
        session,
        channel="phone",
        category_code=URGENT,
        description="路口井盖缺失",
        actor=workorders.SYSTEM,
        citizen_phone=CITIZEN,
        street_code=STREET,
        policy=DEFAULT_POLICY,
    )
    workorders.sign_for(session, order.number, UNIT)
    session.commit()
    return order


def test_the_sweep_reminds_the_unit_the_reminder_hours_before_the_deadline(
    app, runner, session, observer
):
    override(app, reminder_hours=6)
    order = signed_urgent_order(session)
    order.reply_deadline = utcnow() + timedelta(hours=6, minutes=1)
    session.commit()
    assert sweep(runner).startswith("0 reminded")

    order.reply_deadline = utcnow() + timedelta(hours=6, minutes=-1)
    session.commit()
    assert sweep(runner).startswith("1 reminded")
    reminders = observer.scalars(
        sa.select(WorkOrderNotice.due_at).where(
            WorkOrderNotice.work_order_id == order.id, WorkOrderNotice.kind == "reply_due"
        )
    ).all()
    assert reminders == [order.reply_deadline]


def test_an_unanswered_survey_closes_after_the_callback_days(app, runner, session, observer):
    override(app, callback_days=5)
    order = signed_urgent_order(session)
    workorders.reply(session, order.number, UNIT, "已更换井盖")
    order.replied_at = utcnow() - timedelta(days=5, minutes=-1)
    session.commit()
    assert sweep(runner).endswith("0 closed without an answer\n")
    assert order_numbered(observer, order.number).status == "replied"

    order.replied_at = utcnow() - timedelta(days=5, minutes=1)
    session.commit()
    assert sweep(runner).endswith("1 closed without an answer\n")
    closed = order_numbered(observer, order.number)
    assert (closed.status, closed.satisfaction) == ("closed", "no_response")
