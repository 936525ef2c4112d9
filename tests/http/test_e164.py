"""Every number Twilio is given is E.164; one that cannot be is refused on our side, and the
text or callback task says why. The hotline itself keeps national form."""

import sqlalchemy as sa

from hotline.infra import context
from hotline.services import texts
from routing.messaging import Conversation, Message
from routing.models import Agent, Call, CallEvent
from tests.conftest import signed_post
from tests.factories import PASSWORD, make_agent
from tests.voice_flow import Caller

MAIN = "+862012345678"  # the settings' default: the local gateway's sender
REFUSED = "无法转为 E.164 国际格式"


def outgoing(session, phone: str) -> list[Message]:
    session.expire_all()
    return session.scalars(
        sa.select(Message)
        .join(Conversation)
        .where(Conversation.phone == phone, Message.direction == "out")
        .order_by(Message.id)
    ).all()


def test_a_text_to_a_citizen_goes_to_and_from_e164(app, session, gateway):
    assert context.settings(app).main_number == MAIN
    texts.send(session, "138-0013-8000", "您好")
    session.commit()
    (sms,) = gateway.sent()
    assert (sms["kind"], sms["to"], sms["from"]) == ("sms", "+8613800138000", MAIN)
    (message,) = outgoing(session, "13800138000")  # kept in national form
    assert (message.status, message.sid) == ("sent", sms["sid"])


def test_a_text_to_a_short_code_is_failed_with_the_reason_and_never_sent(app, session, gateway):
    texts.send(session, "10086", "您好")
    session.commit()
    assert gateway.sent() == []
    (message,) = outgoing(session, "10086")
    assert message.status == "failed" and REFUSED in message.error and "10086" in message.error
    assert message.sid is None


def test_a_text_from_a_short_code_gets_no_reply_sent(client, observer, gateway):
    params = {"MessageSid": "SM" + "e" * 32, "From": "10086", "To": "12345", "Body": "余额提醒"}
    assert signed_post(client, "/twilio/sms", params).status_code == 200
    assert [r for r in gateway.sent() if r["kind"] == "sms"] == []
    replies = outgoing(observer, "10086")
    assert replies and all(m.status == "failed" and REFUSED in m.error for m in replies)


def login_available(client, user) -> dict:
    credentials = {"username": user.username, "password": PASSWORD}
    response = client.post("/api/v1/session", json=credentials)
    assert response.status_code == 200, response.data
    response = client.post("/api/v1/agent/state", json={"state": "available"})
    assert response.status_code == 200, response.data
    return response.get_json()


def ask_for_a_callback(client, observer, number: str) -> None:
    caller = Caller(client, observer, number=number)
    caller.dial(to="12333")
    caller.backdate_queue(90)
    caller.wait()
    caller.post("/twilio/voice/wait-choice", Digits="2")
    caller.post("/twilio/voice/queue-result", QueueResult="leave", QueueTime="95")


def test_a_callback_calls_the_citizen_at_e164_from_e164(client, observer, gateway):
    user, _ = make_agent(observer, skills={"social_security": 1})
    observer.commit()
    ask_for_a_callback(client, observer, "+86 139-0013-9000")
    offered = login_available(client, user)["reservation"]
    assert offered["kind"] == "callback" and offered["from"] == "13900139000"
    accepted = client.post(f"/api/v1/agent/reservations/{offered['id']}/accept", json={})
    assert accepted.status_code == 200, accepted.data
    (placed,) = [r for r in gateway.sent() if r["kind"] == "call"]
    assert (placed["to"], placed["from"]) == ("+8613900139000", MAIN)


def test_a_callback_to_a_short_code_is_refused_and_the_task_closed_saying_why(
    client, observer, gateway
):
    user, agent = make_agent(observer, skills={"social_security": 1})
    observer.commit()
    ask_for_a_callback(client, observer, "110")
    offered = login_available(client, user)["reservation"]
    assert offered["kind"] == "callback" and offered["from"] == "110"
    refused = client.post(f"/api/v1/agent/reservations/{offered['id']}/accept", json={})
    assert refused.status_code == 422
    assert REFUSED in refused.get_json()["error"] and "110" in refused.get_json()["error"]
    assert [r for r in gateway.sent() if r["kind"] == "call"] == []

    observer.expire_all()
    task = observer.get(Call, offered["id"])
    assert (task.status, task.agent_id) == ("failed", None) and task.ended_at is not None
    (event,) = observer.scalars(
        sa.select(CallEvent).where(CallEvent.call_id == task.id, CallEvent.kind == "given_up")
    )
    assert REFUSED in event.payload["reason"]
    assert observer.get(Agent, agent.id).state == "available"
    # Not offered again: the agent is free and nothing waits.
    status = client.get("/api/v1/agent/status").get_json()
    assert status["reservation"] is None and status["state"] == "available"
