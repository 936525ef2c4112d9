"""Whole calls as sequences of signed webhooks, as Twilio would send them."""

import sqlalchemy as sa

from routing.models import Agent, Call
from tests.conftest import PUBLIC_URL, sign, signed_post
from tests.factories import make_agent
from tests.voice_flow import Caller


def call_params(call_sid="CA" + "1" * 32, to="12345", **extra):
    return {"CallSid": call_sid, "From": "+8613800138000", "To": to, **extra}


def test_12345_asks_the_language_first_each_in_its_own_language(client, observer):
    body = Caller(client, observer).dial()
    assert '<Gather action="/twilio/voice/language"' in body
    assert "普通话请按1" in body
    assert "廣東話請按2" in body and 'language="yue-HK"' in body
    assert "For English, press 3" in body


def test_a_mandarin_caller_picks_a_topic_by_digit_and_is_queued(client, observer):
    caller = Caller(client, observer)
    caller.dial()
    menu = caller.choose_language("1")
    assert '<Gather action="/twilio/voice/menu"' in menu
    assert 'input="dtmf speech"' in menu and 'language="cmn-Hans-CN"' in menu
    assert "公积金" in menu  # speech hints
    assert menu.index("请按1") < menu.index("请按0")
    queued = caller.press("2")
    assert ">housing</Enqueue>" in queued
    assert 'waitUrl="/twilio/voice/wait"' in queued
    call = caller.call
    assert (call.status, call.skill_code, call.language) == ("queued", "housing", "zh")
    assert call.enqueued_at is not None


def test_a_spoken_topic_is_matched_to_a_skill_and_kept_for_the_agent(client, observer):
    caller = Caller(client, observer)
    caller.dial()
    caller.choose_language("1")
    queued = caller.say("我想问一下住房公积金怎么提取")
    assert ">housing</Enqueue>" in queued
    call = caller.call
    assert call.speech_result == "我想问一下住房公积金怎么提取"
    assert call.category_hint_code is not None
    assert call.category_hint_code.startswith("HPF")


def test_a_cantonese_caller_hears_cantonese_and_is_understood(client, observer):
    caller = Caller(client, observer)
    caller.dial()
    menu = caller.choose_language("2")
    assert 'language="yue-Hant-HK"' in menu and "請直接講出" in menu
    assert ">urban_management</Enqueue>" in caller.say("我屋企楼下嘅井盖冇咗")
    assert caller.call.language == "yue"


def test_an_english_caller_is_served_in_english(client, observer):
    caller = Caller(client, observer)
    caller.dial()
    menu = caller.choose_language("3")
    assert "Please say what your call is about" in menu
    assert "For housing and provident fund, press 2." in menu
    queued = caller.say("I have a question about my pension")
    assert "Please hold while we connect you" in queued
    assert ">social_security</Enqueue>" in queued
    assert caller.call.language == "en"


def test_wrong_digits_repeat_the_menu_twice_then_go_to_the_general_queue(client, observer):
    caller = Caller(client, observer)
    caller.dial()
    caller.choose_language("1")
    for digit in ("*", "#"):
        body = caller.press(digit)
        assert "没有听清" in body and "<Gather" in body
    assert ">general</Enqueue>" in caller.silence()
    assert caller.call.skill_code == "general"


def test_no_language_chosen_falls_back_to_mandarin(client, observer):
    caller = Caller(client, observer)
    caller.dial()
    for _ in range(2):
        assert '<Gather action="/twilio/voice/language"' in caller.post("/twilio/voice/language")
    menu = caller.post("/twilio/voice/language")
    assert '<Gather action="/twilio/voice/menu"' in menu
    assert caller.call.language == "zh"


def test_a_legacy_line_skips_the_menus_and_says_it_has_merged(client, observer):
    caller = Caller(client, observer)
    body = caller.dial(to="12333")
    assert "<Gather" not in body
    assert "人力资源和社会保障咨询热线已整合到12345热线" in body
    assert ">social_security</Enqueue>" in body
    call = caller.call
    assert (call.entry, call.legacy_line_number) == ("legacy", "12333")
    assert call.category_hint_code == "SOCINS.PENSION"


def test_a_call_forwarded_from_a_legacy_line_counts_as_that_line(client, observer):
    body = Caller(client, observer).dial(ForwardedFrom="+862083175291")
    assert "劳动保障监察举报投诉电话已整合" in body


def test_an_answered_call_is_reserved_bridged_rated_and_closed(client, observer, gateway):
    from hotline.services.calls import connect

    user, agent = make_agent(observer, skills={"housing": 1})
    agent_id = agent.id
    observer.commit()
    with client.application.app_context():
        from hotline.infra.database import get_session
        from routing import services as routing

        session = get_session()
        routing.set_agent_state(session, agent_id, "available")
        session.commit()
    caller = Caller(client, observer)
    caller.dial()
    caller.choose_language("1")
    caller.press("2")
    call = caller.call
    assert call.reserved_agent_id == agent_id  # the router reserved the only agent
    with client.application.test_request_context():
        from hotline.infra.database import get_session

        session = get_session()
        connect(session, session.get(Agent, agent_id), call.id)
    (redirect,) = gateway.sent()
    assert redirect["url"] == f"{PUBLIC_URL}/twilio/voice/bridge/{call.id}"
    bridge = caller.post(f"/twilio/voice/bridge/{call.id}")
    assert f"<Identity>{user.username}</Identity>" in bridge
    assert f'action="/twilio/voice/after-dial/{call.id}?agent={agent_id}"' in bridge
    caller.post("/twilio/voice/queue-result", QueueResult="redirected", QueueTime="12")
    rating = caller.post(
        f"/twilio/voice/after-dial/{call.id}", DialCallStatus="completed", CallStatus="in-progress"
    )
    assert "满意请按1" in rating
    assert "感谢您的评价" in caller.post("/twilio/voice/rating", Digits="1")
    caller.post("/twilio/voice/status", CallStatus="completed")
    call = caller.call
    assert (call.status, call.rating, call.queue_seconds) == ("completed", 1, 12)
    assert observer.get(Agent, agent_id).state == "wrap_up"


def test_hanging_up_in_the_queue_is_an_abandoned_call(client, observer):
    caller = Caller(client, observer)
    caller.dial(to="12333")
    caller.hang_up_in_queue()
    call = caller.call
    assert call.status == "abandoned"
    assert call.ended_at is not None and call.queue_seconds == 40


def test_repeated_and_reordered_callbacks_change_nothing(client, observer):
    caller = Caller(client, observer)
    caller.dial(to="12333")
    caller.post("/twilio/voice/status", CallStatus="completed")
    ended = caller.call.ended_at
    caller.post("/twilio/voice/queue-result", QueueResult="hangup", QueueTime="7")
    caller.post("/twilio/voice/status", CallStatus="completed")
    caller.dial(to="12333")
    call = caller.call
    assert (call.status, call.ended_at) == ("abandoned", ended)
    assert observer.scalar(sa.select(sa.func.count(Call.id))) == 1


def test_a_long_wait_offers_a_callback_which_joins_the_queue_with_priority(client, observer):
    caller = Caller(client, observer)
    caller.dial(to="12333")
    assert "预约回拨请按2" not in caller.wait()
    caller.backdate_queue(90)
    offer = caller.wait()
    assert '<Gather action="/twilio/voice/wait-choice"' in offer
    assert "<Leave" in caller.post("/twilio/voice/wait-choice", Digits="2")
    booked = caller.post("/twilio/voice/queue-result", QueueResult="leave", QueueTime="95")
    assert "已为您登记回拨" in booked and "<Hangup" in booked
    caller.post("/twilio/voice/status", CallStatus="completed")
    assert caller.call.status == "left"
    task = observer.scalar(sa.select(Call).where(Call.kind == "callback"))
    assert (task.status, task.parent_call_id, task.skill_code) == (
        "queued",
        caller.call.id,
        "social_security",
    )
    assert task.priority > caller.call.priority
    assert task.from_number == "13800138000"


def test_a_caller_who_left_the_queue_is_left_whatever_came_first(client, observer):
    """The caller's end reported before the <Enqueue> result that says they chose to leave
    (a callback or a message): left, not abandoned."""
    caller = Caller(client, observer)
    caller.dial(to="12333")
    caller.backdate_queue(90)
    caller.wait()
    caller.post("/twilio/voice/wait-choice", Digits="2")
    caller.post("/twilio/voice/status", CallStatus="completed")
    assert caller.call.status == "abandoned"
    caller.post("/twilio/voice/queue-result", QueueResult="leave", QueueTime="95")
    assert caller.call.status == "left"


def test_a_voice_message_becomes_a_callback_task_with_the_recording(client, observer):
    caller = Caller(client, observer)
    caller.dial(to="12333")
    caller.backdate_queue(90)
    caller.wait()
    caller.post("/twilio/voice/wait-choice", Digits="3")
    record = caller.post("/twilio/voice/queue-result", QueueResult="leave", QueueTime="95")
    assert "请在提示音后留言" in record and '<Record action="/twilio/voice/recorded"' in record
    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1"
    assert "留言已收到" in caller.post("/twilio/voice/recorded", RecordingUrl=url)
    caller.post("/twilio/voice/recorded", RecordingUrl=url)  # delivered twice
    tasks = observer.scalars(sa.select(Call).where(Call.kind == "callback")).all()
    assert len(tasks) == 1 and tasks[0].recording_url == url


def test_the_wait_url_tells_position_and_expected_wait(client, observer):
    callers = [Caller(client, observer, number=f"+86138000000{i:02d}") for i in range(3)]
    for caller in callers:
        caller.dial(to="12333")
    body = callers[2].wait()
    assert "您前面还有2位来电" in body and "预计等待约" in body


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


def test_a_menu_post_for_an_unknown_call_is_a_clear_400(client):
    response = signed_post(client, "/twilio/voice/menu", call_params(Digits="1"))
    assert response.status_code == 400


def test_webhooks_skip_the_console_session(app, client, observer, monkeypatch):
    def no_signing(_app):
        raise AssertionError("a webhook opened the signed cookie session")

    monkeypatch.setattr(app.session_interface, "get_signing_serializer", no_signing)
    client.set_cookie("session", "not-a-signed-session")
    response = signed_post(client, "/twilio/voice", call_params(call_sid="CA" + "c" * 32))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
