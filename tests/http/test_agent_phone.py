"""Where the bridge rings an agent: the browser client, or the phone the agent has set."""

import json
import re

import pytest

from hotline.models import AuditEvent
from routing.models import Agent
from tests.conftest import login, override, post_form, signed_post
from tests.factories import PASSWORD, make_agent, make_call, make_user

VOICE_CLIENT = {
    "twilio_account_sid": "AC" + "1" * 32,
    "twilio_api_key": "SK" + "2" * 32,
    "twilio_api_secret": "voice-secret",
    "twilio_twiml_app_sid": "AP" + "3" * 32,
}


def bridge_for(client, observer, phone: str | None):
    user, agent = make_agent(observer)
    agent.phone = phone
    call = make_call(observer, agent_id=agent.id, from_number="13800138000")
    observer.commit()
    response = signed_post(client, f"/twilio/voice/bridge/{call.id}", {"CallSid": call.call_sid})
    assert response.status_code == 200
    return response.get_data(as_text=True), user, call


def test_without_a_phone_the_browser_client_rings_with_the_call_and_the_caller(client, observer):
    body, user, call = bridge_for(client, observer, None)
    # Twilio tells the hotline the leg's sid once the agent picks up (a warm transfer moves it).
    answered = f'statusCallback="/twilio/voice/leg-answered/{call.id}?agent={call.agent_id}"'
    assert f'<Client {answered} statusCallbackEvent="answered"><Identity>{user.username}<' in body
    assert f'<Parameter name="call_id" value="{call.id}" />' in body
    assert '<Parameter name="caller" value="13800138000" />' in body
    assert "<Number" not in body and "<Sip" not in body


def test_an_agent_with_a_phone_number_is_dialled_on_it(client, observer):
    body, _, call = bridge_for(client, observer, "+862083175291")
    assert 'statusCallbackEvent="answered">+862083175291</Number>' in body
    assert f'action="/twilio/voice/after-dial/{call.id}?agent={call.agent_id}"' in body
    assert "<Client" not in body


def test_an_agent_with_a_sip_address_is_dialled_on_it(client, observer):
    body, _, _ = bridge_for(client, observer, "sip:agent7@pbx.example.org")
    assert 'statusCallbackEvent="answered">sip:agent7@pbx.example.org</Sip>' in body
    assert "<Client" not in body and "<Number" not in body


def test_an_agent_sets_their_own_phone_and_clears_it(client, observer):
    user, agent = make_agent(observer)
    observer.commit()
    login(client, user.username, PASSWORD)
    post_form(client, "/console/phone", {"phone": " +86 20 8317 5291 "}, "/console/")
    observer.refresh(agent)
    assert agent.phone == "+862083175291"
    (event,) = observer.query(AuditEvent).filter_by(entity="agent").all()
    assert event.changes == {"phone": {"from": None, "to": "+862083175291"}}
    assert event.actor == user.username
    post_form(client, "/console/phone", {"phone": ""}, "/console/")
    observer.refresh(agent)
    assert agent.phone is None


@pytest.mark.parametrize(
    "phone", ["020 8317 5291", "+0123456789", "13800138000", "sip:nobody", "http://x@y"]
)
def test_a_phone_that_is_neither_e164_nor_sip_is_refused(client, observer, phone):
    user, agent = make_agent(observer)
    agent.phone = "+862083175291"
    observer.commit()
    login(client, user.username, PASSWORD)
    response = post_form(client, "/console/phone", {"phone": phone}, "/console/")
    assert response.status_code == 302
    observer.refresh(agent)
    assert agent.phone == "+862083175291"
    assert "既不是国际格式的电话号码" in client.get("/console/").get_data(as_text=True)
    client.get("/console/?lang=en")
    post_form(client, "/console/phone", {"phone": phone}, "/console/")
    assert "international form" in client.get("/console/").get_data(as_text=True)


def test_an_admin_sets_an_agents_phone(client, observer):
    admin = make_user(observer, "admin")
    _, agent = make_agent(observer)
    observer.commit()
    login(client, admin.username, PASSWORD)
    assert f'data-agent="{agent.client_name}"' in client.get("/admin/").get_data(as_text=True)
    post_form(client, f"/admin/agents/{agent.id}/phone", {"phone": "sip:a@pbx.example"}, "/admin/")
    observer.refresh(agent)
    assert agent.phone == "sip:a@pbx.example"


def test_an_agent_may_not_use_the_admin_form(client, observer):
    user, _ = make_agent(observer)
    _, other = make_agent(observer)
    observer.commit()
    login(client, user.username, PASSWORD)
    response = post_form(
        client, f"/admin/agents/{other.id}/phone", {"phone": "+8613800138000"}, "/console/"
    )
    assert response.status_code in (302, 403)
    observer.refresh(other)
    assert other.phone is None


def test_the_console_loads_the_browser_phone_only_when_it_can_ring(app, client, observer):
    user, agent = make_agent(observer)
    observer.commit()
    login(client, user.username, PASSWORD)
    # The embedded default (no API key): the console is as it always was.
    page = client.get("/console/").get_data(as_text=True)
    assert 'id="voice"' not in page and "twilio.min.js" not in page
    override(app, **VOICE_CLIENT)
    page = client.get("/console/").get_data(as_text=True)
    assert 'data-token-url="/api/v1/agent/voice-token"' in page
    assert "vendor/twilio.min.js" in page and "voice.js" in page
    # An agent who answers on a phone has nothing to register in the browser.
    agent = observer.get(Agent, agent.id)
    agent.phone = "+862083175291"
    observer.commit()
    assert 'id="voice"' not in client.get("/console/").get_data(as_text=True)


def test_the_console_gives_its_script_the_agent_api_and_the_pages_words(client, observer):
    user, _ = make_agent(observer)
    observer.commit()
    login(client, user.username, PASSWORD)

    def config(path):
        page = client.get(path).get_data(as_text=True)
        found = re.search(
            r'<script type="application/json" id="console-config">(.*?)</script>', page
        )
        return json.loads(found.group(1))

    chinese = config("/console/")
    assert chinese["urls"]["status"] == "/api/v1/agent/status?waiting=1"
    assert chinese["urls"]["accept"] == "/api/v1/agent/reservations/{call}/accept"
    assert chinese["urls"]["acceptForm"] == "/console/calls/{call}/accept"
    assert chinese["urls"]["order"] == "/console/orders/{number}"
    assert chinese["words"]["states"]["reserved"] == "已预占"
    assert chinese["words"]["languages"]["yue"] == "粤语"
    english = config("/console/?lang=en")
    assert english["words"]["states"]["reserved"] == "Reserved"
    assert english["words"]["languages"]["yue"] == "Cantonese"
    assert english["words"]["callStatuses"]["abandoned"] == "Abandoned"
    assert english["words"]["orderStatuses"]["in_progress"] == "In progress"
