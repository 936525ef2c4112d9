"""Cold transfers, played as Twilio would: the agent's REST redirect of the caller's call
ends their <Dial>, whose action Twilio still requests (its TwiML ignored), then Twilio asks
the new URL. The caller reaches the next queue, a named agent, or an outside number; the
note travels with the call; nothing is counted twice or lost."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hotline.infra.database import get_session
from routing.metrics import call_totals
from routing.models import Agent, Call, TransferTarget
from tests.conftest import PUBLIC_URL
from tests.factories import make_agent
from tests.http.test_agent_api import api_login, set_state
from tests.voice_flow import Caller

pytestmark = pytest.mark.db

NOTE = "市民先问养老金，又想问公积金提取，请接着解答"


def seat(app, observer, skills):
    user, agent = make_agent(observer, skills=skills)
    observer.commit()
    client = app.test_client()
    api_login(client, user)
    set_state(client, "available")
    return client, agent.id


def on_a_call(app, client, observer, telephony=None):
    """A caller on the 12333 line, answered by the only agent with its skill (live in the
    fake Twilio ``telephony`` when the test has one)."""
    first, first_id = seat(app, observer, {"social_security": 1})
    caller = Caller(client, observer)
    live = telephony.open_call(caller.number, sid=caller.call_sid) if telephony else None
    caller.dial(to="12333")
    if live is not None:
        live.state = "queued"  # Twilio holds it in the queue now
    call = caller.call
    assert call.reserved_agent_id == first_id
    assert first.post(f"/api/v1/agent/reservations/{call.id}/accept", json={}).status_code == 200
    caller.post("/twilio/voice/queue-result", QueueResult="redirected", QueueTime="3")
    assert "<Client" in caller.post(f"/twilio/voice/bridge/{call.id}")
    if live is not None:
        live.state = "bridged"
    return caller, call.id, first, first_id


def leg_ended(caller, call_id, agent_id, dial_status, call_status="in-progress", duration=None):
    """Twilio's <Dial> action for the leg that rang ``agent_id``; its TwiML."""
    params = {"DialCallStatus": dial_status, "CallStatus": call_status}
    if duration is not None:
        params["DialCallDuration"] = duration
    return caller.post(f"/twilio/voice/after-dial/{call_id}?agent={agent_id}", **params)


def state_of(observer, agent_id):
    observer.expire_all()
    return observer.get(Agent, agent_id).state


def redirects(gateway) -> list[str]:
    return [r["url"] for r in gateway.sent() if r["kind"] == "redirect"]


def test_to_a_queue_the_next_agent_is_offered_the_call_with_the_note(
    app, client, observer, gateway
):
    caller, call_id, first, first_id = on_a_call(app, client, observer)
    second, second_id = seat(app, observer, {"general": 1})

    answer = first.post(
        f"/api/v1/agent/calls/{call_id}/transfer",
        json={"kind": "queue", "target": "general", "note": NOTE},
    )
    assert answer.status_code == 200, answer.data
    assert answer.get_json()["state"] == "wrap_up"
    assert redirects(gateway)[-1] == f"{PUBLIC_URL}/twilio/voice/transfer/{call_id}"
    call = caller.call
    assert (call.status, call.skill_code, call.transfers) == ("queued", "general", 1)
    assert call.reserved_agent_id == second_id and call.answered_at is not None

    # Twilio: the first agent's <Dial> ended by the redirect; its action comes, changes nothing.
    leg_ended(caller, call_id, first_id, "completed", "in-progress", "95")
    assert caller.call.reserved_agent_id == second_id
    assert state_of(observer, first_id) == "wrap_up"
    # Then the new URL: the caller is told, and waits in the next queue.
    twiml = caller.post(f"/twilio/voice/transfer/{call_id}")
    assert "正在为您转接" in twiml and "<Enqueue" in twiml and ">general</Enqueue>" in twiml

    offered = second.get("/api/v1/agent/status").get_json()["reservation"]
    assert offered["id"] == call_id and offered["transfer_note"] == NOTE
    assert second.post(f"/api/v1/agent/reservations/{call_id}/accept", json={}).status_code == 200
    caller.post("/twilio/voice/queue-result", QueueResult="redirected", QueueTime="8")
    assert "<Client" in caller.post(f"/twilio/voice/bridge/{call_id}")
    leg_ended(caller, call_id, second_id, "completed", "completed", "40")
    caller.post("/twilio/voice/status", CallStatus="completed")
    assert caller.call.status == "completed"
    assert state_of(observer, second_id) == "wrap_up"
    with app.app_context():
        totals = call_totals(get_session())
    assert (totals.offered, totals.answered) == (1, 1)  # one call, answered once


def test_to_a_named_agent_only_when_they_can_take_it(app, client, observer, gateway):
    caller, call_id, first, first_id = on_a_call(app, client, observer)
    second, second_id = seat(app, observer, {"general": 1})
    set_state(second, "break")
    refused = first.post(
        f"/api/v1/agent/calls/{call_id}/transfer",
        json={"kind": "agent", "target": str(second_id), "note": NOTE},
    )
    assert refused.status_code == 409
    assert refused.get_json()["error"].endswith(" 当前不是置闲状态")
    refused = first.post(
        f"/api/v1/agent/calls/{call_id}/transfer?lang=en",
        json={"kind": "agent", "target": str(second_id), "note": NOTE},
    )
    assert refused.status_code == 409
    assert refused.get_json()["error"].endswith(" is not available")
    assert caller.call.status == "connected" and state_of(observer, first_id) == "on_call"
    assert not any("/transfer/" in url for url in redirects(gateway))

    set_state(second, "available")
    answer = first.post(
        f"/api/v1/agent/calls/{call_id}/transfer",
        json={"kind": "agent", "target": str(second_id), "note": NOTE},
    )
    assert answer.status_code == 200, answer.data
    assert caller.call.reserved_agent_id == second_id
    assert state_of(observer, second_id) == "reserved"
    assert second.get("/api/v1/agent/status").get_json()["reservation"]["transfer_note"] == NOTE

    # The caller hangs up before the second agent takes it: answered (by the first), not
    # abandoned, and the second agent is free again.
    caller.post("/twilio/voice/queue-result", QueueResult="hangup", QueueTime="20")
    caller.post("/twilio/voice/status", CallStatus="completed")
    assert caller.call.status == "completed"
    assert state_of(observer, second_id) == "available"


def test_to_an_outside_number_the_caller_is_put_through_and_the_call_ends_here(
    app, client, observer, gateway
):
    caller, call_id, first, first_id = on_a_call(app, client, observer)
    ambulance = observer.scalar(sa.select(TransferTarget).where(TransferTarget.number == "120"))
    answer = first.post(
        f"/api/v1/agent/calls/{call_id}/transfer",
        json={"kind": "outside", "target": str(ambulance.id), "note": "老人晕倒"},
    )
    assert answer.status_code == 200, answer.data
    assert redirects(gateway)[-1] == f"{PUBLIC_URL}/twilio/voice/transfer-out/{call_id}"
    twiml = caller.post(f"/twilio/voice/transfer-out/{call_id}")
    assert "<Dial>120</Dial>" in twiml and "正在为您转接" in twiml
    call = caller.call
    assert (call.status, call.transferred_to, call.end_reason) == (
        "completed",
        "120",
        "transferred out",
    )
    leg_ended(caller, call_id, first_id, "completed", "in-progress", "30")
    caller.post("/twilio/voice/status", CallStatus="completed")
    assert caller.call.status == "completed" and state_of(observer, first_id) == "wrap_up"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"kind": "queue", "target": "no_such_queue"}, 404),
        ({"kind": "outside", "target": "99999"}, 404),
        ({"kind": "elsewhere", "target": "1"}, 404),
    ],
)
def test_a_transfer_nowhere_is_refused_and_the_call_stays(app, client, observer, body, status):
    caller, call_id, first, first_id = on_a_call(app, client, observer)
    answer = first.post(f"/api/v1/agent/calls/{call_id}/transfer", json=body)
    assert answer.status_code == status
    assert caller.call.status == "connected" and state_of(observer, first_id) == "on_call"


def test_a_call_that_is_not_yours_cannot_be_transferred(app, client, observer):
    caller, call_id, _, _ = on_a_call(app, client, observer)
    other, _ = seat(app, observer, {"general": 1})
    answer = other.post(
        f"/api/v1/agent/calls/{call_id}/transfer", json={"kind": "queue", "target": "general"}
    )
    assert answer.status_code == 409
    assert caller.call.status == "connected"
    assert observer.get(Call, call_id).transfers == 0


def test_hold_and_resume_keep_the_call_and_a_missed_resume_keeps_the_caller_on_hold(
    app, client, observer, gateway
):
    caller, call_id, first, first_id = on_a_call(app, client, observer)
    assert first.post(f"/api/v1/agent/calls/{call_id}/hold", json={}).status_code == 200
    assert redirects(gateway)[-1] == f"{PUBLIC_URL}/twilio/voice/hold/{call_id}"
    assert first.post(f"/api/v1/agent/calls/{call_id}/hold", json={}).status_code == 409
    status = first.get("/api/v1/agent/status").get_json()
    assert status["state"] == "on_call" and status["call"]["held_at"]

    # The redirect ended the agent's leg: its action comes, and the call goes on.
    leg_ended(caller, call_id, first_id, "completed", "in-progress", "60")
    call = caller.call
    assert call.status == "connected" and call.answered_at is not None
    assert state_of(observer, first_id) == "on_call"
    waiting = caller.post(f"/twilio/voice/hold/{call_id}")
    assert "请稍候，不要挂机" in waiting and f"/twilio/voice/hold/{call_id}</Redirect>" in waiting

    # Back from hold: the bridge rings the agent again. They miss it: still on hold.
    assert first.post(f"/api/v1/agent/calls/{call_id}/resume", json={}).status_code == 200
    assert redirects(gateway)[-1] == f"{PUBLIC_URL}/twilio/voice/bridge/{call_id}"
    assert "<Client" in caller.post(f"/twilio/voice/bridge/{call_id}")
    again = leg_ended(caller, call_id, first_id, "no-answer")
    assert "请稍候，不要挂机" in again
    assert caller.call.status == "connected" and caller.call.held_at is not None
    assert state_of(observer, first_id) == "on_call"

    assert first.post(f"/api/v1/agent/calls/{call_id}/resume", json={}).status_code == 200
    assert "<Client" in caller.post(f"/twilio/voice/bridge/{call_id}")
    leg_ended(caller, call_id, first_id, "completed", "completed", "30")
    caller.post("/twilio/voice/status", CallStatus="completed")
    call = caller.call
    assert call.status == "completed" and call.held_at is None and call.hold_seconds >= 0
    assert state_of(observer, first_id) == "wrap_up"
    with app.app_context():
        totals = call_totals(get_session())
    assert (totals.offered, totals.answered, totals.abandoned) == (1, 1, 0)


def test_a_refused_hold_leaves_the_call_as_it_was(app, client, observer, twilio_api):
    caller, call_id, first, _ = on_a_call(app, client, observer, twilio_api.telephony)
    twilio_api.telephony.refuse_next("calls.update", 429, 20429, "Too many requests")
    answer = first.post(f"/api/v1/agent/calls/{call_id}/hold", json={})
    assert answer.status_code == 502  # the error map: Twilio refused, try again
    assert caller.call.held_at is None and caller.call.status == "connected"


@pytest.mark.parametrize("action", ["hold", "transfer"])
def test_a_caller_gone_before_the_redirect_is_not_held_and_counts_answered(
    app, client, observer, twilio_api, action
):
    caller, call_id, first, first_id = on_a_call(app, client, observer, twilio_api.telephony)
    twilio_api.telephony.calls[caller.call_sid].state = "ended"  # the caller hung up just now
    body = {"kind": "queue", "target": "general"} if action == "transfer" else {}
    answer = first.post(f"/api/v1/agent/calls/{call_id}/{action}", json=body)
    assert answer.status_code == 409
    call = caller.call
    assert (call.status, call.held_at, call.transfers) == ("connected", None, 0)
    assert state_of(observer, first_id) == "on_call"
    # Twilio then reports the end: the call was answered, the agent wraps it up.
    leg_ended(caller, call_id, first_id, "completed", "completed", "50")
    caller.post("/twilio/voice/status", CallStatus="completed")
    assert caller.call.status == "completed" and caller.call.answered_at is not None
    assert state_of(observer, first_id) == "wrap_up"


@pytest.mark.parametrize("dial_status", ["busy", "failed", "no-answer"])
def test_a_resumed_leg_not_answered_keeps_the_caller_on_hold(app, client, observer, dial_status):
    caller, call_id, first, first_id = on_a_call(app, client, observer)
    first.post(f"/api/v1/agent/calls/{call_id}/hold", json={})
    leg_ended(caller, call_id, first_id, "completed", "in-progress", "20")
    first.post(f"/api/v1/agent/calls/{call_id}/resume", json={})
    assert "请稍候，不要挂机" in leg_ended(caller, call_id, first_id, dial_status)
    call = caller.call
    assert call.status == "connected" and call.held_at is not None
    assert state_of(observer, first_id) == "on_call"
