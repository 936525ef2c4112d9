"""Retries, duplicates and out-of-order webhooks leave the state a clean delivery leaves.

Whole calls and a text conversation are played twice: once cleanly, in order, and once as
Twilio may deliver them — any request sent again (a retry carries the same
I-Twilio-Idempotency-Token), status callbacks and action callbacks late and in any order
among themselves. A call's TwiML fetches stay in order: the call waits for each answer. The
calls, call events, work orders, messages and agents' states must come out the same.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from hotline.infra import context
from hotline.infra.database import get_session
from hotline.services.calls import connect
from routing import services as routing
from routing.messaging import Conversation, Message
from routing.models import Agent, Call, CallEvent
from tests.conftest import PUBLIC_URL, empty_transactional_tables, override, sign
from tests.factories import make_agent
from workorders.models import WorkOrder, WorkOrderEvent

# HOTLINE_TEST_FUZZ_SCALE=10 runs ten times as many, at random rather than the same each time.
SCALE = int(os.environ.get("HOTLINE_TEST_FUZZ_SCALE", "1"))
DELIVERIES = settings(
    max_examples=9 * SCALE,
    deadline=None,
    database=None,
    derandomize=SCALE == 1,
    suppress_health_check=list(HealthCheck),
    # A failure shows the whole delivery order; shrinking it would replay whole calls.
    phases=[Phase.explicit, Phase.generate],
)
CALLER = "+8613800138000"
CALL_COLUMNS = (
    "kind", "from_number", "to_number", "entry", "legacy_line_number", "category_hint_code",
    "language", "skill_code", "status", "priority", "menu_attempts", "speech_result",
    "wait_choice", "recording_url", "queue_result", "queue_seconds", "rating", "resolution",
)  # fmt: skip
# Call events keyed by the request's I-Twilio-Idempotency-Token (random in each playing).
TOKEN_KEYED = {"language", "menu"}
RECORDING = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1"


@dataclass
class Run:
    """One playing of a scenario: its call, its texts, and what it sent."""

    app: object
    client: object
    observer: object
    call_sid: str = "CA" + "d" * 32  # the same in every playing, so the states compare
    agent_id: int | None = None
    replies: dict[int, list[str]] = field(default_factory=dict)
    requests: int = 0

    def post(self, path: str, params: dict, token: str) -> None:
        headers = {
            "X-Twilio-Signature": sign(PUBLIC_URL + path, params),
            "I-Twilio-Idempotency-Token": token,
        }
        response = self.client.post(path, data=params, headers=headers)
        self.requests += 1
        assert response.status_code in (200, 204), (path, params, response.data)

    def call_id(self) -> int:
        return self.observer.scalar(sa.select(Call.id).where(Call.call_sid == self.call_sid))


@dataclass(frozen=True)
class Step:
    """A request (or an agent's action): ``fetch`` steps keep their order, an ``async`` step
    (a status or action callback) may come any time after the fetch it follows."""

    name: str
    act: Callable[[Run, str], None]
    kind: str = "fetch"


def voice(path: str, **params) -> Callable[[Run, str], None]:
    def act(run: Run, token: str) -> None:
        run.post(path, {"CallSid": run.call_sid, "From": CALLER, "To": "12345", **params}, token)

    return act


def voice_to_call(template: str, **params) -> Callable[[Run, str], None]:
    def act(run: Run, token: str) -> None:
        voice(template.format(id=run.call_id()), **params)(run, token)

    return act


def dial(to: str) -> Callable[[Run, str], None]:
    def act(run: Run, token: str) -> None:
        run.post("/twilio/voice", {"CallSid": run.call_sid, "From": CALLER, "To": to}, token)

    return act


def agent_accepts(run: Run, token: str) -> None:
    with run.app.test_request_context():
        session = get_session()
        connect(session, session.get(Agent, run.agent_id), run.call_id())


def text(index: int, body: str) -> Callable[[Run, str], None]:
    def act(run: Run, token: str) -> None:
        before = run.observer.scalar(sa.select(sa.func.max(Message.id))) or 0
        params = {"MessageSid": f"SM{index:032x}", "From": CALLER, "To": "12345", "Body": body}
        run.post("/twilio/sms", params, token)
        run.replies.setdefault(
            index,
            list(
                run.observer.scalars(
                    sa.select(Message.sid)
                    .where(Message.direction == "out", Message.id > before)
                    .order_by(Message.id)
                )
            ),
        )

    return act


def delivery(index: int, status: str) -> Callable[[Run, str], None]:
    def act(run: Run, token: str) -> None:
        for part, sid in enumerate(run.replies[index]):
            params = {"MessageSid": sid, "MessageStatus": status}
            run.post("/twilio/sms/status", params, f"{token}-{part}")

    return act


SKILLS = {"housing": 1, "social_security": 1, "general": 1}
# Each scenario: whether an agent is ready for the call, then its steps.
SCENARIOS: dict[str, tuple[bool, list[Step]]] = {
    "answered after wrong keys, and rated": (
        True,
        [
            Step("dial 12345", dial("12345")),
            Step("a wrong language key", voice("/twilio/voice/language", Digits="9")),
            Step("Mandarin", voice("/twilio/voice/language", Digits="1")),
            Step("a wrong topic key", voice("/twilio/voice/menu", Digits="*")),
            Step("housing", voice("/twilio/voice/menu", Digits="2")),
            Step("the agent accepts", agent_accepts, "console"),
            Step(
                "redirected out of the queue",
                voice("/twilio/voice/queue-result", QueueResult="redirected", QueueTime="12"),
                "async",
            ),
            Step("bridged", voice_to_call("/twilio/voice/bridge/{id}")),
            Step(
                "the agent hangs up",
                voice_to_call(
                    "/twilio/voice/after-dial/{id}",
                    DialCallStatus="completed",
                    CallStatus="in-progress",
                ),
            ),
            Step("rated satisfied", voice("/twilio/voice/rating", Digits="1")),
            Step("completed", voice("/twilio/voice/status", CallStatus="completed"), "async"),
        ],
    ),
    "abandoned in the queue": (
        False,
        [
            Step("dial 12345", dial("12345")),
            Step("Mandarin", voice("/twilio/voice/language", Digits="1")),
            Step("by speech", voice("/twilio/voice/menu", SpeechResult="我想问一下养老金")),
            Step("waits", voice("/twilio/voice/wait", QueuePosition="1", QueueTime="5")),
            Step("waits on", voice("/twilio/voice/wait", QueuePosition="1", QueueTime="35")),
            Step(
                "hangs up in the queue",
                voice("/twilio/voice/queue-result", QueueResult="hangup", QueueTime="40"),
                "async",
            ),
            Step("completed", voice("/twilio/voice/status", CallStatus="completed"), "async"),
        ],
    ),
    "a callback booked": (
        False,
        [
            Step("dial 12333", dial("12333")),
            Step("waits", voice("/twilio/voice/wait", QueuePosition="1", QueueTime="65")),
            Step("asks for a callback", voice("/twilio/voice/wait-choice", Digits="2")),
            Step(
                "leaves the queue",
                voice("/twilio/voice/queue-result", QueueResult="leave", QueueTime="70"),
            ),
            Step("completed", voice("/twilio/voice/status", CallStatus="completed"), "async"),
        ],
    ),
    "a message left": (
        False,
        [
            Step("dial 12333", dial("12333")),
            Step("waits", voice("/twilio/voice/wait", QueuePosition="1", QueueTime="65")),
            Step("keeps waiting", voice("/twilio/voice/wait-choice", Digits="1")),
            Step("waits on", voice("/twilio/voice/wait", QueuePosition="1", QueueTime="95")),
            Step("asks to leave a message", voice("/twilio/voice/wait-choice", Digits="3")),
            Step(
                "leaves the queue",
                voice("/twilio/voice/queue-result", QueueResult="leave", QueueTime="99"),
            ),
            Step(
                "the recording",
                voice("/twilio/voice/recorded", RecordingUrl=RECORDING, RecordingDuration="20"),
                "async",
            ),
            Step("completed", voice("/twilio/voice/status", CallStatus="completed"), "async"),
        ],
    ),
    "a legacy line, answered": (
        True,
        [
            Step("dial 12333", dial("12333")),
            Step("the agent accepts", agent_accepts, "console"),
            Step(
                "redirected out of the queue",
                voice("/twilio/voice/queue-result", QueueResult="redirected", QueueTime="3"),
                "async",
            ),
            Step("bridged", voice_to_call("/twilio/voice/bridge/{id}")),
            Step(
                "both hang up",
                voice_to_call(
                    "/twilio/voice/after-dial/{id}",
                    DialCallStatus="completed",
                    CallStatus="completed",
                ),
                "async",
            ),
            Step("completed", voice("/twilio/voice/status", CallStatus="completed"), "async"),
        ],
    ),
    "the agent does not answer, the caller hangs up in the queue again": (
        True,
        [
            Step("dial 12333", dial("12333")),
            Step("the agent accepts", agent_accepts, "console"),
            Step(
                "redirected out of the queue",
                voice("/twilio/voice/queue-result", QueueResult="redirected", QueueTime="3"),
                "async",
            ),
            Step("bridged", voice_to_call("/twilio/voice/bridge/{id}")),
            Step(
                "the agent's phone rings out",
                voice_to_call(
                    "/twilio/voice/after-dial/{id}",
                    DialCallStatus="no-answer",
                    CallStatus="in-progress",
                ),
            ),
            Step(
                "hangs up in the queue",
                voice("/twilio/voice/queue-result", QueueResult="hangup", QueueTime="40"),
                "async",
            ),
            Step("completed", voice("/twilio/voice/status", CallStatus="completed"), "async"),
        ],
    ),
    "the queue fails": (
        False,
        [
            Step("dial 12333", dial("12333")),
            Step(
                "the queue fails",
                voice("/twilio/voice/queue-result", QueueResult="system-error", QueueTime="0"),
                "async",
            ),
            Step("completed", voice("/twilio/voice/status", CallStatus="completed"), "async"),
        ],
    ),
    "a text conversation": (
        False,
        [
            Step("a problem", text(1, "我们小区门口的井盖不见了，晚上很危险")),
            Step("sending", delivery(1, "sending"), "async"),
            Step("sent", delivery(1, "sent"), "async"),
            Step("delivered", delivery(1, "delivered"), "async"),
            Step("asks for an agent", text(2, "人工")),
            Step("sent", delivery(2, "sent"), "async"),
            Step("delivered", delivery(2, "delivered"), "async"),
            Step("stops", text(3, "退订")),
            Step("undelivered", delivery(3, "undelivered"), "async"),
        ],
    ),
}


def in_order(steps: list[Step]) -> list[tuple[Step, str]]:
    return [(step, uuid.uuid4().hex) for step in steps]


@st.composite
def as_delivered(draw, steps: list[Step]) -> list[tuple[Step, str]]:
    """The steps as Twilio may deliver them: fetches in order (a fetch retried at once, with
    its token), each callback at or after its place, perhaps again later, in any order."""
    chain = [[] for _ in steps]  # what is delivered right after each step's slot
    last = len(steps) - 1
    for index, step in enumerate(steps):
        token = uuid.uuid4().hex
        if step.kind == "async":
            slot = draw(st.integers(index, last))
            chain[slot].append((step, token))
            if draw(st.booleans()):
                chain[draw(st.integers(slot, last))].append((step, token))
        else:
            chain[index].insert(0, (step, token))
            if step.kind == "fetch" and draw(st.booleans()):
                chain[index].insert(1, (step, token))
    delivered = []
    for items in chain:
        fixed = [item for item in items if item[0].kind != "async"]
        floating = [item for item in items if item[0].kind == "async"]
        delivered += fixed + draw(st.permutations(floating))
    return delivered


def play(app, client, observer, scenario: str, deliveries: list[tuple[Step, str]]) -> Run:
    engine = context.engine(app)
    empty_transactional_tables(engine)
    context.gateway(app).path.unlink(missing_ok=True)
    observer.expunge_all()
    run = Run(app, client, observer)
    agent_ready, _ = SCENARIOS[scenario]
    _, agent = make_agent(observer, skills=SKILLS)
    run.agent_id = agent.id
    observer.commit()
    if agent_ready:
        with app.test_request_context():
            session = get_session()
            routing.set_agent_state(session, run.agent_id, "available")
            session.commit()
    for step, token in deliveries:
        step.act(run, token)
    return run


def state(observer) -> dict:
    """What a delivery leaves: the meaningful columns, not timestamps, ids or random sids."""
    observer.expire_all()
    calls = observer.scalars(sa.select(Call).order_by(Call.id)).all()
    sid_of = {}
    for c in calls:  # a callback task's sid is random: it is named after its call
        sid_of[c.id] = f"callback of {sid_of[c.parent_call_id]}" if c.parent_call_id else c.call_sid
    orders = observer.scalars(sa.select(WorkOrder).order_by(WorkOrder.id)).all()
    return {
        "calls": [
            {
                "call": sid_of[c.id],
                **{name: getattr(c, name) for name in CALL_COLUMNS},
                "agent": c.agent_id is not None,
                "reserved": c.reserved_agent_id is not None,
                "declined": len(c.declined_agent_ids or []),
                "enqueued": c.enqueued_at is not None,
                "answered": c.answered_at is not None,
                "ended": c.ended_at is not None,
            }
            for c in calls
        ],
        "call_events": sorted(
            (
                sid_of[e.call_id],
                e.kind,
                "a request's token" if e.kind in TOKEN_KEYED else e.key,
                sorted(e.payload.items(), key=str),
            )
            for e in observer.scalars(sa.select(CallEvent))
        ),
        "agents": [
            (a.state, a.state_reason) for a in observer.scalars(sa.select(Agent).order_by(Agent.id))
        ],
        "work_orders": [
            (o.status, o.channel, o.category_code, o.citizen_phone, o.description, o.unit_code)
            for o in orders
        ],
        "work_order_events": [
            (e.action, e.from_status, e.to_status)
            for e in observer.scalars(sa.select(WorkOrderEvent).order_by(WorkOrderEvent.id))
        ],
        "messages": [
            (m.direction, m.body, m.status, m.sid is not None)
            for m in observer.scalars(sa.select(Message).order_by(Message.id))
        ],
        "conversations": [
            (c.phone, c.language, c.script, c.needs_agent, c.opted_out_at is not None)
            for c in observer.scalars(sa.select(Conversation))
        ],
    }


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_duplicates_and_late_callbacks_leave_the_state_of_a_clean_delivery(
    scenario, app, client, observer, backend, record_property
):
    # The choices after a long wait are offered at once, so that the scenarios may take them.
    override(app, callback_offer_seconds=0)
    _, steps = SCENARIOS[scenario]
    play(app, client, observer, scenario, in_order(steps))
    clean = state(observer)
    totals = {"runs": 0, "requests": 0, "duplicates": 0}
    started = time.monotonic()

    @DELIVERIES
    @given(deliveries=as_delivered(steps))
    def deliver(deliveries):
        run = play(app, client, observer, scenario, deliveries)
        totals["runs"] += 1
        totals["requests"] += run.requests
        totals["duplicates"] += len(deliveries) - len({token for _, token in deliveries})
        order = [f"{step.name}{' (again)' if seen else ''}" for (step, _), seen in zip(
            deliveries, _seen_before(deliveries), strict=True)]  # fmt: skip
        assert state(observer) == clean, order

    deliver()
    record_property("requests", totals["requests"])
    record_property("duplicates", totals["duplicates"])
    print(
        f"\n{scenario} on {backend}: {totals['runs']} deliveries, {totals['requests']} "
        f"requests, {totals['duplicates']} duplicates, {time.monotonic() - started:.1f} s"
    )


def _seen_before(deliveries: list[tuple[Step, str]]) -> list[bool]:
    seen, flags = set(), []
    for _, token in deliveries:
        flags.append(token in seen)
        seen.add(token)
    return flags


def test_a_retried_wrong_key_counts_as_one_try(app, client, observer):
    _, steps = SCENARIOS["answered after wrong keys, and rated"]
    wrong = in_order(steps[:4])
    play(app, client, observer, "answered after wrong keys, and rated", [*wrong, wrong[-1]])
    call = observer.scalar(sa.select(Call))
    assert (call.status, call.menu_attempts) == ("ivr", 1)


def test_a_status_callback_before_the_queue_failure_leaves_the_call_failed(app, client, observer):
    dialled, fails, completed = in_order(SCENARIOS["the queue fails"][1])
    play(app, client, observer, "the queue fails", [dialled, completed, fails])
    assert observer.scalar(sa.select(Call.status)) == "failed"
