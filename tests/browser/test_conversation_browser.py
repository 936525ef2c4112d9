"""An agent takes over a text conversation in the browser and replies."""

from __future__ import annotations

import pytest

from tests.served import outbox, signed_post

pytestmark = pytest.mark.slow


def test_an_agent_takes_over_a_thread_and_the_reply_is_texted(served, browser):
    citizen = {"From": "+8613700137000", "To": "12345"}
    signed_post(served, "/twilio/sms", {**citizen, "MessageSid": "SM" + "1" * 32, "Body": "0"})
    page = browser.new_page()
    page.goto(f"{served.url}/login")
    page.fill("#username", "agent2")
    page.fill("#password", "agent-12345")
    page.click("button[type=submit]")
    page.goto(f"{served.url}/console/conversations/")
    page.click("a:has-text('13700137000')")
    page.click("#take-over")
    page.locator("#send").wait_for(timeout=10_000)

    # The citizen writes again; the open page shows it without a manual reload.
    signed_post(
        served,
        "/twilio/sms",
        {**citizen, "MessageSid": "SM" + "2" * 32, "Body": "<b>路灯</b>坏了三天了"},
    )
    page.locator(".message.in >> text=坏了三天了").wait_for(timeout=10_000)
    assert page.locator(".message.in b").count() == 0  # shown as text

    page.fill("#body", "您好，已为您登记，路灯将在两天内修复。")
    page.click("#send")
    page.locator(".message.out >> text=两天内修复").wait_for(timeout=10_000)
    texts = [r for r in outbox(served) if r["kind"] == "sms" and r["to"] == "+8613700137000"]
    assert texts[-1]["body"] == "您好，已为您登记，路灯将在两天内修复。"
    # Once an agent has the thread, the citizen's texts get no automatic answer.
    assert not any("坏了" in r["body"] for r in texts)
    page.close()
