"""An agent driven entirely through the JSON API, as other clients and the simulator do."""

import html
from datetime import timedelta

import jwt

from hotline.infra import context
from hotline.services.calls import category_hint
from knowledge_base.services import import_article
from routing.models import Agent, Call
from tests.conftest import PUBLIC_URL, app_with, empty_transactional_tables
from tests.factories import PASSWORD, make_agent, make_call
from tests.voice_flow import Caller

SECRET = "a-thirty-two-byte-secret-for-tests!"
# Two articles of the provident fund: a caller must say which matter they mean.
HPF_ARTICLES = (
    {
        "id": "HL-9300",
        "title": "租房提取住房公积金",
        "questions": ["租房可以取公积金吗？", "交房租能用公积金吗"],
        "answer": "无房职工租房自住的，可每年提取一次住房公积金支付房租。",
        "keywords": ["租房提取"],
        "category": "HPF.WITHDRAW",
    },
    {
        "id": "HL-9301",
        "title": "住房公积金的缴存比例",
        "questions": ["公积金每个月交多少？", "单位不给交公积金怎么办"],
        "answer": "住房公积金缴存比例为5%至12%，由单位和职工各缴一半。",
        "keywords": ["缴存比例", "公积金缴存"],
        "category": "HPF.DEPOSIT",
    },
)


def api_login(client, user):
    response = client.post(
        "/api/v1/session", json={"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.data
    return response.get_json()


def set_state(client, state):
    response = client.post("/api/v1/agent/state", json={"state": state})
    assert response.status_code == 200, response.data
    return response.get_json()


def test_logging_in_needs_the_right_password_and_json(client, observer):
    user, _ = make_agent(observer)
    observer.commit()
    assert (
        client.post(
            "/api/v1/session", json={"username": user.username, "password": "nope"}
        ).status_code
        == 401
    )
    form = client.post("/api/v1/session", data={"username": user.username, "password": PASSWORD})
    assert form.status_code == 415
    assert api_login(client, user)["role"] == "agent"
    assert client.get("/api/v1/agent/status").status_code == 200
    assert client.delete("/api/v1/session", json={}).status_code == 204
    assert client.get("/api/v1/agent/status").status_code == 401


def test_a_whole_call_through_the_api(client, observer, gateway):
    user, _ = make_agent(observer, skills={"social_security": 2})
    observer.commit()
    api_login(client, user)
    assert set_state(client, "available")["state"] == "available"

    caller = Caller(client, observer)
    caller.dial(to="12333")
    status = client.get("/api/v1/agent/status").get_json()
    offered = status["reservation"]
    assert status["state"] == "reserved"
    assert offered["line"] == {"number": "12333", "name": "人力资源和社会保障咨询热线"}
    assert offered["category_hint"] == "SOCINS.PENSION"
    assert offered["from"] == "13800138000"

    accepted = client.post(f"/api/v1/agent/reservations/{offered['id']}/accept", json={})
    assert accepted.status_code == 200
    assert accepted.get_json()["call"]["id"] == offered["id"]
    assert [r["kind"] for r in gateway.sent()] == ["redirect"]
    bridge = caller.post(f"/twilio/voice/bridge/{offered['id']}")
    leg = html.unescape(bridge.split('<Dial action="', 1)[1].split('"', 1)[0])

    filed = client.post(
        f"/api/v1/agent/calls/{offered['id']}/work-orders",
        json={"category": "SOCINS.PENSION", "description": "养老金少发了一个月"},
    )
    assert filed.status_code == 201
    assert filed.get_json()["unit"] == "GZ-RSJ"
    bad = client.post(
        f"/api/v1/agent/calls/{offered['id']}/work-orders",
        json={"category": "NO.SUCH", "description": "x"},
    )
    assert bad.status_code == 422 and bad.get_json()["error"] == "未知的分类“NO.SUCH”"

    # The agent hangs up: Twilio reports their leg (answered, 30 s), then they finish.
    caller.post(leg, DialCallStatus="completed", CallStatus="in-progress", DialCallDuration="30")
    assert client.post("/api/v1/agent/finish", json={}).get_json()["state"] == "wrap_up"
    assert set_state(client, "available")["state"] == "available"
    call = caller.call
    assert call.status == "completed" and call.resolution == "work_order"
    assert call.answered_at is not None
    assert call.wrap_up_seconds is not None


def test_a_declined_call_goes_to_the_next_agent_and_never_back(client, observer):
    first_user, first = make_agent(observer, skills={"social_security": 1})
    _, second = make_agent(observer, skills={"social_security": 1})
    observer.commit()
    api_login(client, first_user)
    set_state(client, "available")
    caller = Caller(client, observer)
    caller.dial(to="12333")
    call_id = caller.call.id
    assert caller.call.reserved_agent_id == first.id
    # The second agent becomes available only now; the call is already the first's.
    observer.get(Agent, second.id).state = "available"
    observer.commit()
    declined = client.post(f"/api/v1/agent/reservations/{call_id}/decline", json={})
    assert declined.status_code == 200
    assert caller.call.reserved_agent_id == second.id
    assert first.id in caller.call.declined_agent_ids
    again = client.post(f"/api/v1/agent/reservations/{call_id}/accept", json={})
    assert again.status_code == 409


def test_an_unanswered_reservation_moves_on_and_sets_the_agent_not_ready(client, observer):
    slow_user, slow = make_agent(observer, skills={"social_security": 1})
    _, quick = make_agent(observer, skills={"social_security": 1})
    observer.commit()
    api_login(client, slow_user)
    set_state(client, "available")
    caller = Caller(client, observer)
    caller.dial(to="12333")
    call = caller.call
    assert call.reserved_agent_id == slow.id
    observer.get(Agent, quick.id).state = "available"
    call.reservation_expires_at = call.reservation_expires_at - timedelta(seconds=30)
    observer.commit()
    status = client.get("/api/v1/agent/status").get_json()  # the console's poll
    assert (status["state"], status["state_reason"]) == ("break", "missed")
    assert caller.call.reserved_agent_id == quick.id


def test_a_waiting_call_overflows_to_an_agent_without_its_skill(client, observer):
    user, general = make_agent(observer, skills={"general": 1})
    observer.commit()
    caller = Caller(client, observer)
    caller.dial(to="12329")  # the housing fund line: skill housing
    api_login(client, user)
    set_state(client, "available")
    assert caller.call.reserved_agent_id is None  # housing overflows to general after 60 s
    caller.backdate_queue(70)
    client.get("/api/v1/agent/status")
    assert caller.call.reserved_agent_id == general.id


def test_accepting_a_callback_task_calls_the_citizen_back(client, observer, gateway):
    user, _ = make_agent(observer, skills={"social_security": 1})
    observer.commit()
    caller = Caller(client, observer, number="+8613900139000")
    caller.dial(to="12333")
    caller.backdate_queue(90)
    caller.wait()
    caller.post("/twilio/voice/wait-choice", Digits="2")
    caller.post("/twilio/voice/queue-result", QueueResult="leave", QueueTime="95")
    api_login(client, user)
    offered = set_state(client, "available")["reservation"]
    assert offered["kind"] == "callback"
    client.post(f"/api/v1/agent/reservations/{offered['id']}/accept", json={})
    (placed,) = [r for r in gateway.sent() if r["kind"] == "call"]
    assert placed["to"] == "+8613900139000"
    assert placed["url"] == f"{PUBLIC_URL}/twilio/voice/bridge/{offered['id']}"
    task = observer.get(Call, offered["id"])
    observer.refresh(task)
    assert task.call_sid == placed["sid"] and task.status == "connected"
    # The citizen answers: Twilio fetches the bridge URL for the new call.
    answered = Caller(client, observer, call_sid=placed["sid"])
    assert f"<Identity>{user.username}</Identity>" in answered.post(
        f"/twilio/voice/bridge/{offered['id']}"
    )


def test_the_voice_token_carries_the_agent_identity_and_a_voice_grant(database_url, tmp_path):
    app = app_with(
        database_url,
        tmp_path,
        twilio_account_sid="AC" + "1" * 32,
        twilio_api_key="SK" + "2" * 32,
        twilio_api_secret=SECRET,
        twilio_twiml_app_sid="AP" + "3" * 32,
    )
    try:
        with app.app_context():
            session = context.sessions(app)()
            user, _ = make_agent(session)
            session.commit()
            username = user.username
            session.close()
        client = app.test_client()
        api_login(client, type("U", (), {"username": username})())
        body = client.get("/api/v1/agent/voice-token").get_json()
        claims = jwt.decode(body["token"], SECRET, algorithms=["HS256"])
        assert claims["grants"]["identity"] == username
        voice = claims["grants"]["voice"]
        assert voice["incoming"]["allow"] is True
        assert voice["outgoing"]["application_sid"] == "AP" + "3" * 32
        assert claims["iss"] == "SK" + "2" * 32
    finally:
        engine = context.engine(app)
        empty_transactional_tables(engine)
        engine.dispose()


def test_without_twilio_the_voice_token_is_a_clear_503(client, observer):
    user, _ = make_agent(observer)
    observer.commit()
    api_login(client, user)
    response = client.get("/api/v1/agent/voice-token")
    assert response.status_code == 503
    assert "not configured" in response.get_json()["error"]


def test_the_status_lists_the_agents_queues_when_asked(client, observer):
    user, _ = make_agent(observer, skills={"social_security": 1})  # not housing
    observer.commit()
    api_login(client, user)  # offline: nothing is offered, the calls wait
    pension = Caller(client, observer, number="+8613800000001")
    pension.dial(to="12333")
    Caller(client, observer, number="+8613800000002").dial(to="12329")  # housing fund
    assert "waiting" not in client.get("/api/v1/agent/status").get_json()
    (waiting,) = client.get("/api/v1/agent/status?waiting=1").get_json()["waiting"]
    assert waiting["id"] == pension.call.id
    assert (waiting["from"], waiting["kind"], waiting["skill"]) == (
        "13800000001",
        "inbound",
        "social_security",
    )
    assert waiting["skill_name"] and waiting["enqueued_at"]


def test_the_offer_proposes_the_category_of_what_the_caller_said(client, observer):
    for article in HPF_ARTICLES:
        import_article(observer, article)
    user, _ = make_agent(observer, skills={"housing": 2})
    observer.commit()
    api_login(client, user)
    set_state(client, "available")

    # The caller names the topic (公积金, the housing menu's keyword) but no category: the
    # article that answers them is filed under one.
    caller = Caller(client, observer)
    caller.dial()
    caller.choose_language("1")
    caller.say("交房租能用公积金吗")
    offered = client.get("/api/v1/agent/status").get_json()["reservation"]
    assert offered["speech_result"] == "交房租能用公积金吗"
    assert offered["category_hint"] == "HPF.WITHDRAW"


def test_no_category_is_proposed_when_no_article_answers_the_caller(observer):
    for article in HPF_ARTICLES:
        import_article(observer, article)
    vague = make_call(observer, speech_result="我想问一下公积金")
    named = make_call(observer, speech_result="交房租能用公积金吗", category_hint_code="HPF.LOAN")
    assert category_hint(observer, vague) is None
    # A category the line or the IVR already gave is kept.
    assert category_hint(observer, named) == "HPF.LOAN"
    assert category_hint(observer, make_call(observer)) is None
