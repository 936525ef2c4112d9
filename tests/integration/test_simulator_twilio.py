"""The gateway with TWILIO_API_BASE_URL talks to the simulator's stand-in for Twilio's API."""

import socket

import pytest
import requests

from hotline.infra.gateway import GatewayError, TwilioGateway
from hotline.simulator.twilio_api import FakeTwilioApi, Scheduler, Telephony

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


@pytest.mark.parametrize("sender", ["12345", "+862087654321", ""])
@pytest.mark.parametrize("resource", ["Messages", "Calls"])
def test_the_fake_refuses_a_from_that_is_not_the_accounts_number(twilio, resource, sender):
    telephony, base = twilio
    answer = requests.post(
        f"{base}/2010-04-01/Accounts/{SID}/{resource}.json",
        data={"To": "+8613800138000", "From": sender, "Body": "您好", "Url": "https://h/b"},
        auth=(SID, TOKEN),
        timeout=5,
    )
    assert answer.status_code == 400
    body = answer.json()
    assert (body["code"], body["status"]) == (21212, 400)
    assert body["more_info"] == "https://www.twilio.com/docs/errors/21212"
    assert f"'From' number {sender} is not a valid phone number" in body["message"]
    assert telephony.texts == [] and telephony.calls == {}
