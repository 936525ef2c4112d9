"""The gateway with TWILIO_API_BASE_URL talks to the simulator's stand-in for Twilio's API."""

import socket
import threading
import time
from datetime import timedelta

import pytest
import requests
import sqlalchemy as sa
from werkzeug.serving import make_server

from hotline.infra.gateway import GatewayError, TwilioGateway
from hotline.simulator.twilio_api import AnswerOutcomes, FakeTwilioApi, Scheduler, Telephony

SID = "AC" + "a" * 32
TOKEN = "b" * 32
MAIN = "+862012345678"


@pytest.fixture
def twilio():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    scheduler = Scheduler(workers=2)
    telephony = Telephony("http://127.0.0.1:1", SID, TOKEN, MAIN, scheduler=scheduler)
    with FakeTwilioApi(telephony, "127.0.0.1", port):
        yield telephony, f"http://127.0.0.1:{port}"
    scheduler.stop()


def test_texts_reach_the_simulator_with_their_status_callback(twilio):
    telephony, base = twilio
    gateway = TwilioGateway(SID, TOKEN, MAIN, base_url=base)
    sid = gateway.send_sms(
        "13800138000", "您好", status_callback="https://h.example/twilio/sms/status"
    )
    (text,) = telephony.texts
    assert (text.sid, text.to, text.body, text.status_callback) == (
        sid,
        "+8613800138000",
        "您好",
        "https://h.example/twilio/sms/status",
    )


def test_a_live_queued_call_is_redirected_and_a_gone_one_refused(twilio):
    telephony, base = twilio
    gateway = TwilioGateway(SID, TOKEN, MAIN, base_url=base)
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
    sid = TwilioGateway(SID, TOKEN, MAIN, base_url=base).place_call("13800138000", "https://h/b")
    assert sid.startswith("CA")
    assert placed == [("+8613800138000", "https://h/b")]
    with pytest.raises(GatewayError):
        TwilioGateway(SID, "c" * 32, MAIN, base_url=base).send_sms("13800138000", "x")


def test_a_body_over_1600_characters_is_refused_as_twilio_refuses_it(twilio):
    telephony, base = twilio
    gateway = TwilioGateway(SID, TOKEN, MAIN, base_url=base)
    gateway.send_sms("13800138000", "路" * 1600)
    gateway.send_sms("13800138000", "🙏" * 800)  # each counts twice
    for body in ("路" * 1601, "🙏" * 801):
        with pytest.raises(GatewayError, match="exceeds the 1600 character limit") as refused:
            gateway.send_sms("13800138000", body)
        assert (refused.value.__cause__.status, refused.value.__cause__.code) == (400, 21617)
    assert len(telephony.texts_to("13800138000")) == 2


def test_a_text_stamped_in_the_second_it_was_queued_is_found_again(twilio):
    """Twilio's date_created has whole seconds; the text was queued within that second."""
    telephony, base = twilio
    gateway = TwilioGateway(SID, TOKEN, MAIN, base_url=base)
    sid = gateway.send_sms("13800138000", "您的工单已受理。")
    (text,) = telephony.texts_to("13800138000")
    assert text.created.microsecond == 0
    queued = text.created + timedelta(milliseconds=500)
    body = "您的工单已受理。"
    assert gateway.find_sms("13800138000", body, queued) == sid
    assert gateway.find_sms("13800138000", body, queued + timedelta(seconds=1)) is None


def test_delivery_reported_before_the_answer_reaches_the_text(twilio, app, session, observer):
    """The fake posts "sent" and "delivered" to the served hotline before it answers."""
    from hotline.infra import context
    from hotline.services import texts
    from routing.messaging import Message
    from tests.conftest import PUBLIC_URL, TWILIO_TOKEN

    telephony, _ = twilio
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        hotline = Telephony(
            f"http://127.0.0.1:{server.server_port}",
            SID,
            TWILIO_TOKEN,
            MAIN,
            public_url=PUBLIC_URL,
            scheduler=telephony.scheduler,
        )
        hotline.early_reports = 1.0
        with FakeTwilioApi(hotline, "127.0.0.1", 0) as api:
            port = api.server.server_address[1]
            gateway = TwilioGateway(SID, TWILIO_TOKEN, MAIN, base_url=f"http://127.0.0.1:{port}")
            context.provide(app, context.GATEWAY, gateway)
            texts.send(session, "13800138000", "您的工单已受理。")
            session.commit()
    finally:
        server.shutdown()
    (text,) = hotline.texts_to("13800138000")
    assert hotline.latencies.by_status == {204: 2}  # both reports were taken
    message = observer.scalar(sa.select(Message).where(Message.direction == "out"))
    assert (message.sid, message.status) == (text.sid, "delivered")


def test_a_call_that_has_ended_is_refused_with_twilio_s_not_found_code(twilio):
    telephony, base = twilio
    gateway = TwilioGateway(SID, TOKEN, MAIN, base_url=base)
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
    gateway = TwilioGateway(SID, TOKEN, MAIN, base_url=base)
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


@pytest.mark.parametrize("resource", ["Messages", "Calls"])
def test_the_fake_refuses_a_national_to_as_twilio_does(twilio, resource):
    telephony, base = twilio
    answer = requests.post(
        f"{base}/2010-04-01/Accounts/{SID}/{resource}.json",
        data={"To": "13800138000", "From": MAIN, "Body": "您好", "Url": "https://h/b"},
        auth=(SID, TOKEN),
        timeout=5,
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "code": 21211,
        "message": "The 'To' number 13800138000 is not a valid phone number.",
        "more_info": "https://www.twilio.com/docs/errors/21211",
        "status": 400,
    }
    assert telephony.texts == [] and telephony.calls == {}


FROM_REFUSALS = [
    # (resource, From, Twilio's code, words of its message)
    ("Messages", "+862087654321", 21606, "not a valid, SMS-capable inbound phone number"),
    ("Messages", "12345", 21606, "not a valid, SMS-capable inbound phone number"),
    ("Messages", "", 21603, "'From' phone number is required"),
    ("Calls", "+862087654321", 21210, "is not yet verified for your account"),
    ("Calls", "12345", 21212, "is not a valid phone number, shortcode, or alphanumeric"),
    ("Calls", "", 21213, "'From' phone number is required"),
]


@pytest.mark.parametrize(("resource", "sender", "code", "words"), FROM_REFUSALS)
def test_the_fake_refuses_a_from_that_is_not_the_accounts_number(
    twilio, resource, sender, code, words
):
    """As Twilio does: Messages takes only the account's own message-capable numbers
    (21606); Calls a valid number (21212) that is the account's or verified (21210)."""
    telephony, base = twilio
    answer = requests.post(
        f"{base}/2010-04-01/Accounts/{SID}/{resource}.json",
        data={"To": "+8613800138000", "From": sender, "Body": "您好", "Url": "https://h/b"},
        auth=(SID, TOKEN),
        timeout=5,
    )
    assert answer.status_code == 400
    body = answer.json()
    assert (body["code"], body["status"]) == (code, 400)
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    assert words in body["message"] and sender in body["message"]
    assert telephony.texts == [] and telephony.calls == {}


def test_the_fake_refuses_texts_to_a_number_that_texted_stop_to_twilio(twilio):
    telephony, base = twilio
    gateway = TwilioGateway(SID, TOKEN, MAIN, base_url=base)
    telephony.unsubscribe("+86 138-0013-8000")  # any form of the number
    with pytest.raises(GatewayError, match="unsubscribed recipient") as refused:
        gateway.send_sms("13800138000", "您好")
    assert (refused.value.code, refused.value.permanent) == (21610, True)
    assert refused.value.recipient_opted_out
    assert telephony.texts == []
    gateway.send_sms("13900139000", "您好")  # another number is texted
    assert gateway.place_call("13800138000", "https://h/b").startswith("CA")  # STOP is for texts
    telephony.resubscribe("13800138000")  # it texted START
    gateway.send_sms("13800138000", "您好")
    assert [t.to for t in telephony.texts] == ["+8613900139000", "+8613800138000"]
    assert telephony.rest_requests["messages.create"] == 3


def test_the_fake_answers_what_a_test_set_for_the_next_requests_then_as_usual(twilio):
    telephony, base = twilio
    gateway = TwilioGateway(SID, TOKEN, MAIN, base_url=base)
    telephony.refuse_next("messages.create", 429, 20429, "Too Many Requests", times=2)
    telephony.refuse_next("calls.create", 400, 21215, "Account not authorized to call")
    for _ in range(2):
        with pytest.raises(GatewayError) as busy:
            gateway.send_sms("13800138000", "您好")
        assert (busy.value.code, busy.value.permanent) == (20429, False)
        assert busy.value.__cause__.status == 429
    with pytest.raises(GatewayError) as refused:
        gateway.place_call("13800138000", "https://h/b")
    assert (refused.value.code, refused.value.permanent) == (21215, True)
    gateway.send_sms("13800138000", "您好")
    gateway.place_call("13800138000", "https://h/b")
    assert dict(telephony.rest_requests) == {"messages.create": 3, "calls.create": 2}
    assert len(telephony.texts) == 1 and len(telephony.calls) == 1
