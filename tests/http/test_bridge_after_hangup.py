"""A caller who hangs up while their call is being bridged to an agent is abandoned, once.

Twilio refuses to redirect a call that has ended; the hotline then puts the call back in the
queue. If the caller's end was recorded in the meantime, the call must not come back as a
ghost that every agent is offered in turn (found by the traffic simulator).
"""

import pytest

from hotline.infra import context, database
from hotline.infra.gateway import GatewayError
from routing import services as routing
from tests.factories import make_agent
from tests.http.test_agent_api import api_login, set_state
from tests.voice_flow import Caller


@pytest.mark.parametrize("first", ["queue-result", "status"])
def test_a_hangup_during_the_bridge_abandons_the_call(client, observer, app, first):
    user, _ = make_agent(observer, skills={"social_security": 2})
    observer.commit()
    api_login(client, user)
    set_state(client, "available")
    caller = Caller(client, observer)
    caller.dial(to="12333")
    offered = client.get("/api/v1/agent/status").get_json()["reservation"]

    def caller_gone(call_sid, url):
        # The caller's end reaches the hotline while Twilio is being asked to bridge them.
        with app.app_context(), database.new_session() as session:
            if first == "queue-result":
                routing.record_queue_result(session, call_sid, "hangup", 3)
            else:
                routing.record_call_status(session, call_sid, "completed")
        raise GatewayError(f"Twilio could not redirect call {call_sid}: not in-progress")

    context.gateway(app).redirect_call = caller_gone
    accepted = client.post(f"/api/v1/agent/reservations/{offered['id']}/accept", json={})
    assert accepted.status_code == 502

    call = caller.call
    assert (call.status, call.answered_at, call.agent_id) == ("abandoned", None, None)
    assert call.ended_at is not None
    status = client.get("/api/v1/agent/status").get_json()
    assert status["state"] == "available"
    assert status["reservation"] is None
    # The rest of Twilio's callbacks change nothing.
    caller.post("/twilio/voice/queue-result", QueueResult="hangup", QueueTime="3")
    caller.post("/twilio/voice/status", CallStatus="completed")
    assert caller.call.status == "abandoned"
