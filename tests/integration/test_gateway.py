"""The Twilio gateway builds the right REST requests (Twilio's HTTP layer is the fake)."""

import pytest
from twilio.http import HttpClient
from twilio.http.response import Response

from hotline.infra.gateway import GatewayError, LocalGateway, TwilioGateway

SID = "AC" + "a" * 32


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
    gateway = TwilioGateway(SID, "b" * 32, "+8612345", http_client=http)
    gateway.redirect_call("CA" + "1" * 32, "https://h.example/twilio/voice/bridge/7")
    (request,) = http.requests
    assert request["method"] == "POST"
    assert request["uri"].endswith(f"/Accounts/{SID}/Calls/CA{'1' * 32}.json")
    assert request["data"]["Url"] == "https://h.example/twilio/voice/bridge/7"
    assert request["auth"] == (SID, "b" * 32)


def test_sending_a_text_returns_the_message_sid():
    http = RecordingHttpClient(201, '{"sid": "SM123", "status": "queued"}')
    gateway = TwilioGateway(SID, "b" * 32, "+8612345", http_client=http)
    assert gateway.send_sms("+8613800138000", "您好") == "SM123"
    data = http.requests[0]["data"]
    assert (data["To"], data["From"], data["Body"]) == ("+8613800138000", "+8612345", "您好")


def test_a_refusal_from_twilio_becomes_a_gateway_error():
    http = RecordingHttpClient(400, '{"code": 21211, "message": "Invalid To number"}')
    gateway = TwilioGateway(SID, "b" * 32, "+8612345", http_client=http)
    with pytest.raises(GatewayError, match="refused"):
        gateway.send_sms("nonsense", "x")


def test_the_local_gateway_keeps_every_request_in_order(tmp_path):
    gateway = LocalGateway(tmp_path / "outbox.jsonl")
    sid = gateway.send_sms("13800138000", "第一条")
    gateway.redirect_call("CA1", "https://h.example/bridge")
    sent = gateway.sent()
    assert [r["kind"] for r in sent] == ["sms", "redirect"]
    assert sent[0]["sid"] == sid and sent[0]["body"] == "第一条"
