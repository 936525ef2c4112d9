"""An agent in a real browser (Debian's Chromium driven by Playwright) takes a call."""

from __future__ import annotations

import pytest

from tests.served import outbox, signed_post

pytestmark = pytest.mark.slow

SPEECH = '<img src=x onerror="document.body.dataset.pwned=1">养老金'


def wait_for_state(page, state: str) -> None:
    """Until the console shows the agent in ``state`` (it changes in place, not on a reload)."""
    page.wait_for_function(
        "state => document.querySelector('#state [data-state]').dataset.state === state", arg=state
    )


def test_an_agent_sees_the_offered_call_appear_and_accepts_it(served, browser):
    page = browser.new_page()
    page.goto(f"{served.url}/login")
    page.fill("#username", "agent1")
    page.fill("#password", "agent-12345")
    page.click("button[type=submit]")
    page.wait_for_url(f"{served.url}/console/")
    page.click("#state button:has-text('置闲')")
    wait_for_state(page, "available")

    # A citizen calls the old social-security line and says something hostile.
    call_sid = "CA" + "b" * 32
    params = {"CallSid": call_sid, "From": "+8613800138000", "To": "12333"}
    assert signed_post(served, "/twilio/voice", params).status_code == 200

    # Without touching the page, the console notices the offer (it polls) and shows it.
    offer = page.locator("#reservation")
    offer.wait_for(timeout=10_000)
    assert "12333" in offer.inner_text()
    page.click("#accept")
    page.locator("#current-call").wait_for(timeout=10_000)
    assert page.get_attribute("#state [data-state]", "data-state") == "on_call"

    redirects = [r for r in outbox(served) if r["kind"] == "redirect"]
    assert [r["call_sid"] for r in redirects] == [call_sid]
    assert redirects[0]["url"].startswith(f"{served.url}/twilio/voice/bridge/")
    # The category of the merged line is preselected for the work order.
    assert page.eval_on_selector("#category", "e => e.value") == "SOCINS.PENSION"

    page.click("#current-call button:has-text('结束通话')")
    page.locator("#ready").wait_for(timeout=10_000)
    assert page.get_attribute("#state [data-state]", "data-state") == "wrap_up"
    page.close()


def test_speech_from_a_caller_is_shown_as_text_never_run(served, browser):
    page = browser.new_page()
    page.goto(f"{served.url}/login")
    page.fill("#username", "agent3")
    page.fill("#password", "agent-12345")
    page.click("button[type=submit]")
    page.wait_for_url(f"{served.url}/console/")
    page.click("#state button:has-text('置闲')")
    wait_for_state(page, "available")

    call_sid = "CA" + "c" * 32
    signed_post(
        served, "/twilio/voice", {"CallSid": call_sid, "From": "+8613800000001", "To": "12345"}
    )
    signed_post(served, "/twilio/voice/language", {"CallSid": call_sid, "Digits": "1"})
    signed_post(served, "/twilio/voice/menu", {"CallSid": call_sid, "SpeechResult": SPEECH})
    page.locator("#reservation").wait_for(timeout=10_000)
    assert SPEECH in page.inner_text("#reservation .speech")
    assert page.evaluate("document.body.dataset.pwned") is None
    assert page.locator("#reservation img").count() == 0
    page.close()
