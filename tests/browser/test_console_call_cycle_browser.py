"""A whole call in the browser phone, and the console page never reloads through it.

The bridge's <Dial><Client> rings the agent's Device right after they accept: a console
that reloaded then would have no registered Device at that moment, and Twilio would report
the dial unanswered. Here the hotline is served against the simulator's Twilio REST API
(hotline/simulator/twilio_api.py) and the test plays Twilio's side of the call: the
webhooks, the redirect to the bridge, and dialling the client in the stand-in SDK.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from hotline.simulator.twilio_api import FakeTwilioApi, Telephony
from tests.browser.voice_standin import VOICE_ENV, console, go_available, identity, log, state
from tests.conftest import TWILIO_TOKEN
from tests.served import free_port, served_product

pytestmark = pytest.mark.slow

CALLER = "+8613800138000"


@pytest.fixture(scope="module")
def served_twilio(tmp_path_factory):
    """The product served with its REST requests going to the simulator's Twilio."""
    port = free_port()
    env = {**VOICE_ENV, "TWILIO_API_BASE_URL": f"http://127.0.0.1:{port}"}
    with served_product("sqlite", tmp_path_factory.mktemp("cycle"), env_changes=env) as product:
        telephony = Telephony(product.url, VOICE_ENV["TWILIO_ACCOUNT_SID"], TWILIO_TOKEN, "12345")
        try:
            with FakeTwilioApi(telephony, "127.0.0.1", port):
                yield product, telephony
        finally:
            telephony.scheduler.stop()


def twiml(body: str) -> ET.Element:
    return ET.fromstring(body)


def wait_for_state(page, wanted: str) -> None:
    page.wait_for_function(
        "state => document.querySelector('#state [data-state]').dataset.state === state",
        arg=wanted,
        timeout=10_000,
    )


def test_a_whole_call_in_the_browser_phone_never_reloads_the_console(served_twilio, browser):
    served, telephony = served_twilio
    page = console(browser, served, "agent1")  # offline, with the 12333 line's skill
    # Whatever happens from here, the page must stay this one document.
    page.evaluate("window.consoleMarker = 'the same page'")
    loads, navigations = [], []
    page.on("load", lambda: loads.append(page.url))
    page.on(
        "framenavigated", lambda frame: frame == page.main_frame and navigations.append(frame.url)
    )

    go_available(page)

    # A citizen calls the old social-security line: straight into its queue.
    live = telephony.open_call(CALLER)
    status, body = telephony.post(
        "/twilio/voice", {"CallSid": live.sid, "From": CALLER, "To": "12333"}
    )
    assert status == 200
    enqueue = twiml(body).find("Enqueue")
    assert enqueue is not None, body
    with live.lock:
        live.state = "queued"  # Twilio holds it in the queue now

    # The console shows the offer with the caller's context, then the agent accepts it.
    offer = page.locator("#reservation")
    offer.wait_for(timeout=10_000)
    call_id = offer.get_attribute("data-call-id")
    assert "13800138000" in offer.inner_text() and "12333" in offer.inner_text()
    wait_for_state(page, "reserved")
    # It rang, and counts down the seconds the agent has to take it.
    assert offer.get_attribute("data-rang") == call_id
    left = int(offer.locator("[data-countdown]").inner_text())
    assert 1 <= left <= 15, left
    page.wait_for_function(
        "left => Number(document.querySelector('[data-countdown]').textContent) < left",
        arg=left,
        timeout=5_000,
    )
    page.keyboard.press("Alt+A")  # accepted from the keyboard

    # Accepting redirects the live call to the bridge (the REST API), which dials the client.
    assert live.redirected.wait(10), "accepting did not redirect the call to the bridge"
    telephony.post(enqueue.get("action"), {"CallSid": live.sid, "QueueResult": "redirected"})
    status, body = telephony.post(live.redirect_url, {"CallSid": live.sid, "From": CALLER})
    assert status == 200
    dial = twiml(body).find("Dial")
    client = dial.find("Client")
    assert client.findtext("Identity") == "agent1"
    parameters = {p.get("name"): p.get("value") for p in client.findall("Parameter")}
    assert parameters["call_id"] == call_id

    # Twilio dials the client at once: the Device registered on going available is there.
    assert page.evaluate("parameters => Twilio.dial(parameters)", parameters), (
        "the Device was not registered when the bridge dialled it: Twilio reports no-answer"
    )
    page.locator("#voice-call").wait_for(timeout=5_000)
    assert page.inner_text("#voice-caller") == "13800138000"
    current = page.locator("#current-call")
    assert current.get_attribute("data-call-id") == call_id
    assert "ringing" in current.get_attribute("class")
    assert state(page) == "on_call"
    assert page.locator("#reservation").is_hidden()
    page.click("#voice-answer")
    assert page.is_enabled("#voice-mute")

    # The agent hangs up; Twilio runs the <Dial> action, and the caller rates the service.
    page.click("#voice-hangup")
    page.locator("#voice-call").wait_for(state="hidden", timeout=5_000)
    status, body = telephony.post(
        dial.get("action"),
        {
            "CallSid": live.sid,
            "CallStatus": "in-progress",
            "DialCallStatus": "completed",
            "DialCallDuration": "42",
        },
    )
    assert status == 200 and "<Gather" in body
    telephony.post("/twilio/voice/rating", {"CallSid": live.sid, "Digits": "1"})
    telephony.post("/twilio/voice/status", {"CallSid": live.sid, "CallStatus": "completed"})

    # Wrap-up: the call stays on the page with the caller's rating, until the agent is ready.
    page.locator("#ready").wait_for(timeout=10_000)
    assert state(page) == "wrap_up"
    page.locator("#current-call [data-rating='1']", has_text="满意").wait_for(timeout=10_000)
    timer = page.inner_text("#current-call [data-call-timer]")
    assert re.fullmatch(r"\d+:\d\d", timer), timer  # how long since the agent answered
    assert page.locator("#wrap-up-limit").is_visible()  # the wrap-up limit counts down
    page.select_option("#wrap-up", "answered")
    page.click("#ready")
    wait_for_state(page, "available")
    page.locator("#current-call").wait_for(state="hidden", timeout=5_000)
    assert page.input_value("#new-work-order input[name=call_id]") == ""

    # One document and one registered Device from going available to available again.
    assert page.evaluate("window.consoleMarker") == "the same page"
    assert loads == [] and navigations == []
    devices = [entry["device"] for entry in log(page) if "device" in entry]
    assert devices == ["new", "register"]
    (registered,) = [entry for entry in log(page) if entry.get("device") == "register"]
    assert identity(registered["token"]) == "agent1"
    assert [entry["dial"] for entry in log(page) if "dial" in entry] == ["ringing"]
    assert [entry["call"] for entry in log(page) if "call" in entry] == ["accept", "disconnect"]
    assert page.locator("#voice-status", has_text="已连接").is_visible()

    page.request.post(f"{served.url}/api/v1/agent/state", data={"state": "offline"})
    page.close()


def test_a_declined_offer_goes_back_to_the_queue_in_place_in_english(served_twilio, browser):
    served, telephony = served_twilio
    page = console(browser, served, "agent1")
    page.goto(f"{served.url}/console/?lang=en")
    page.evaluate("window.consoleMarker = 'the same page'")
    loads = []
    page.on("load", lambda: loads.append(page.url))
    badge = page.locator("#state [data-state]")

    page.click("#state form:has(input[value=available]) button")
    wait_for_state(page, "available")
    page.locator("#voice-status", has_text="Connected").wait_for(timeout=10_000)
    assert badge.inner_text() == "Available"

    live = telephony.open_call(CALLER)
    telephony.post("/twilio/voice", {"CallSid": live.sid, "From": CALLER, "To": "12333"})
    offer = page.locator("#reservation")
    offer.wait_for(timeout=10_000)
    call_id = offer.get_attribute("data-call-id")
    # Drawn by the script, in the page's language: the words come from the page.
    assert badge.inner_text() == "Reserved"
    assert offer.locator("[data-fact='language']").inner_text() == "Mandarin"
    assert "Call offered" in offer.inner_text()

    page.click("#decline")
    wait_for_state(page, "available")
    assert badge.inner_text() == "Available"
    assert offer.is_hidden()
    # The call waits again (it is never offered back to who declined it): the queue shows it.
    waiting = page.locator(f"#queue-calls tr[data-call-id='{call_id}']")
    waiting.wait_for(timeout=10_000)
    assert "13800138000" in waiting.inner_text()
    assert page.inner_text("#queue-count") == "1"

    # The caller gives up: the queue empties, in place.
    telephony.post("/twilio/voice/status", {"CallSid": live.sid, "CallStatus": "completed"})
    page.locator("#queue-empty").wait_for(timeout=10_000)
    assert page.inner_text("#queue-count") == "0"

    assert page.evaluate("window.consoleMarker") == "the same page"
    assert loads == []
    assert [entry["device"] for entry in log(page) if "device" in entry] == ["new", "register"]
    page.request.post(f"{served.url}/api/v1/agent/state", data={"state": "offline"})
    page.close()
