"""The voice webhooks, driven with requests signed exactly as Twilio signs them."""

import sqlalchemy as sa

from routing.models import Call
from tests.conftest import PUBLIC_URL, sign, signed_post


def call_params(call_sid="CA" + "1" * 32, to="12345", **extra):
    return {"CallSid": call_sid, "From": "+8613800138000", "To": to, **extra}


def stored_call(session, call_sid):
    return session.scalar(sa.select(Call).where(Call.call_sid == call_sid))


def test_12345_answers_with_the_topic_menu(client, observer):
    response = signed_post(client, "/twilio/voice", call_params())
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    body = response.get_data(as_text=True)
    assert '<Gather action="/twilio/voice/menu"' in body
    assert "社保、就业和劳动请按1" in body
    assert body.index("请按1") < body.index("请按0")
    call = stored_call(observer, "CA" + "1" * 32)
    assert (call.entry, call.status) == ("main", "ivr")


def test_a_menu_digit_enqueues_into_that_skill(client, observer):
    signed_post(client, "/twilio/voice", call_params())
    response = signed_post(client, "/twilio/voice/menu", call_params(Digits="2"))
    body = response.get_data(as_text=True)
    assert '<Enqueue action="/twilio/voice/queue-result"' in body
    assert ">housing</Enqueue>" in body
    call = stored_call(observer, "CA" + "1" * 32)
    assert (call.status, call.skill_code) == ("queued", "housing")
    assert call.enqueued_at is not None


def test_a_wrong_digit_repeats_the_menu_then_goes_to_the_general_queue(client, observer):
    signed_post(client, "/twilio/voice", call_params())
    for _ in range(2):
        body = signed_post(client, "/twilio/voice/menu", call_params(Digits="*")).get_data(True)
        assert "没有听清" in body and "<Gather" in body
    body = signed_post(client, "/twilio/voice/menu", call_params()).get_data(as_text=True)
    assert ">general</Enqueue>" in body
    assert stored_call(observer, "CA" + "1" * 32).skill_code == "general"


def test_a_legacy_line_skips_the_menu_and_says_it_has_merged(client, observer):
    response = signed_post(client, "/twilio/voice", call_params(to="12333"))
    body = response.get_data(as_text=True)
    assert "<Gather" not in body
    assert "人力资源和社会保障咨询热线已整合到12345热线" in body
    assert ">social_security</Enqueue>" in body
    call = stored_call(observer, "CA" + "1" * 32)
    assert (call.entry, call.legacy_line_number) == ("legacy", "12333")
    assert call.category_hint_code == "SOCINS.PENSION"


def test_a_call_forwarded_from_a_legacy_line_counts_as_that_line(client, observer):
    params = call_params(ForwardedFrom="+862083175291")
    body = signed_post(client, "/twilio/voice", params).get_data(as_text=True)
    assert "劳动保障监察举报投诉电话已整合" in body
    assert stored_call(observer, "CA" + "1" * 32).category_hint_code == "LABOUR.WAGE"


def test_the_same_webhook_twice_records_one_call(client, observer):
    signed_post(client, "/twilio/voice", call_params(to="12333"))
    again = signed_post(client, "/twilio/voice", call_params(to="12333"))
    assert ">social_security</Enqueue>" in again.get_data(as_text=True)
    assert observer.scalar(sa.select(sa.func.count(Call.id))) == 1


def test_an_unsigned_call_is_refused(client, observer):
    response = client.post("/twilio/voice", data=call_params())
    assert response.status_code == 403
    assert observer.scalar(sa.select(sa.func.count(Call.id))) == 0


def test_a_signature_for_other_parameters_is_refused(client):
    signature = sign(PUBLIC_URL + "/twilio/voice", call_params(to="12333"))
    response = client.post(
        "/twilio/voice", data=call_params(), headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 403


def test_a_signature_made_with_another_token_is_refused(client):
    response = signed_post(client, "/twilio/voice", call_params(), token="f" * 32)
    assert response.status_code == 403


def test_the_signature_is_checked_against_the_public_url_not_the_internal_one(client):
    internal = sign("http://localhost/twilio/voice", call_params())
    response = client.post(
        "/twilio/voice", data=call_params(), headers={"X-Twilio-Signature": internal}
    )
    assert response.status_code == 403


def test_a_signed_request_without_a_call_sid_is_a_clear_400(client):
    response = signed_post(client, "/twilio/voice", {"From": "+8613800138000", "To": "12345"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "CallSid is required"


def test_hanging_up_in_the_queue_is_an_abandoned_call(client, observer):
    signed_post(client, "/twilio/voice", call_params(to="12333"))
    signed_post(client, "/twilio/voice/status", call_params(CallStatus="completed"))
    call = stored_call(observer, "CA" + "1" * 32)
    assert call.status == "abandoned"
    assert call.ended_at is not None


def test_the_wait_url_tells_the_position(client):
    signed_post(client, "/twilio/voice", call_params(to="12333"))
    body = signed_post(client, "/twilio/voice/wait", call_params(QueuePosition="3")).get_data(
        as_text=True
    )
    assert "您前面还有2位来电" in body
