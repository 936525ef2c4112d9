"""The gateway with TWILIO_API_BASE_URL talks to the simulator's stand-in for Twilio's API."""

import socket
import time

import pytest

from hotline.infra.gateway import GatewayError, TwilioGateway
from hotline.simulator.twilio_api import AnswerOutcomes, FakeTwilioApi, Scheduler, Telephony

SID = "AC" + "a" * 32
TOKEN = "b" * 32


@pytest.fixture
def twilio():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    scheduler = Scheduler(workers=2)
    telephony = Telephony("http://127.0.0.1:1", SID, TOKEN, "12345", scheduler=scheduler)
    with FakeTwilioApi(telephony, "127.0.0.1", port):
        yield telephony, f"http://127.0.0.1:{port}"
    scheduler.stop()


def test_texts_reach_the_simulator_with_their_status_callback(twilio):
    telephony, base = twilio
    gateway = TwilioGateway(SID, TOKEN, "12345", base_url=base)
    sid = gateway.send_sms(
        "13800138000", "您好", status_callback="https://h.example/twilio/sms/status"
    )
    (text,) = telephony.texts_to("+8613800138000")
    assert (text.sid, text.body, text.status_callback) == (
        sid,
        "您好",
        "https://h.example/twilio/sms/status",
    )


def test_a_live_queued_call_is_redirected_and_a_gone_one_refused(twilio):
    telephony, base = twilio
    gateway = TwilioGateway(SID, TOKEN, "12345", base_url=base)
    call = telephony.open_call("+8613800138000")
    with pytest.raises(GatewayError):
        gateway.redirect_call(call.sid, "https://h.example/twilio/voice/bridge/1")  # still in IVR
    call.state = "queued"
    gateway.redirect_call(call.sid, "https://h.example/twilio/voice/bridge/1")
    assert call.redirected.is_set()
    assert call.redirect_url == "https://h.example/twilio/voice/bridge/1"
    with pytest.raises(GatewayError):
        gateway.redirect_call("CA" + "0" * 32, "https://h.example/twilio/voice/bridge/2")


def test_a_callback_is_placed_and_a_wrong_token_refused(twilio):
    telephony, base = twilio
    placed = []
    telephony.on_callback = lambda call, url: placed.append((call.citizen, url))
    sid = TwilioGateway(SID, TOKEN, "12345", base_url=base).place_call("13800138000", "https://h/b")
    assert sid.startswith("CA")
    assert placed == [("13800138000", "https://h/b")]
    with pytest.raises(GatewayError):
        TwilioGateway(SID, "c" * 32, "12345", base_url=base).send_sms("13800138000", "x")


def test_a_call_that_has_ended_is_refused_with_twilio_s_not_found_code(twilio):
    telephony, base = twilio
    gateway = TwilioGateway(SID, TOKEN, "12345", base_url=base)
    call = telephony.open_call("+8613800138000")
    with pytest.raises(GatewayError) as live:
        gateway.redirect_call(call.sid, "https://h.example/twilio/voice/bridge/1")  # in IVR
    assert live.value.code == 20503  # live: a passing refusal, the call is not gone
    call.state = "ended"
    with pytest.raises(GatewayError) as ended:
        gateway.redirect_call(call.sid, "https://h.example/twilio/voice/bridge/1")
    assert ended.value.code == 20404


def test_an_unanswered_callback_reports_its_status_to_the_status_callback(twilio):
    telephony, base = twilio
    posted, placed = [], []
    telephony.post = lambda target, params: posted.append((target, params)) or (200, "")
    telephony.on_callback = lambda call, url: placed.append(url)
    telephony.citizen_answers.script("13800138000", "busy")
    gateway = TwilioGateway(SID, TOKEN, "12345", base_url=base)
    sid = gateway.place_call("13800138000", "https://h/b", "https://h/twilio/voice/cs/1/1")
    deadline = time.monotonic() + 5
    while not posted and time.monotonic() < deadline:
        time.sleep(0.05)
    ((target, params),) = posted
    assert target == "https://h/twilio/voice/cs/1/1"
    assert (params["CallSid"], params["CallStatus"]) == (sid, "busy")
    assert placed == []  # never answered: the TwiML URL is not fetched
    gateway.place_call("13800138000", "https://h/b", "https://h/twilio/voice/cs/1/2")
    assert placed == ["https://h/b"]  # then answered, as by default


def test_agents_answer_by_chance_unless_a_test_says_otherwise():
    outcomes = AnswerOutcomes(no_answer=1.0)
    outcomes.script("agent-1", "busy", "completed")
    assert [outcomes.next("agent-1") for _ in range(3)] == ["busy", "completed", "no-answer"]
    assert AnswerOutcomes().next("agent-2") == "completed"
