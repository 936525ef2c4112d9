"""The knowledge base beside a text thread's reply, in a real browser: searched first with the
citizen's question, an answer inserted with the keyboard at the cursor between the words the
agent typed, the length and the draft following, and the reply sent into the thread."""

from __future__ import annotations

import pytest

from tests.browser.test_accessibility_browser import violations
from tests.served import outbox, signed_post

pytestmark = pytest.mark.slow

CITIZEN = {"From": "+8613700137888", "To": "12345"}
QUESTION = "我家楼下的路灯晚上不亮了，怎么报修？"
BEFORE, AFTER = "您好，", "如仍未修复请再联系我们。"


def test_an_answer_is_inserted_at_the_cursor_and_sent(served, browser):
    signed_post(served, "/twilio/sms", {**CITIZEN, "MessageSid": "SM" + "7" * 32, "Body": QUESTION})
    signed_post(served, "/twilio/sms", {**CITIZEN, "MessageSid": "SM" + "8" * 32, "Body": "0"})
    page = browser.new_page(viewport={"width": 800, "height": 900})
    page.goto(f"{served.url}/login")
    page.fill("#username", "agent3")
    page.fill("#password", "agent-12345")
    page.click("button[type=submit]")
    page.goto(f"{served.url}/console/conversations/")
    page.click("a:has-text('13700137888')")
    page.click("#take-over")
    page.locator("#send").wait_for(timeout=10_000)

    # The search starts from the citizen's question, not from the "0" that asked for us.
    assert page.input_value("#kb-query") == QUESTION
    hits = page.locator("#kb-results .kb-hit")
    hits.first.wait_for(timeout=10_000)
    title = hits.first.locator(".kb-title").inner_text()
    assert title and hits.first.locator(".kb-snippet").inner_text()
    answer = page.evaluate(
        """query => fetch('/api/v1/kb/search?q=' + encodeURIComponent(query))
            .then(response => response.json()).then(data => data.results[0].answer)""",
        QUESTION,
    )
    assert answer

    # The agent writes a greeting and a closing, and puts the cursor between them.
    page.fill("#body", BEFORE + AFTER)
    page.evaluate("at => document.getElementById('body').setSelectionRange(at, at)", len(BEFORE))
    # From the search box down to the first hit, and Enter inserts its answer.
    page.focus("#kb-query")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.closest('.kb-hit') !== null")
    page.keyboard.press("Enter")
    expected = BEFORE + answer + AFTER
    assert page.input_value("#body") == expected
    assert page.evaluate("document.activeElement.id") == "body"
    length = len(expected)
    assert page.inner_text("#body-count").startswith(f"{length} / 1600")
    assert "答案已插入回复" in page.inner_text("#kb-status")

    # Nothing in the panel or the reply breaks axe's rules, with the hits shown.
    assert violations(page) == []

    # The draft is kept: a reload puts the reply back as it was.
    page.wait_for_timeout(400)
    page.reload()
    page.locator("#send").wait_for()
    assert page.input_value("#body") == expected
    assert page.inner_text("#body-count").startswith(f"{length} / 1600")

    page.click("#send")
    sent = page.locator(".message.out .body", has_text=AFTER)
    sent.wait_for(timeout=10_000)
    assert sent.inner_text() == expected
    texts = [r for r in outbox(served) if r["kind"] == "sms" and r["to"] == CITIZEN["From"]]
    assert texts[-1]["body"] == expected

    # In English, the panel and the counter speak English, and axe finds nothing either.
    page.goto(page.url.split("?")[0] + "?lang=en")
    page.locator("#kb-results .kb-hit").first.wait_for(timeout=10_000)
    assert "characters" in page.inner_text("#body-count")
    assert "Knowledge base" in page.inner_text("#kb-panel")
    assert violations(page) == []
    page.close()
