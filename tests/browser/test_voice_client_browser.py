"""The console's browser phone, in Chromium, against a stand-in for the Twilio Voice SDK
(tests/browser/voice_standin.py)."""

from __future__ import annotations

import pytest

from tests.browser.voice_standin import VOICE_ENV, console, go_available, identity, log, state
from tests.served import free_port, served_product, signed_post

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served_voice(tmp_path_factory):
    # REST calls (none are expected) go to a closed local port, never to Twilio.
    env = {**VOICE_ENV, "TWILIO_API_BASE_URL": f"http://127.0.0.1:{free_port()}"}
    with served_product("sqlite", tmp_path_factory.mktemp("voice"), env_changes=env) as product:
        yield product


def test_going_available_registers_the_device_and_its_token_is_refreshed(served_voice, browser):
    page = console(browser, served_voice, "agent1")
    assert log(page) == []  # an offline agent has no Device
    go_available(page)
    registered = [entry for entry in log(page) if entry.get("device") == "register"]
    assert registered and all(identity(entry["token"]) == "agent1" for entry in registered)

    fetched = []
    page.on("request", lambda request: fetched.append(request.url))
    page.evaluate("window.fakeDevice.emit('tokenWillExpire', window.fakeDevice)")
    page.wait_for_function("(sessionStorage.getItem('fake-voice') || '').includes('updateToken')")
    (updated,) = [entry for entry in log(page) if entry.get("device") == "updateToken"]
    assert identity(updated["token"]) == "agent1"
    assert any(url.endswith("/api/v1/agent/voice-token") for url in fetched)
    assert state(page) == "available"
    # Offline again, so that the next test's call is offered to its own agent.
    page.request.post(
        page.url.split("/console/")[0] + "/api/v1/agent/state", data={"state": "offline"}
    )
    page.close()


def test_an_incoming_call_rings_with_its_caller_and_the_buttons_drive_it(served_voice, browser):
    page = console(browser, served_voice, "agent3")  # has the 12333 line's skill
    go_available(page)
    # A citizen calls; the console shows the offer, in place.
    call_sid = "CA" + "d" * 32
    params = {"CallSid": call_sid, "From": "+8613800138000", "To": "12333"}
    assert signed_post(served_voice, "/twilio/voice", params).status_code == 200
    offer = page.locator("#reservation")
    offer.wait_for(timeout=10_000)
    page.locator("#voice-status", has_text="已连接").wait_for(timeout=10_000)
    call_id = offer.get_attribute("data-call-id")

    page.evaluate(
        "id => window.fakeDevice.emit('incoming', "
        "new Twilio.FakeCall({call_id: id, caller: '13800138000'}))",
        call_id,
    )
    page.locator("#voice-call").wait_for(timeout=5_000)
    assert page.inner_text("#voice-caller") == "13800138000"
    assert "ringing" in offer.get_attribute("class")
    page.click("#voice-answer")
    page.click("#voice-mute")
    assert page.inner_text("#voice-mute") == "取消静音"
    page.click("#voice-hangup")
    page.locator("#voice-call").wait_for(state="hidden", timeout=5_000)
    assert "ringing" not in offer.get_attribute("class")
    calls = [entry for entry in log(page) if "call" in entry]
    assert calls == [{"call": "accept"}, {"call": "mute", "on": True}, {"call": "disconnect"}]
    page.close()


def test_a_device_that_cannot_register_says_so_and_the_agent_stays_out(served_voice, browser):
    page = console(browser, served_voice, "agent2", registration="error")
    page.click("#state button:has-text('置闲')")
    message = page.locator("#voice-message")
    message.wait_for(timeout=10_000)
    assert "浏览器话机连接失败" in message.inner_text()
    assert [entry["device"] for entry in log(page)] == ["new", "register", "destroy"]
    page.reload()
    assert state(page) == "offline"
    page.close()


def test_a_refused_microphone_says_so_and_the_agent_stays_out(served_voice, browser):
    page = console(browser, served_voice, "agent2", microphone=False)
    page.click("#state button:has-text('置闲')")
    message = page.locator("#voice-message")
    message.wait_for(timeout=10_000)
    assert "无法使用麦克风" in message.inner_text()
    assert log(page) == []  # no Device without a microphone
    page.reload()
    assert state(page) == "offline"
    page.close()


def test_a_device_error_while_available_puts_the_agent_offline(served_voice, browser):
    page = console(browser, served_voice, "agent1")
    go_available(page)
    page.evaluate("window.fakeDevice.emit('error', {code: 20104, message: 'Token expired'})")
    page.wait_for_function(
        "document.querySelector('#state [data-state]').dataset.state === 'offline'"
    )
    assert "浏览器话机连接失败" in page.inner_text("#voice-message")
    page.close()


def test_the_leg_that_rings_again_after_hold_is_answered_at_once(served_voice, browser):
    page = console(browser, served_voice, "agent3")  # has the 12333 line's skill
    if page.get_attribute("#state [data-state]", "data-state") == "wrap_up":
        page.select_option("#wrap-up", "other")
        page.click("#ready")
        page.locator("#voice-status", has_text="已连接").wait_for(timeout=10_000)
    else:
        go_available(page)
    call_sid = "CA" + "5" * 32
    params = {"CallSid": call_sid, "From": "+8613800138555", "To": "12333"}
    assert signed_post(served_voice, "/twilio/voice", params).status_code == 200
    offer = page.locator("#reservation")
    offer.wait_for(timeout=10_000)
    call_id = offer.get_attribute("data-call-id")
    page.click("#accept")
    page.locator("#hold").wait_for(timeout=10_000)
    ring = (
        "id => { window.leg = new Twilio.FakeCall({call_id: id, caller: '13800138555'}); "
        "window.fakeDevice.emit('incoming', window.leg); }"
    )
    page.evaluate(ring, call_id)  # the bridge's first dial: the agent answers it
    page.click("#voice-answer")
    page.click("#hold")
    page.locator("#resume").wait_for(timeout=10_000)
    # The hold's redirect ended the agent's leg: Twilio's <Dial> action says so.
    ended = {"CallSid": call_sid, "DialCallStatus": "completed", "CallStatus": "in-progress"}
    assert signed_post(served_voice, f"/twilio/voice/after-dial/{call_id}", ended).ok
    page.evaluate("window.leg.emit('disconnect', window.leg)")  # and in the browser
    page.locator("#voice-call").wait_for(state="hidden", timeout=5_000)
    page.click("#resume")
    page.locator("#hold").wait_for(timeout=10_000)
    page.evaluate(ring, call_id)  # the bridge rings again: answered without a click
    page.wait_for_function(
        "(sessionStorage.getItem('fake-voice') || '').split('accept').length === 3"
    )
    assert [e for e in log(page) if "call" in e][-1] == {"call": "accept"}
    page.close()
