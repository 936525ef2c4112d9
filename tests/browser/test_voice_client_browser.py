"""The console's browser phone, in Chromium, against a stand-in for the Twilio Voice SDK.

The instance is served with a (fake) API key, so the voice token endpoint answers; the SDK
file is replaced by a small Twilio.Device that records what the console asks of it (into
sessionStorage, which outlives the console's reloads) and lets the test emit its events.
"""

from __future__ import annotations

import json

import jwt
import pytest

from tests.conftest import TWILIO_TOKEN
from tests.served import free_port, served_product, signed_post

pytestmark = pytest.mark.slow

API_SECRET = "voice-client-secret-of-thirty-two-bytes"
VOICE_ENV = {
    "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
    "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
    "TWILIO_API_KEY": "SK" + "2" * 32,
    "TWILIO_API_SECRET": API_SECRET,
    "TWILIO_TWIML_APP_SID": "AP" + "3" * 32,
}

FAKE_SDK = """
(function () {
  function record(entry) {
    var log = JSON.parse(sessionStorage.getItem("fake-voice") || "[]");
    log.push(entry);
    sessionStorage.setItem("fake-voice", JSON.stringify(log));
  }
  function Emitter() { this.handlers = {}; }
  Emitter.prototype.on = function (name, handler) {
    (this.handlers[name] = this.handlers[name] || []).push(handler);
    return this;
  };
  Emitter.prototype.emit = function (name) {
    var rest = Array.prototype.slice.call(arguments, 1);
    (this.handlers[name] || []).forEach(function (handler) { handler.apply(null, rest); });
  };
  function Call(parameters) {
    Emitter.call(this);
    this.customParameters = new Map(Object.entries(parameters));
    this.parameters = {From: "client:bridge"};
    this.muted = false;
  }
  Call.prototype = Object.create(Emitter.prototype);
  Call.prototype.accept = function () { record({call: "accept"}); this.emit("accept", this); };
  Call.prototype.mute = function (on) {
    record({call: "mute", on: on});
    this.muted = on;
    this.emit("mute", on, this);
  };
  Call.prototype.isMuted = function () { return this.muted; };
  Call.prototype.disconnect = function () {
    record({call: "disconnect"});
    this.emit("disconnect", this);
  };
  Call.prototype.reject = function () { record({call: "reject"}); this.emit("reject"); };
  function Device(token) {
    Emitter.call(this);
    this.token = token;
    window.fakeDevice = this;
    record({device: "new", token: token});
  }
  Device.prototype = Object.create(Emitter.prototype);
  Device.prototype.register = function () {
    var device = this;
    record({device: "register", token: this.token});
    setTimeout(function () {
      if (REGISTRATION === "error") {
        device.emit("error", {code: 20101, message: "Invalid Access Token"});
      } else {
        device.emit("registered");
      }
    }, 0);
  };
  Device.prototype.updateToken = function (token) {
    this.token = token;
    record({device: "updateToken", token: token});
  };
  Device.prototype.destroy = function () { record({device: "destroy"}); };
  window.Twilio = {Device: Device, FakeCall: Call};
})();
"""

MICROPHONE = """
Object.defineProperty(navigator, "mediaDevices", {value: {getUserMedia: function () {
  return ALLOWED ? Promise.resolve({getTracks: function () { return [{stop: function () {}}]; }})
                 : Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
}}});
"""


@pytest.fixture(scope="module")
def served_voice(tmp_path_factory):
    # REST calls (none are expected) go to a closed local port, never to Twilio.
    env = {**VOICE_ENV, "TWILIO_API_BASE_URL": f"http://127.0.0.1:{free_port()}"}
    with served_product("sqlite", tmp_path_factory.mktemp("voice"), env_changes=env) as product:
        yield product


def console(browser, served, username, registration="ok", microphone=True):
    """A logged-in, offline agent's console with the stand-in SDK and microphone."""
    page = browser.new_page()
    page.add_init_script(MICROPHONE.replace("ALLOWED", "true" if microphone else "false"))
    sdk = FAKE_SDK.replace("REGISTRATION", json.dumps(registration))
    page.route(
        "**/static/vendor/twilio.min.js",
        lambda route: route.fulfill(body=sdk, content_type="text/javascript"),
    )
    page.goto(f"{served.url}/login")
    page.fill("#username", username)
    page.fill("#password", "agent-12345")
    page.click("button[type=submit]")
    page.wait_for_url(f"{served.url}/console/")
    page.request.post(f"{served.url}/api/v1/agent/state", data={"state": "offline"})
    page.evaluate("sessionStorage.removeItem('fake-voice')")
    page.reload()
    return page


def log(page) -> list[dict]:
    return json.loads(page.evaluate("sessionStorage.getItem('fake-voice') || '[]'"))


def state(page) -> str:
    return page.get_attribute("#state [data-state]", "data-state")


def identity(token: str) -> str:
    claims = jwt.decode(token, API_SECRET, algorithms=["HS256"])
    return claims["grants"]["identity"]


def go_available(page) -> None:
    page.click("#state button:has-text('置闲')")
    page.wait_for_function(
        "document.querySelector('#state [data-state]').dataset.state === 'available'"
    )
    page.locator("#voice-status", has_text="已连接").wait_for(timeout=10_000)


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
    # A citizen calls; the console shows the offer (and registers again after reloading).
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
    page.wait_for_load_state()
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
