"""The spine, over HTTP as its users drive it: a call becomes a closed work order."""

import re
from datetime import timedelta

import sqlalchemy as sa

from knowledge_base.services import upsert_article
from routing.models import Call
from tests.conftest import PUBLIC_URL, csrf_token, login, post_form, signed_post
from tests.factories import PASSWORD, make_agent, make_user
from workorders.calendar import LOCAL
from workorders.models import WorkOrder
from workorders.services import load_calendar

CALL_SID = "CA" + "e" * 32


def test_a_call_to_12345_is_answered_and_its_work_order_closed(client, observer, gateway):
    agent_user, _ = make_agent(observer, skills={"urban_management": 2, "general": 1})
    street_user = make_user(observer, "department", unit_code="GZ-TH-SPJ")
    other_user = make_user(observer, "department", unit_code="GZ-RSJ")
    supervisor = make_user(observer, "supervisor")
    upsert_article(
        observer,
        {
            "id": "HL-9001",
            "title": "井盖缺失怎么报修",
            "questions": ["路上井盖不见了找谁"],
            "answer": "井盖缺失属于市政设施问题，由所在街道负责处置。",
            "keywords": ["井盖"],
        },
    )
    observer.commit()

    # A citizen calls 12345, hears the menu, presses 4 (urban management) and waits.
    params = {"CallSid": CALL_SID, "From": "+8613800138000", "To": "12345"}
    assert "<Gather" in signed_post(client, "/twilio/voice", params).get_data(as_text=True)
    queued = signed_post(client, "/twilio/voice/menu", {**params, "Digits": "4"})
    assert ">urban_management</Enqueue>" in queued.get_data(as_text=True)

    # The agent logs in, goes available, sees the waiting call and accepts it.
    assert login(client, agent_user.username, PASSWORD).status_code == 302
    post_form(client, "/console/state", {"state": "available"}, "/console/")
    console = client.get("/console/").get_data(as_text=True)
    call_id = observer.scalar(sa.select(Call.id).where(Call.call_sid == CALL_SID))
    assert f'data-call-id="{call_id}"' in console
    assert "13800138000" in console
    post_form(client, f"/console/calls/{call_id}/accept", {}, "/console/")

    # Accepting bridges the caller to the agent's browser through the gateway.
    (redirect,) = [r for r in gateway.sent() if r["kind"] == "redirect"]
    assert redirect["call_sid"] == CALL_SID
    assert redirect["url"] == f"{PUBLIC_URL}/twilio/voice/bridge/{call_id}"
    bridge = signed_post(client, f"/twilio/voice/bridge/{call_id}", params)
    assert f"<Identity>{agent_user.username}</Identity>" in bridge.get_data(as_text=True)

    # The agent searches the knowledge base while talking.
    api = client.get("/api/v1/kb/search?q=井盖不见了").get_json()
    assert api["results"][0]["id"] == "HL-9001"

    # The problem needs on-site work: the agent files a work order from the call.
    filed = post_form(
        client,
        "/console/work-orders",
        {
            "call_id": str(call_id),
            "category": "URBAN.MANHOLE",
            "district": "GZ-TH",
            "street": "GZ-TH-SPJ",
            "address": "天河路 100 号",
            "description": "路口井盖缺失<script>alert(1)</script>",
        },
        "/console/",
    )
    assert filed.status_code == 302
    number = re.search(r"/console/orders/(\d{8}-\d{6})", filed.location).group(1)
    observer.expire_all()
    order = observer.scalar(sa.select(WorkOrder).where(WorkOrder.number == number))
    assert order.unit_code == "GZ-TH-SPJ"
    assert "territorial" in order.assignment_reason
    assert order.status == "dispatched"
    assert order.citizen_phone == "13800138000"
    call = observer.get(Call, call_id)
    assert call.resolution == "work_order"

    # URBAN.MANHOLE is urgent: it must be answered within 24 hours, round the clock, and
    # signed for by the end of the next working day at the latest.
    assert order.reply_deadline == order.dispatched_at + timedelta(hours=24)
    sign_by = load_calendar(observer).add_working_days(
        order.dispatched_at.astimezone(LOCAL).date(), 1
    )
    assert order.sign_deadline.astimezone(LOCAL).date() <= sign_by

    # The citizen is texted the ticket number (in-process job after commit).
    (sms,) = [r for r in gateway.sent() if r["kind"] == "sms"]
    assert sms["to"] == "+8613800138000"
    assert number in sms["body"]

    # A user of another unit cannot see it, not even by guessing its number.
    client.post("/logout", data={"csrf_token": csrf_token(client, "/console/")})
    login(client, other_user.username, PASSWORD)
    assert number not in client.get("/dept/").get_data(as_text=True)
    assert client.get(f"/dept/orders/{number}").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dept/")})

    # The street's user sees it (escaped), signs for it and replies.
    login(client, street_user.username, PASSWORD)
    assert number in client.get("/dept/").get_data(as_text=True)
    detail = client.get(f"/dept/orders/{number}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail
    assert "<script>alert(1)" not in detail
    post_form(client, f"/dept/orders/{number}/sign", {}, f"/dept/orders/{number}")
    post_form(
        client,
        f"/dept/orders/{number}/reply",
        {"reply": "已更换新井盖。"},
        f"/dept/orders/{number}",
    )
    observer.expire_all()
    # The reply went out and the citizen was texted the satisfaction survey at once.
    assert observer.get(WorkOrder, order.id).status == "callback"
    survey = [r for r in gateway.sent() if r["kind"] == "sms"][-1]
    assert survey["to"] == "+8613800138000" and "1 满意" in survey["body"]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dept/")})

    # The supervisor calls the citizen back: satisfied, so the order closes.
    login(client, supervisor.username, PASSWORD)
    assert number in client.get("/supervisor/").get_data(as_text=True)
    post_form(
        client,
        f"/supervisor/orders/{number}/callback",
        {"satisfaction": "satisfied"},
        "/supervisor/",
    )
    observer.expire_all()
    closed = observer.get(WorkOrder, order.id)
    assert closed.status == "closed"
    # After the reply a job texted the citizen the satisfaction survey (start_callback).
    assert [e.action for e in closed.events] == [
        "create",
        "dispatch",
        "sign",
        "reply",
        "start_callback",
        "close",
    ]

    # The closure report shows it.
    report = client.get("/reports/").get_data(as_text=True)
    assert 'data-unit="GZ-TH-SPJ"' in report
    assert "100.00%" in report
