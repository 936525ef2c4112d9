"""Every Twilio webhook, fed arbitrary (correctly signed) form parameters.

Missing fields, huge strings, any Unicode, control characters, numbers that are not numbers
(Digits, QueueTime, CallDuration, Confidence…), CallSids and MessageSids nobody knows, and
ids in the path that name no call. Whatever comes: never a 5xx, never a database error
hidden behind the caller's apology, and either TwiML (XML whose root is <Response>) or a
clear 4xx that says what was wrong.
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from xml.etree import ElementTree

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.infra.database import get_session
from hotline.services.calls import connect
from routing import services as routing
from routing.messaging import Message
from routing.models import Agent, Call
from tests.conftest import signed_post
from tests.factories import make_agent
from tests.http.test_sms import text
from tests.voice_flow import Caller

# HOTLINE_TEST_FUZZ_SCALE=10 runs ten times as many, at random rather than the same each time.
SCALE = int(os.environ.get("HOTLINE_TEST_FUZZ_SCALE", "1"))
EXAMPLES = 80 * SCALE
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=SCALE == 1,
    suppress_health_check=list(HealthCheck),
)
CLEAR_REFUSALS = {400, 404, 405, 413}
# A failing example with a 60 000-character field is still worth showing.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning"
)


def shown(params: dict) -> dict:
    return {
        k[:40]: v if len(v) <= 80 else f"{v[:40]!r}… ({len(v)} characters)"
        for k, v in params.items()
    }


# -- what Twilio might send -----------------------------------------------------------------

ODD_NUMBERS = [
    "", " ", "0", "-1", "+1", "1e309", "NaN", "inf", "-0", "0x10", "１２", "٣", "²", "⑦",
    "9" * 30, "9" * 5000, "1.5", "3,0", "true", "null", "[]", "{}", "%00", "\t7\n", "1\x002",
]  # fmt: skip


def _characters():
    # Any Unicode scalar value, controls included; NUL (always a clear 400) only now and then.
    return st.characters(codec="utf-8", exclude_characters="\x00")


def junk():
    return st.one_of(
        st.text(_characters(), max_size=40),
        st.sampled_from(ODD_NUMBERS),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.builds(lambda char, count: char * count, _characters(), st.integers(500, 60_000)),
    )


def number_like():
    return st.one_of(st.integers(min_value=-5, max_value=10**12).map(str), junk())


def one_of_or_junk(*values: str):
    return st.one_of(st.sampled_from(values), junk())


def mostly(values, share: int = 3):
    """One of ``values`` ``share`` times in ``share + 1``, else junk."""
    return st.one_of(*[st.sampled_from(values)] * share, junk())


PHONES = ("+8613800138000", "+8613900139000", "12333", "12345", "+862083175291", "anonymous",
          "client:agent1", "sip:caller@example.com")  # fmt: skip
FIELDS = {
    "From": lambda world: one_of_or_junk(*PHONES),
    "To": lambda world: one_of_or_junk(*PHONES),
    "ForwardedFrom": lambda world: one_of_or_junk(*PHONES),
    "Digits": lambda world: one_of_or_junk("1", "2", "3", "0", "*", "#", "12", "9"),
    "SpeechResult": lambda world: one_of_or_junk("我想问一下住房公积金", "pension", "井盖"),
    "Confidence": lambda world: one_of_or_junk("0.9", "1", "0"),
    "QueueResult": lambda world: one_of_or_junk(
        "bridged", "redirected", "hangup", "leave", "error", "system-error", "queue-full"
    ),
    "QueueTime": lambda world: number_like(),
    "QueuePosition": lambda world: number_like(),
    "CallStatus": lambda world: one_of_or_junk(
        "queued",
        "ringing",
        "in-progress",
        "completed",
        "busy",
        "failed",
        "no-answer",
        "canceled",
    ),
    "CallDuration": lambda world: number_like(),
    "DialCallStatus": lambda world: one_of_or_junk("completed", "busy", "no-answer", "failed"),
    "DialCallDuration": lambda world: number_like(),
    "RecordingUrl": lambda world: mostly(
        ("https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1", "http://x", "https://")
    ),
    "RecordingDuration": lambda world: number_like(),
    "CallSid": lambda world: mostly(world["call_sids"]),
    "MessageSid": lambda world: mostly(world["message_sids"]),
    "Body": lambda world: one_of_or_junk(
        "0", "1", "不满意", "退订", "STOP", "查询 20261127-000001"
    ),
    "MessageStatus": lambda world: one_of_or_junk(
        "queued", "sending", "sent", "delivered", "undelivered", "failed", "SENT"
    ),
    "ErrorCode": lambda world: number_like(),
}
# The fields a request nearly always carries (Twilio sends them every time).
USUAL = {"CallSid", "MessageSid", "From"}
VOICE = ["CallSid", "From", "To", "CallStatus"]
WEBHOOKS = {
    "/twilio/voice": [*VOICE, "ForwardedFrom"],
    "/twilio/voice/language": [*VOICE, "Digits"],
    "/twilio/voice/menu": [*VOICE, "Digits", "SpeechResult", "Confidence"],
    "/twilio/voice/wait": [*VOICE, "QueuePosition", "QueueTime"],
    "/twilio/voice/wait-choice": [*VOICE, "Digits"],
    "/twilio/voice/queue-result": [*VOICE, "QueueResult", "QueueTime"],
    "/twilio/voice/recorded": [*VOICE, "RecordingUrl", "RecordingDuration", "Digits"],
    "/twilio/voice/status": [*VOICE, "CallDuration"],
    "/twilio/voice/bridge/{id}": VOICE,
    "/twilio/voice/after-dial/{id}": [*VOICE, "DialCallStatus", "DialCallDuration"],
    "/twilio/voice/rating": [*VOICE, "Digits"],
    "/twilio/sms": ["MessageSid", "From", "To", "Body"],
    "/twilio/sms/status": ["MessageSid", "MessageStatus", "ErrorCode"],
}
ABSENT = object()


def form(world, names: list[str]):
    def field(name):
        value = FIELDS[name](world)
        return (
            st.one_of(value, value, value, st.just(ABSENT))
            if name in USUAL
            else (st.one_of(value, st.just(ABSENT)))
        )

    known = st.fixed_dictionaries({name: field(name) for name in names})
    extra = st.dictionaries(st.text(_characters(), min_size=1, max_size=20), junk(), max_size=3)
    return st.builds(
        lambda extra, known: {**extra, **{k: v for k, v in known.items() if v is not ABSENT}},
        extra,
        known,
    )


def path_id(world):
    """A call's id, with its CallSid in the form most of the time; or an id of no call."""
    return st.one_of(
        st.sampled_from(world["calls"]).map(lambda call: (*call, True)),
        st.sampled_from(world["calls"]).map(lambda call: (*call, False)),
        st.integers(min_value=-5, max_value=2**31 + 5).map(lambda id_: (id_, None, False)),
        st.integers(min_value=2**31, max_value=10**25).map(lambda id_: (id_, None, False)),
    )


# -- the calls and texts the requests may name -----------------------------------------------


@pytest.fixture
def world(app, client, observer):
    """Calls in every state (in the menu, queued, bridged to an agent, over) and texts."""
    _, agent = make_agent(observer, skills={"social_security": 1, "general": 1})
    agent_id = agent.id
    observer.commit()
    in_menu = Caller(client, observer, number="+8613800138001")
    in_menu.dial()
    queued = Caller(client, observer, number="+8613800138002")
    queued.dial(to="12333")
    over = Caller(client, observer, number="+8613800138003")
    over.dial(to="12333")
    over.hang_up_in_queue()
    with app.test_request_context():
        session = get_session()
        routing.set_agent_state(session, agent_id, "available")
        session.commit()
    bridged = Caller(client, observer, number="+8613800138004")
    bridged.dial(to="12333")
    with app.test_request_context():
        session = get_session()
        call_id = routing.get_call(session, bridged.call_sid).id
        routing.route_call(session, call_id, routing.RouterSettings())
        session.commit()
        connect(session, session.get(Agent, agent_id), call_id)
    text(client, "0")
    text(client, "我们小区门口的井盖不见了")
    calls = observer.execute(sa.select(Call.id, Call.call_sid)).all()
    sids = observer.scalars(sa.select(Message.sid).where(Message.sid.is_not(None))).all()
    return {
        "calls": [tuple(row) for row in calls],
        "call_sids": [row.call_sid for row in calls],
        "message_sids": sids,
    }


def assert_clear_answer(response, path: str, params: dict) -> None:
    params = shown(params)
    status = response.status_code
    assert status < 500, (path, params, status, response.data[:500])
    assert status != 403, ("the signature was refused", path, params)
    if status in (200, 201):
        root = ElementTree.fromstring(response.data)
        assert root.tag == "Response", (path, params, response.data[:500])
    elif status == 204:
        assert response.data == b""
    else:
        assert status in CLEAR_REFUSALS, (path, params, status, response.data[:500])
        assert response.get_json()["error"], (path, params, response.data[:500])


@pytest.mark.parametrize("webhook", list(WEBHOOKS))
def test_a_webhook_answers_any_signed_request_clearly(
    webhook, app, client, world, caplog, backend, record_property
):
    caplog.set_level(logging.ERROR)
    ids = path_id(world) if "{id}" in webhook else st.just((0, None, False))
    statuses, refusals = Counter(), Counter()
    started = time.monotonic()

    @FUZZ
    @given(params=form(world, WEBHOOKS[webhook]), call_id=ids)
    def run(params, call_id):
        caplog.clear()
        call_id, call_sid, matching = call_id
        if matching:
            params["CallSid"] = call_sid
        path = webhook.replace("{id}", str(call_id))
        response = signed_post(client, path, params)
        statuses[response.status_code] += 1
        if SCALE > 1 and response.status_code == 400:
            refusals[response.get_json()["error"][:40]] += 1
        assert_clear_answer(response, path, params)
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert errors == [], (path, shown(params), errors)

    run()
    count = sum(statuses.values())
    record_property("requests", count)
    print(
        f"\n{webhook} on {backend}: {count} signed requests in "
        f"{time.monotonic() - started:.1f} s, {dict(sorted(statuses.items()))}"
    )
    if refusals:
        print(dict(refusals))


# Inputs that once crashed a webhook (or hid a database error behind the apology).
SEEN = "CA" + "5" * 32
REGRESSIONS = {
    "a text longer than a work order's description": (
        "/twilio/sms",
        {"MessageSid": "SM" + "7" * 32, "From": "+8613800138000", "Body": "路灯坏了" * 1500},
        200,
    ),
    "a From longer than a number's column": (
        "/twilio/voice",
        {"CallSid": SEEN, "From": "+" + "1" * 40, "To": "12345", "ForwardedFrom": "0" * 500},
        200,
    ),
    "a text from something that is no phone number": (
        "/twilio/sms",
        {"MessageSid": "SM" + "8" * 32, "From": "+" + "1" * 40, "Body": "你好"},
        400,
    ),
    "a QueueTime of a superscript digit": (
        "/twilio/voice/queue-result",
        {"CallSid": SEEN, "QueueResult": "hangup", "QueueTime": "²"},
        200,
    ),
    "a QueueTime of 5000 digits": (
        "/twilio/voice/queue-result",
        {"CallSid": SEEN, "QueueResult": "hangup", "QueueTime": "9" * 5000},
        200,
    ),
    "a call id beyond the database's integers": (
        f"/twilio/voice/bridge/{2**63}",
        {"CallSid": SEEN},
        404,
    ),
}


@pytest.mark.parametrize("case", list(REGRESSIONS))
def test_inputs_that_once_crashed_a_webhook_are_answered_clearly(case, client, caplog):
    caplog.set_level(logging.ERROR)
    assert (
        signed_post(
            client, "/twilio/voice", {"CallSid": SEEN, "From": "+8613800138000", "To": "12333"}
        ).status_code
        == 200
    )
    path, params, status = REGRESSIONS[case]
    response = signed_post(client, path, params)
    assert response.status_code == status, response.data[:300]
    assert_clear_answer(response, path, params)
    assert [r.getMessage() for r in caplog.records] == []
    if status == 200:
        assert b"Sorry" not in response.data and "抱歉".encode() not in response.data
