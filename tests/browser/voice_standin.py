"""A stand-in for the Twilio Voice SDK in the console, for the browser tests.

The instance is served with a (fake) API key, so the voice token endpoint answers; the SDK
file is replaced by a small Twilio.Device that records what the console asks of it (into
sessionStorage, which outlives a reload of the console) and lets the test emit its events,
or dial it as Twilio dials the bridge's <Dial><Client> (``Twilio.dial``).
"""

from __future__ import annotations

import json

import jwt

from tests.conftest import TWILIO_TOKEN

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
    this.state = "unregistered";
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
      } else if (device.state !== "destroyed") {
        device.state = "registered";
        device.emit("registered");
      }
    }, 0);
  };
  Device.prototype.updateToken = function (token) {
    this.token = token;
    record({device: "updateToken", token: token});
  };
  Device.prototype.destroy = function () {
    this.state = "destroyed";
    record({device: "destroy"});
  };
  // Twilio dialling the client (the bridge's <Dial><Client>): the call rings a registered
  // Device; with none (not yet registered, or destroyed by a reload) the dial goes
  // unanswered, as Twilio reports it (no-answer).
  function dial(parameters) {
    var device = window.fakeDevice;
    if (!device || device.state !== "registered") {
      record({dial: "no-answer"});
      return false;
    }
    record({dial: "ringing"});
    device.emit("incoming", new Call(parameters));
    return true;
  }
  window.Twilio = {Device: Device, FakeCall: Call, dial: dial};
})();
"""

MICROPHONE = """
Object.defineProperty(navigator, "mediaDevices", {value: {getUserMedia: function () {
  return ALLOWED ? Promise.resolve({getTracks: function () { return [{stop: function () {}}]; }})
                 : Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
}}});
"""


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
