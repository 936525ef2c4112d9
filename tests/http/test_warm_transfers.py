"""Warm transfers, played as Twilio would, against the fake REST API: the agent's leg (known
from the <Client>'s "answered" status callback) is redirected into a consult room, which
ends the caller's <Dial> (its action is requested: the caller then waits in the call's
conference, hearing the hold message); Twilio places a call to the colleague or the
outside number; putting the caller through redirects that call into the caller's room and
hangs up the agent's leg; taking the caller back hangs up the consulted call and moves the
agent's leg to the caller. Unhappy outcomes: the colleague does not answer, Twilio refuses,
the caller hangs up while waiting."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from hotline.simulator.twilio_api import new_sid
from routing.models import Agent, Call, TransferTarget
from tests.conftest import PUBLIC_URL
from tests.http.test_transfers import NOTE, leg_ended, on_a_call, seat, state_of

pytestmark = pytest.mark.db


def answered_leg(caller, telephony, call_id: int, agent_id: int) -> str:
    """The agent picks up: Twilio's child call of the bridge's <Dial>, and its callback."""
    leg = new_sid("CA")
    telephony.open_leg(leg, f"agent-{agent_id}")
    caller.post(
        f"/twilio/voice/leg-answered/{call_id}?agent={agent_id}",
        CallSid=leg,
        ParentCallSid=caller.call_sid,
        CallStatus="in-progress",
    )
    return leg


def a_consult(app, client, observer, telephony, kind="agent"):
    caller, call_id, first, first_id = on_a_call(app, client, observer, telephony)
    leg = answered_leg(caller, telephony, call_id, first_id)
    colleague, colleague_id = seat(app, observer, {"general": 1})
    if kind == "agent":
        target = str(colleague_id)
    else:
        desk = TransferTarget(name="市住建局热线", number="+862083334444", position=9)
        observer.add(desk)
        observer.commit()
        target = str(desk.id)
    answer = first.post(
        f"/api/v1/agent/calls/{call_id}/transfer",
        json={"kind": kind, "target": target, "note": NOTE, "warm": True},
    )
    return caller, call_id, first, first_id, leg, colleague, colleague_id, answer


def placed(telephony) -> list:
    return [c for c in telephony.calls.values() if c.direction == "outbound-api"]


def test_the_colleague_is_consulted_then_takes_the_caller_with_the_note(
    app, client, observer, twilio_api
):
    telephony = twilio_api.telephony
    caller, call_id, first, first_id, leg, colleague, colleague_id, answer = a_consult(
        app, client, observer, telephony
    )
    assert answer.status_code == 200, answer.data
    status = answer.get_json()
    assert status["state"] == "on_call" and status["call"]["consult"]["party"]
    # Twilio was asked to move the agent's leg into the consult room and to call the colleague.
    assert telephony.calls[leg].redirect_url == f"{PUBLIC_URL}/twilio/voice/consult-room/{call_id}"
    (consulted,) = placed(telephony)
    colleague_name = observer.get(Agent, colleague_id).client_name
    assert consulted.citizen == f"client:{colleague_name}"
    assert state_of(observer, colleague_id) == "on_call"  # offered nothing else meanwhile
    asked = colleague.get("/api/v1/agent/status").get_json()["consulted"]
    assert asked["id"] == call_id and asked["note"] == NOTE

    # The move ended the caller's <Dial>: its action puts the caller in the call's room,
    # where they hear the hold message until someone who starts it joins.
    room = leg_ended(caller, call_id, first_id, "completed", "in-progress", "80")
    assert "<Conference" in room and f">hotline-call-{call_id}</Conference>" in room
    assert 'startConferenceOnEnter="false"' in room and 'endConferenceOnExit="true"' in room
    wait_url = re.search(r'waitUrl="([^"]+)"', room).group(1)
    assert "请稍候" in caller.post(wait_url)
    assert caller.call.status == "connected" and state_of(observer, first_id) == "on_call"
    # The agent's leg and the colleague's call meet in the consult room.
    consult_room = caller.post(f"/twilio/voice/consult-room/{call_id}", CallSid=leg)
    assert f">hotline-consult-{call_id}</Conference>" in consult_room
    caller.post(f"/twilio/voice/consult-room/{call_id}", CallSid=consulted.sid)

    done = first.post(f"/api/v1/agent/calls/{call_id}/consult/complete", json={})
    assert done.status_code == 200, done.data
    assert done.get_json()["state"] == "wrap_up"
    assert consulted.redirect_url == f"{PUBLIC_URL}/twilio/voice/room/{call_id}?side=party"
    assert telephony.has_ended(leg)  # the agent's leg was hung up
    joined = caller.post(f"/twilio/voice/room/{call_id}?side=party", CallSid=consulted.sid)
    assert f">hotline-call-{call_id}</Conference>" in joined
    assert 'startConferenceOnEnter="true"' in joined and 'endConferenceOnExit="true"' in joined
    call = caller.call
    assert (call.agent_id, call.transfers, call.held_at) == (colleague_id, 1, None)
    assert call.hold_seconds >= 0 and call.answered_at is not None
    assert state_of(observer, colleague_id) == "on_call"
    mine = colleague.get("/api/v1/agent/status").get_json()
    assert mine["call"]["id"] == call_id and mine["consulted"] is None

    # The colleague hangs up: the conference ends; the caller's <Dial> action, then the
    # consulted call's final status, then the caller's. The call ends once, answered.
    rating = caller.post(f"/twilio/voice/after-dial/{call_id}?room=1", CallStatus="in-progress")
    assert "<Gather" in rating
    caller.post(
        f"/twilio/voice/consult-status/{call_id}", CallSid=consulted.sid, CallStatus="completed"
    )
    caller.post("/twilio/voice/status", CallStatus="completed")
    assert caller.call.status == "completed"
    assert state_of(observer, colleague_id) == "wrap_up"
    assert state_of(observer, first_id) == "wrap_up"


def test_taking_the_caller_back_ends_the_consultation_and_frees_the_colleague(
    app, client, observer, twilio_api
):
    telephony = twilio_api.telephony
    caller, call_id, first, first_id, leg, _, colleague_id, answer = a_consult(
        app, client, observer, telephony
    )
    assert answer.status_code == 200, answer.data
    (consulted,) = placed(telephony)
    leg_ended(caller, call_id, first_id, "completed", "in-progress", "20")
    back = first.post(f"/api/v1/agent/calls/{call_id}/consult/cancel", json={})
    assert back.status_code == 200, back.data
    assert back.get_json()["call"]["consult"] is None
    assert telephony.has_ended(consulted.sid)
    back_in_room = f"{PUBLIC_URL}/twilio/voice/room/{call_id}?side=agent"
    assert telephony.calls[leg].redirect_url == back_in_room
    assert state_of(observer, colleague_id) == "available"
    assert state_of(observer, first_id) == "on_call"
    call = caller.call
    assert call.held_at is None and call.agent_id == first_id and call.transfers == 0
    # The hang-up's final status comes late: it changes nothing.
    caller.post(
        f"/twilio/voice/consult-status/{call_id}", CallSid=consulted.sid, CallStatus="completed"
    )
    assert caller.call.status == "connected" and state_of(observer, colleague_id) == "available"
    # The agent, back in the room with the caller, hangs up: the call ends, answered.
    caller.post(f"/twilio/voice/after-dial/{call_id}?room=1", CallStatus="in-progress")
    caller.post("/twilio/voice/status", CallStatus="completed")
    assert caller.call.status == "completed" and state_of(observer, first_id) == "wrap_up"


@pytest.mark.parametrize("outcome", ["no-answer", "busy", "failed"])
def test_a_colleague_who_does_not_answer_leaves_the_caller_waiting_for_the_agent(
    app, client, observer, twilio_api, outcome
):
    telephony = twilio_api.telephony
    caller, call_id, first, first_id, _, _, colleague_id, _ = a_consult(
        app, client, observer, telephony
    )
    (consulted,) = placed(telephony)
    leg_ended(caller, call_id, first_id, "completed", "in-progress", "20")
    caller.post(
        f"/twilio/voice/consult-status/{call_id}", CallSid=consulted.sid, CallStatus=outcome
    )
    status = first.get("/api/v1/agent/status").get_json()
    assert status["call"]["consult"] is None and status["call"]["held_at"]
    assert state_of(observer, colleague_id) == "available"
    # Nobody to put the caller through to; the agent takes them back.
    refused = first.post(f"/api/v1/agent/calls/{call_id}/consult/complete", json={})
    assert refused.status_code == 409
    assert first.post(f"/api/v1/agent/calls/{call_id}/resume", json={}).status_code == 200


def test_the_caller_hanging_up_while_waiting_ends_the_call_and_frees_the_colleague(
    app, client, observer, twilio_api
):
    telephony = twilio_api.telephony
    caller, call_id, _, first_id, _, _, colleague_id, _ = a_consult(
        app, client, observer, telephony
    )
    leg_ended(caller, call_id, first_id, "completed", "in-progress", "20")
    caller.post(f"/twilio/voice/after-dial/{call_id}?room=1", CallStatus="completed")
    caller.post("/twilio/voice/status", CallStatus="completed")
    call = caller.call
    assert call.status == "completed" and call.consult_agent_id is None
    assert state_of(observer, colleague_id) == "available"
    assert state_of(observer, first_id) == "wrap_up"


def test_an_outside_number_is_consulted_then_the_caller_leaves_the_hotline(
    app, client, observer, twilio_api
):
    telephony = twilio_api.telephony
    caller, call_id, first, first_id, _, _, _, answer = a_consult(
        app, client, observer, telephony, kind="outside"
    )
    assert answer.status_code == 200, answer.data
    (consulted,) = placed(telephony)
    assert consulted.citizen == "+862083334444"
    # The department's desk hears who calls before the agent speaks.
    greeting = caller.post(f"/twilio/voice/consult-room/{call_id}", CallSid=consulted.sid)
    assert "12345" in greeting and "<Conference" in greeting
    leg_ended(caller, call_id, first_id, "completed", "in-progress", "20")
    done = first.post(f"/api/v1/agent/calls/{call_id}/consult/complete", json={})
    assert done.status_code == 200, done.data
    call = caller.call
    assert (call.status, call.transferred_to, call.end_reason) == (
        "completed",
        "+862083334444",
        "transferred out",
    )
    assert state_of(observer, first_id) == "wrap_up"


def test_a_short_number_cannot_be_consulted_and_nothing_changes(app, client, observer, twilio_api):
    caller, call_id, first, first_id = on_a_call(app, client, observer, twilio_api.telephony)
    answered_leg(caller, twilio_api.telephony, call_id, first_id)
    police = observer.scalar(sa.select(TransferTarget).where(TransferTarget.number == "110"))
    updates = twilio_api.requests("calls.update")  # the accept's redirect to the bridge
    answer = first.post(
        f"/api/v1/agent/calls/{call_id}/transfer",
        json={"kind": "outside", "target": str(police.id), "warm": True},
    )
    assert answer.status_code == 422
    call = observer.get(Call, call_id)
    observer.refresh(call)
    assert (call.held_at, call.consult_number, call.in_room) == (None, None, False)
    assert twilio_api.requests("calls.update") == updates


def test_twilio_refusing_to_call_the_colleague_puts_the_agent_back_with_the_caller(
    app, client, observer, twilio_api
):
    telephony = twilio_api.telephony
    caller, call_id, first, first_id = on_a_call(app, client, observer, telephony)
    leg = answered_leg(caller, telephony, call_id, first_id)
    _, colleague_id = seat(app, observer, {"general": 1})
    telephony.refuse_next("calls.create", 429, 20429, "Too many requests")
    answer = first.post(
        f"/api/v1/agent/calls/{call_id}/transfer",
        json={"kind": "agent", "target": str(colleague_id), "warm": True},
    )
    assert answer.status_code == 502
    assert state_of(observer, colleague_id) == "available"
    # The agent's leg, moved already, goes to the caller's room; the caller joins it there.
    back_in_room = f"{PUBLIC_URL}/twilio/voice/room/{call_id}?side=agent"
    assert telephony.calls[leg].redirect_url == back_in_room
    room = leg_ended(caller, call_id, first_id, "completed", "in-progress", "20")
    assert f">hotline-call-{call_id}</Conference>" in room
    call = caller.call
    assert call.status == "connected" and call.held_at is None and call.consult_agent_id is None


def test_without_a_known_leg_or_with_a_busy_colleague_the_consult_is_refused(
    app, client, observer, twilio_api
):
    telephony = twilio_api.telephony
    caller, call_id, first, first_id = on_a_call(app, client, observer, telephony)
    colleague, colleague_id = seat(app, observer, {"general": 1})
    body = {"kind": "agent", "target": str(colleague_id), "warm": True}
    assert first.post(f"/api/v1/agent/calls/{call_id}/transfer", json=body).status_code == 409
    answered_leg(caller, telephony, call_id, first_id)
    colleague.post("/api/v1/agent/state", json={"state": "break"})
    refused = first.post(f"/api/v1/agent/calls/{call_id}/transfer", json=body)
    assert refused.status_code == 409
    assert caller.call.held_at is None and twilio_api.requests("calls.create") == 0


def test_the_agent_hanging_up_during_the_consultation_puts_the_caller_back_in_the_queue(
    app, client, observer, twilio_api
):
    telephony = twilio_api.telephony
    caller, call_id, _, first_id, leg, _, colleague_id, answer = a_consult(
        app, client, observer, telephony
    )
    assert answer.status_code == 200, answer.data
    (consulted,) = placed(telephony)
    leg_ended(caller, call_id, first_id, "completed", "in-progress", "20")
    telephony.calls[caller.call_sid].state = "bridged"  # in the room, live
    # The agent's browser closes: their leg leaves the consult room, hung up.
    caller.post(f"/twilio/voice/leg-left/{call_id}", CallSid=leg, CallStatus="completed")
    assert telephony.has_ended(consulted.sid)
    assert telephony.calls[caller.call_sid].redirect_url == (
        f"{PUBLIC_URL}/twilio/voice/transfer/{call_id}"
    )
    call = caller.call
    assert (call.status, call.agent_id, call.in_room) == ("queued", None, False)
    assert first_id in call.declined_agent_ids and call.answered_at is not None
    assert state_of(observer, first_id) == "wrap_up"
    # The colleague is free again; the caller waits in their queue (12333's), at its head.
    assert state_of(observer, colleague_id) == "available" and call.skill_code == "social_security"
    twiml = caller.post(f"/twilio/voice/transfer/{call_id}")
    assert "<Enqueue" in twiml
