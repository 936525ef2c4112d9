"""Every leg of a call has an outcome: the agent's leg of the bridge, a placed callback, and
a call Twilio no longer knows. Whole calls are played as Twilio's signed webhooks."""

import html
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hotline.db import utcnow
from hotline.infra import context, database
from hotline.infra.database import get_session
from hotline.infra.gateway import REFUSALS, GatewayError
from hotline.services.calls import agent_became_free, connect
from hotline.settings import Settings, SettingsError
from routing import services as routing
from routing.metrics import call_totals
from routing.models import Agent, Call, CallEvent
from tests.conftest import PUBLIC_URL, override, signed_post
from tests.factories import make_agent
from tests.http.test_agent_api import api_login, set_state
from tests.voice_flow import Caller

SKILLS = {"social_security": 1}


def ready_agent(app, observer) -> int:
    _, agent = make_agent(observer, skills=SKILLS)
    observer.commit()
    with app.test_request_context():
        session = get_session()
        routing.set_agent_state(session, agent.id, "available")
        session.commit()
    return agent.id


def accept(app, agent_id: int, call_id: int) -> None:
    with app.test_request_context():
        session = get_session()
        connect(session, session.get(Agent, agent_id), call_id)


def free(app, agent_id: int) -> Call | None:
    with app.test_request_context():
        session = get_session()
        routing.set_agent_state(session, agent_id, "available")
        session.commit()
        call = agent_became_free(session, agent_id)
        return call.id if call else None


def agent(observer, agent_id: int) -> Agent:
    observer.expire_all()
    return observer.get(Agent, agent_id)


def totals(app):
    with app.app_context():
        return call_totals(get_session())


@pytest.mark.parametrize("dial_status", ["no-answer", "busy", "failed"])
def test_an_unanswered_agent_leg_puts_the_caller_back_at_the_head_for_the_next_agent(
    app, client, observer, dial_status
):
    first = ready_agent(app, observer)
    caller, later = Caller(client, observer), Caller(client, observer, number="+8613900139000")
    caller.dial(to="12333")
    later.dial(to="12333")
    call = caller.call
    assert call.reserved_agent_id == first
    waited_since, priority = call.enqueued_at, call.priority
    accept(app, first, call.id)
    caller.post("/twilio/voice/queue-result", QueueResult="redirected", QueueTime="12")
    assert "<Client" in caller.post(f"/twilio/voice/bridge/{call.id}")

    again = caller.post(
        f"/twilio/voice/after-dial/{call.id}",
        DialCallStatus=dial_status,
        CallStatus="in-progress",
        DialCallDuration="0",
    )
    assert ">social_security</Enqueue>" in again and "<Hangup" not in again
    call = caller.call
    assert (call.status, call.agent_id, call.answered_at) == ("queued", None, None)
    assert (call.enqueued_at, call.priority) == (waited_since, priority)
    assert call.declined_agent_ids == [first]
    missed = agent(observer, first)
    assert (missed.state, missed.state_reason) == ("break", dial_status)
    assert totals(app).answered == 0

    # The next agent gets this caller, not the one who came after them.
    _, second = make_agent(observer, skills=SKILLS)
    observer.commit()
    assert free(app, second.id) == call.id
    assert later.call.reserved_agent_id is None
    # The first agent, ready again, is never offered it back.
    assert free(app, first) == later.call.id


def test_a_call_is_answered_when_the_agent_leg_connects_and_the_figures_follow(
    app, client, observer
):
    agent_id = ready_agent(app, observer)
    caller = Caller(client, observer)
    caller.dial(to="12333")
    call = caller.call
    accept(app, agent_id, call.id)
    caller.post(f"/twilio/voice/bridge/{call.id}")
    assert caller.call.answered_at is None  # accepted, the agent's phone ringing
    assert totals(app).answered == 0

    before = utcnow()
    rating = caller.post(
        f"/twilio/voice/after-dial/{call.id}",
        DialCallStatus="completed",
        CallStatus="in-progress",
        DialCallDuration="40",
    )
    assert "满意请按1" in rating
    call = caller.call
    assert call.status == "completed"
    talk = (call.ended_at - call.answered_at).total_seconds()
    assert 40 <= talk < 40 + (utcnow() - before).total_seconds() + 1
    figures = totals(app)
    assert (figures.answered, figures.answer_rate) == (1, 1.0)
    assert figures.aht_seconds == pytest.approx(talk, abs=0.1)
    wait = (call.answered_at - call.enqueued_at).total_seconds()
    assert figures.asa_seconds == pytest.approx(wait, abs=0.1)


def test_repeated_and_reordered_agent_leg_callbacks_change_nothing(app, client, observer):
    agent_id = ready_agent(app, observer)
    caller = Caller(client, observer)
    caller.dial(to="12333")
    caller.backdate_queue(60)  # not a short abandon
    call = caller.call
    accept(app, agent_id, call.id)
    caller.post(f"/twilio/voice/bridge/{call.id}")
    missed = {"DialCallStatus": "no-answer", "CallStatus": "in-progress"}
    caller.post(f"/twilio/voice/after-dial/{call.id}", **missed)
    after_first = (caller.call.status, caller.call.declined_agent_ids)
    assert ">social_security</Enqueue>" in caller.post(
        f"/twilio/voice/after-dial/{call.id}", **missed
    )
    assert (caller.call.status, caller.call.declined_agent_ids) == after_first
    # A late "completed" action for the missed leg does not make the call answered.
    caller.post(f"/twilio/voice/after-dial/{call.id}", DialCallStatus="completed")
    assert caller.call.answered_at is None

    # The caller hangs up while the next agent's phone rings; the status comes first.
    second = ready_agent(app, observer)
    assert free(app, second) == call.id
    accept(app, second, call.id)
    caller.post("/twilio/voice/status", CallStatus="completed")
    caller.post(
        f"/twilio/voice/after-dial/{call.id}", DialCallStatus="no-answer", CallStatus="completed"
    )
    call = caller.call
    assert (call.status, call.answered_at) == ("abandoned", None)
    assert agent(observer, second).state == "available"  # the caller left; not their miss
    figures = totals(app)
    assert (figures.answered, figures.abandoned) == (0, 1)


def dial_action(bridge: str) -> str:
    """The <Dial> action URL the bridge TwiML names, as Twilio will request it."""
    match = re.search(r'<Dial action="([^"]+)"', bridge)
    assert match, bridge
    return html.unescape(match.group(1))


def test_a_late_action_of_an_earlier_leg_is_not_taken_for_the_current_one(app, client, observer):
    first = ready_agent(app, observer)
    caller = Caller(client, observer)
    caller.dial(to="12333")
    caller.backdate_queue(60)
    call = caller.call
    accept(app, first, call.id)
    first_leg = dial_action(caller.post(f"/twilio/voice/bridge/{call.id}"))
    assert first_leg == f"/twilio/voice/after-dial/{call.id}?agent={first}"
    caller.post(first_leg, DialCallStatus="no-answer", CallStatus="in-progress")
    second = ready_agent(app, observer)
    assert free(app, second) == call.id
    accept(app, second, call.id)
    second_leg = dial_action(caller.post(f"/twilio/voice/bridge/{call.id}"))
    assert second_leg.endswith(f"?agent={second}")

    # The first leg's action again, and one saying it connected: neither is the second's.
    for status in ("no-answer", "completed"):
        caller.post(first_leg, DialCallStatus=status, CallStatus="in-progress")
        call = caller.call
        assert (call.status, call.agent_id, call.answered_at) == ("connected", second, None)
        assert agent(observer, second).state == "on_call"
    caller.post(second_leg, DialCallStatus="completed", CallStatus="in-progress",
                DialCallDuration="30")  # fmt: skip
    call = caller.call
    assert (call.status, call.agent_id) == ("completed", second)
    assert call.answered_at is not None
    assert totals(app).answered == 1


def accepted_call(app, client, observer, waited: int | None = None) -> tuple[int, Caller]:
    """A caller queued on the 12333 line (``waited`` seconds ago, when given) whose call a
    ready agent has accepted: (the agent's id, the caller)."""
    agent_id = ready_agent(app, observer)
    caller = Caller(client, observer)
    caller.dial(to="12333")
    if waited is not None:
        caller.backdate_queue(waited)
    accept(app, agent_id, caller.call.id)
    return agent_id, caller


def test_a_malformed_leg_in_the_action_url_is_refused(app, client, observer):
    _, caller = accepted_call(app, client, observer)
    path = f"/twilio/voice/after-dial/{caller.call.id}?agent=1x"
    params = {"CallSid": caller.call_sid, "DialCallStatus": "completed"}
    assert signed_post(client, path, params).status_code == 400
    assert caller.call.answered_at is None


@pytest.mark.parametrize("status_first", [True, False])
def test_a_caller_who_hangs_up_before_the_agent_leg_connects_abandoned_the_call(
    app, client, observer, status_first
):
    agent_id, caller = accepted_call(app, client, observer, waited=60)  # not a short abandon
    leg = dial_action(caller.post(f"/twilio/voice/bridge/{caller.call.id}"))
    posts = [
        lambda: caller.post("/twilio/voice/status", CallStatus="completed"),
        lambda: caller.post(leg, DialCallStatus="canceled", CallStatus="completed"),
    ]
    for post in posts if status_first else reversed(posts):
        post()
    call = caller.call
    assert (call.status, call.answered_at) == ("abandoned", None)
    assert call.ended_at is not None
    assert agent(observer, agent_id).state == "available"
    figures = totals(app)
    assert (figures.offered, figures.answered, figures.abandoned) == (1, 0, 1)


def test_a_caller_gone_before_the_bridge_ever_dialled_abandoned_the_call(app, client, observer):
    _, caller = accepted_call(app, client, observer, waited=60)
    caller.post("/twilio/voice/status", CallStatus="completed")  # no <Dial> will follow
    call = caller.call
    assert (call.status, call.answered_at) == ("abandoned", None)
    assert (totals(app).answered, totals(app).abandoned) == (0, 1)


def test_the_callers_end_reported_before_the_answered_leg_is_an_answered_call(
    app, client, observer
):
    agent_id, caller = accepted_call(app, client, observer)
    leg = dial_action(caller.post(f"/twilio/voice/bridge/{caller.call.id}"))
    caller.post("/twilio/voice/status", CallStatus="completed")
    caller.post(leg, DialCallStatus="completed", CallStatus="completed", DialCallDuration="25")
    call = caller.call
    assert call.status == "completed" and call.answered_at is not None
    assert agent(observer, agent_id).state == "wrap_up"
    figures = totals(app)
    assert (figures.answered, figures.abandoned) == (1, 0)


def book_callback(client, observer) -> Call:
    caller = Caller(client, observer)
    caller.dial(to="12333")
    caller.backdate_queue(90)
    caller.wait()
    caller.post("/twilio/voice/wait-choice", Digits="2")
    caller.post("/twilio/voice/queue-result", QueueResult="leave", QueueTime="95")
    caller.post("/twilio/voice/status", CallStatus="completed")
    return observer.scalar(sa.select(Call).where(Call.kind == "callback"))


def callback_status(client, placed: dict, status: str) -> None:
    path = placed["status_callback"].removeprefix(PUBLIC_URL)
    params = {"CallSid": placed["sid"], "CallStatus": status, "To": placed["to"]}
    assert signed_post(client, path, params).status_code == 200


def test_an_unanswered_callback_is_tried_again_then_closed_unreached(
    app, client, observer, gateway
):
    override(app, callback_attempts=2, callback_retry_minutes=10)
    task = book_callback(client, observer)
    agent_id = ready_agent(app, observer)
    assert free(app, agent_id) == task.id
    accept(app, agent_id, task.id)
    (first,) = [r for r in gateway.sent() if r["kind"] == "call"]
    assert (
        first["status_callback"] == f"{PUBLIC_URL}/twilio/voice/callback-status/{task.id}?attempt=1"
    )

    callback_status(client, first, "no-answer")
    observer.expire_all()
    task = observer.get(Call, task.id)
    assert (task.status, task.agent_id, task.answered_at) == ("scheduled", None, None)
    assert task.retry_at - utcnow() > timedelta(minutes=9)
    assert agent(observer, agent_id).state == "available"  # freed for other work
    assert free(app, agent_id) is None  # not offered before its retry time

    with app.app_context():
        session = get_session()
        routing.tick(session, context.router_settings(), task.retry_at + timedelta(seconds=1))
        session.commit()
    observer.expire_all()
    assert observer.get(Call, task.id).reserved_agent_id == agent_id
    accept(app, agent_id, task.id)
    second = [r for r in gateway.sent() if r["kind"] == "call"][-1]
    assert second["status_callback"].endswith(f"/callback-status/{task.id}?attempt=2")
    callback_status(client, first, "failed")  # late, of the first attempt: no change
    observer.expire_all()
    assert observer.get(Call, task.id).status == "connected"
    callback_status(client, second, "busy")
    callback_status(client, second, "busy")  # repeated

    observer.expire_all()
    task = observer.get(Call, task.id)
    assert (task.status, task.end_reason, task.attempts) == ("unreached", "busy", 2)
    assert task.ended_at is not None
    assert agent(observer, agent_id).state == "available"
    figures = totals(app)
    assert (figures.callbacks_requested, figures.callbacks_unreached) == (1, 1)
    assert figures.answered == 0


@pytest.mark.parametrize(
    ("code", "status", "caller_end_first"),
    [
        (20404, "abandoned", False),
        (20404, "abandoned", True),
        (21220, "abandoned", False),
        (20429, "queued", False),
    ],
)
def test_a_call_twilio_no_longer_knows_is_ended_not_queued_again(
    app, client, observer, code, status, caller_end_first
):
    user, agent_row = make_agent(observer, skills=SKILLS)
    observer.commit()
    api_login(client, user)
    set_state(client, "available")
    caller = Caller(client, observer)
    caller.dial(to="12333")
    offered = client.get("/api/v1/agent/status").get_json()["reservation"]

    def refused(call_sid, url):
        if caller_end_first:  # the caller's end reaches the hotline while Twilio is asked
            with app.app_context(), database.new_session() as session:
                routing.record_call_status(session, call_sid, "completed")
                session.commit()
        raise GatewayError(f"Twilio could not redirect call {call_sid}", code)

    context.gateway(app).redirect_call = refused
    accepted = client.post(f"/api/v1/agent/reservations/{offered['id']}/accept", json={})
    assert accepted.status_code == (409 if status == "abandoned" else 502)
    call = caller.call
    assert (call.status, call.agent_id, call.answered_at) == (status, None, None)
    if status == "abandoned":
        assert call.end_reason == f"twilio {code}" and call.ended_at is not None
        # Not offered again, to this agent or any other.
        assert client.get("/api/v1/agent/status").get_json()["reservation"] is None
        assert (
            observer.scalar(sa.select(sa.func.count(Call.id)).where(Call.status == "queued")) == 0
        )
    assert agent(observer, agent_row.id).state == "available"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HOTLINE_CALLBACK_ATTEMPTS", "0"),
        ("HOTLINE_CALLBACK_ATTEMPTS", "three"),
        ("HOTLINE_CALLBACK_RETRY_MINUTES", "-5"),
        ("HOTLINE_CALLBACK_RETRY_MINUTES", "2000"),
        ("HOTLINE_CALLBACK_RETRY_MINUTES", "0.05"),
        ("HOTLINE_CALLBACK_RETRY_MINUTES", "1e1"),
        ("HOTLINE_CALLBACK_RETRY_MINUTES", "0.5.1"),
    ],
)
def test_callback_retry_settings_are_parsed_strictly(tmp_path, name, value):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({"HOTLINE_INSTANCE_PATH": str(tmp_path), name: value})
    settings = Settings.from_env({"HOTLINE_INSTANCE_PATH": str(tmp_path)})
    assert (settings.callback_attempts, settings.callback_retry_minutes) == (3, 10)


def test_the_retry_time_may_be_a_fraction_of_a_minute(tmp_path):
    env = {"HOTLINE_INSTANCE_PATH": str(tmp_path), "HOTLINE_CALLBACK_RETRY_MINUTES": "0.25"}
    assert Settings.from_env(env).callback_retry_minutes == 0.25


# -- Twilio's refusals of a callback, through the simulator's stand-in for its REST API ---

CALLBACK_REFUSALS = {
    # Twilio's code: a sentence it answers with (the fake's own answer for 21210)
    21210: None,
    21211: "The 'To' number +8613800138000 is not a valid phone number.",
    21215: "Account not authorized to call +8613800138000. Perhaps you need to enable some "
    "international permissions: https://www.twilio.com/console/voice/calls/geo-permissions",
    21216: "Call blocked by Twilio",
    21217: "Phone number does not appear to be valid",
}


def given_up(observer, task_id: int) -> list[CallEvent]:
    return observer.scalars(
        sa.select(CallEvent).where(CallEvent.call_id == task_id, CallEvent.kind == "given_up")
    ).all()


@pytest.mark.parametrize("code", CALLBACK_REFUSALS)
def test_a_callback_twilio_refuses_for_good_is_placed_once_and_closed_saying_why(
    app, client, observer, twilio_api, code
):
    if code == 21210:  # placed from a number the account does not own
        context.provide(app, context.GATEWAY, twilio_api.gateway("+862087654321"))
    else:
        twilio_api.telephony.refuse_next("calls.create", 400, code, CALLBACK_REFUSALS[code])
    task = book_callback(client, observer)
    agent_id = ready_agent(app, observer)
    assert free(app, agent_id) == task.id

    with pytest.raises(GatewayError):
        accept(app, agent_id, task.id)

    assert twilio_api.requests("calls.create") == 1
    observer.expire_all()
    task = observer.get(Call, task.id)
    assert (task.status, task.agent_id, task.end_reason) == ("failed", None, f"twilio {code}")
    assert task.ended_at is not None and task.answered_at is None
    (event,) = given_up(observer, task.id)
    assert event.payload["reason"] == f"Twilio {code}: {REFUSALS[code].en}"
    assert agent(observer, agent_id).state == "available"  # freed for other work
    # Never offered again, to this agent or after any retry time.
    assert free(app, agent_id) is None
    with app.app_context():
        session = get_session()
        routing.tick(session, context.router_settings(), utcnow() + timedelta(days=1))
        session.commit()
    assert free(app, agent_id) is None
    assert twilio_api.requests("calls.create") == 1
    assert twilio_api.telephony.calls == {}


@pytest.mark.parametrize(
    ("status", "code"), [(429, 20429), (500, 20500), (503, 20503)], ids=["429", "500", "503"]
)
def test_a_callback_twilio_refuses_for_now_is_offered_again_and_placed(
    app, client, observer, twilio_api, status, code
):
    twilio_api.telephony.refuse_next("calls.create", status, code, "Try again later")
    task = book_callback(client, observer)
    agent_id = ready_agent(app, observer)
    assert free(app, agent_id) == task.id

    with pytest.raises(GatewayError) as refused:
        accept(app, agent_id, task.id)
    assert refused.value.code == code
    observer.expire_all()
    waiting = observer.get(Call, task.id)
    assert (waiting.status, waiting.agent_id, waiting.end_reason) == ("queued", None, None)
    assert given_up(observer, task.id) == []
    assert agent(observer, agent_id).state == "available"

    assert free(app, agent_id) == task.id  # offered again
    accept(app, agent_id, task.id)
    assert twilio_api.requests("calls.create") == 2
    observer.expire_all()
    placed = observer.get(Call, task.id)
    assert placed.status == "connected" and placed.call_sid in twilio_api.telephony.calls
