"""The Twilio gateway builds the right REST requests (Twilio's HTTP layer is the fake)."""

from datetime import UTC, datetime

import pytest
from twilio.http import HttpClient
from twilio.http.response import Response

from hotline.infra.gateway import GatewayError, LocalGateway, TwilioGateway
from routing.errors import InvalidNumber

SID = "AC" + "a" * 32
MAIN = "+862012345678"


class RecordingHttpClient(HttpClient):
    """Stands in for the network: records each request, answers with a canned response."""

    def __init__(self, status: int, body: str):
        super().__init__(logger=None, is_async=False)
        self.status, self.body, self.requests = status, body, []

    def request(
        self,
        method,
        uri,
        params=None,
        data=None,
        headers=None,
        auth=None,
        timeout=None,
        allow_redirects=False,
    ):
        self.requests.append({"method": method, "uri": uri, "data": data, "auth": auth})
        return Response(self.status, self.body)


def test_redirecting_a_call_posts_the_new_url_to_the_call_resource():
    http = RecordingHttpClient(200, '{"sid": "CA1", "status": "in-progress"}')
    gateway = TwilioGateway(SID, "b" * 32, MAIN, http_client=http)
    gateway.redirect_call("CA" + "1" * 32, "https://h.example/twilio/voice/bridge/7")
    (request,) = http.requests
    assert request["method"] == "POST"
    assert request["uri"].endswith(f"/Accounts/{SID}/Calls/CA{'1' * 32}.json")
    assert request["data"]["Url"] == "https://h.example/twilio/voice/bridge/7"
    assert request["auth"] == (SID, "b" * 32)


def test_sending_a_text_returns_the_message_sid():
    http = RecordingHttpClient(201, '{"sid": "SM123", "status": "queued"}')
    gateway = TwilioGateway(SID, "b" * 32, MAIN, http_client=http)
    assert gateway.send_sms("13800138000", "您好") == "SM123"
    data = http.requests[0]["data"]
    assert (data["To"], data["From"], data["Body"]) == ("+8613800138000", MAIN, "您好")


def test_a_callback_is_placed_to_and_from_e164_numbers():
    http = RecordingHttpClient(201, '{"sid": "CA123", "status": "queued"}')
    gateway = TwilioGateway(SID, "b" * 32, MAIN, http_client=http)
    assert gateway.place_call("139-0000-1005", "https://h.example/bridge/1") == "CA123"
    data = http.requests[0]["data"]
    assert (data["To"], data["From"]) == ("+8613900001005", MAIN)


@pytest.mark.parametrize("number", ["12345", "110", "sip:alice@example.com"])
def test_a_number_that_cannot_be_e164_never_reaches_twilio(number):
    http = RecordingHttpClient(201, '{"sid": "SM123", "status": "queued"}')
    gateway = TwilioGateway(SID, "b" * 32, MAIN, http_client=http)
    with pytest.raises(InvalidNumber, match=r"E\.164"):
        gateway.send_sms(number, "您好")
    if not number.startswith("sip:"):  # a call may ring an agent's SIP phone
        with pytest.raises(InvalidNumber, match=r"E\.164"):
            gateway.place_call(number, "https://h.example/bridge/1")
    assert gateway.find_sms(number, "您好", datetime(2024, 1, 1, tzinfo=UTC)) is None
    assert http.requests == []


def test_a_refusal_from_twilio_becomes_a_gateway_error():
    http = RecordingHttpClient(400, '{"code": 21211, "message": "Invalid To number"}')
    gateway = TwilioGateway(SID, "b" * 32, MAIN, http_client=http)
    with pytest.raises(GatewayError, match="refused"):
        gateway.send_sms("13800138000", "x")


def test_the_local_gateway_keeps_every_request_in_order(tmp_path):
    gateway = LocalGateway(tmp_path / "outbox.jsonl", MAIN)
    sid = gateway.send_sms("13800138000", "第一条")
    gateway.redirect_call("CA1", "https://h.example/bridge")
    sent = gateway.sent()
    assert [r["kind"] for r in sent] == ["sms", "redirect"]
    assert sent[0]["sid"] == sid and sent[0]["body"] == "第一条"


def test_the_local_gateway_records_what_twilio_would_be_given(tmp_path):
    gateway = LocalGateway(tmp_path / "outbox.jsonl", MAIN)
    sid = gateway.send_sms("0086 138-0013-8000", "您好")
    gateway.place_call("13900001005", "https://h.example/bridge/1")
    text, call = gateway.sent()
    assert (text["to"], text["from"], call["to"], call["from"]) == (
        "+8613800138000",
        MAIN,
        "+8613900001005",
        MAIN,
    )
    since = datetime(2024, 1, 1, tzinfo=UTC)
    assert gateway.find_sms("13800138000", "您好", since) == sid
    with pytest.raises(InvalidNumber):
        gateway.send_sms("12345", "您好")
    with pytest.raises(InvalidNumber):
        gateway.place_call("110", "https://h.example/bridge/2")
    assert len(gateway.sent()) == 2
