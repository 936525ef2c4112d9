"""Live pages in a real browser: told by the server (server-sent events), not polling, and
nothing typed is ever lost (a caller hanging up, a redraw, a reload)."""

from __future__ import annotations

import pytest

from tests.served import outbox, served_product, signed_post

pytestmark = pytest.mark.slow

CALLER = "+8613800138111"


@pytest.fixture(scope="module")
def served_live(tmp_path_factory):
    with served_product("sqlite", tmp_path_factory.mktemp("live")) as product:
        yield product


def log_in(browser, served, username: str, password: str, landing: str):
    page = browser.new_page()
    page.goto(f"{served.url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{served.url}{landing}")
    return page


def wait_until_live(page) -> None:
    page.wait_for_function("document.documentElement.dataset.live === 'live'", timeout=10_000)


def wait_for_state(page, state: str) -> None:
    page.wait_for_function(
        "state => document.querySelector('#state [data-state]').dataset.state === state",
        arg=state,
        timeout=10_000,
    )


def test_an_idle_console_does_not_poll_and_is_told_of_its_offer(served_live, browser):
    page = log_in(browser, served_live, "agent1", "agent-12345", "/console/")
    asked = []
    page.on("request", lambda r: "/api/v1/agent/status" in r.url and asked.append(r.url))
    page.click("#state button:has-text('置闲')")
    wait_for_state(page, "available")
    wait_until_live(page)
    page.wait_for_timeout(3000)  # the stream's first messages have the page ask
    settled = len(asked)
    page.wait_for_timeout(4500)  # two rounds of the old polling
    assert len(asked) == settled, "an idle console on the live stream asks nothing"
    asked.clear()

    call_sid = "CA" + "d" * 32
    params = {"CallSid": call_sid, "From": CALLER, "To": "12333"}
    assert signed_post(served_live, "/twilio/voice", params).status_code == 200
    page.locator("#reservation").wait_for(timeout=10_000)
    assert page.get_attribute("#reservation", "data-call-id")
    assert len(asked) >= 1  # the page asked its status because it was told
    page.click("#decline")
    page.locator("#reservation").wait_for(state="hidden", timeout=10_000)
    page.close()


def test_a_work_order_draft_survives_the_caller_hanging_up_and_a_reload(served_live, browser):
    page = log_in(browser, served_live, "agent1", "agent-12345", "/console/")
    if page.get_attribute("#state [data-state]", "data-state") != "available":
        page.click("#state button:has-text('置闲')")
        wait_for_state(page, "available")
    wait_until_live(page)
    call_sid = "CA" + "e" * 32
    params = {"CallSid": call_sid, "From": CALLER, "To": "12333"}
    assert signed_post(served_live, "/twilio/voice", params).status_code == 200
    page.locator("#reservation").wait_for(timeout=10_000)
    page.click("#accept")
    wait_for_state(page, "on_call")

    page.fill("#description", "退休后养老金两个月没有到账，想问原因")
    page.fill("#citizen_name", "陈先生")
    page.fill("#address", "天河区石牌街道华师路1号")
    page.wait_for_timeout(400)  # the draft is kept a moment after the last key

    # The caller hangs up while the agent types: the console follows, the words stay.
    hung_up = {"CallSid": call_sid, "CallStatus": "completed", "CallDuration": "40"}
    assert signed_post(served_live, "/twilio/voice/status", hung_up).status_code in (200, 204)
    wait_for_state(page, "wrap_up")
    assert page.input_value("#description") == "退休后养老金两个月没有到账，想问原因"
    assert page.input_value("#citizen_name") == "陈先生"

    # A reload (or a crash) brings the draft back, and says so.
    page.reload()
    assert page.input_value("#description") == "退休后养老金两个月没有到账，想问原因"
    assert page.input_value("#address") == "天河区石牌街道华师路1号"
    assert page.locator(".draft-note").is_visible()

    # Filing the order discards the draft.
    page.select_option("#category", "SOCINS.PENSION")
    page.click("#new-work-order button[type=submit]")
    page.wait_for_url("**/console/orders/**")
    page.goto(f"{served_live.url}/console/")
    assert page.input_value("#description") == ""
    assert page.locator(".draft-note").count() == 0
    page.close()


def test_text_threads_follow_live_and_keep_a_reply_being_typed(served_live, browser):
    page = log_in(browser, served_live, "agent2", "agent-12345", "/console/")
    page.goto(f"{served_live.url}/console/conversations/")
    wait_until_live(page)
    citizen = {"From": "+8613700137111", "To": "12345"}

    # A citizen asks for a person: the list shows the thread and its alert by itself.
    signed_post(served_live, "/twilio/sms", {**citizen, "MessageSid": "SM" + "a" * 32, "Body": "0"})
    page.locator("#conversations a:has-text('13700137111')").wait_for(timeout=10_000)
    page.locator("#waiting-alert").wait_for(timeout=10_000)
    assert page.title().startswith("(")

    page.click("a:has-text('13700137111')")
    page.click("#take-over")
    page.locator("#send").wait_for(timeout=10_000)
    wait_until_live(page)
    page.fill("#body", "您好，请问路灯在哪条路")

    # The citizen writes again while the agent types: the thread grows, the reply stays.
    signed_post(
        served_live,
        "/twilio/sms",
        {**citizen, "MessageSid": "SM" + "b" * 32, "Body": "中山大道西路口"},
    )
    page.locator(".message.in >> text=中山大道西路口").wait_for(timeout=10_000)
    assert page.input_value("#body") == "您好，请问路灯在哪条路"
    page.reload()
    assert page.input_value("#body") == "您好，请问路灯在哪条路"
    page.close()


def test_the_wallboard_and_the_dispatcher_desk_follow_live(served_live, browser):
    page = log_in(browser, served_live, "supervisor", "supervisor-12345", "/supervisor/")
    wait_until_live(page)
    asked = []
    page.on("request", lambda r: r.url.rstrip("/").endswith("/supervisor") and asked.append(1))
    before = page.inner_text("#agents")
    agent = log_in(browser, served_live, "agent3", "agent-12345", "/console/")
    agent.click("#state button:has-text('小休')")
    page.wait_for_function(
        "before => document.querySelector('#agents').innerText !== before", arg=before
    )
    assert asked, "the desk redrew itself from the server"

    board = browser.new_page()
    board.context.add_cookies(page.context.cookies())
    board.goto(f"{served_live.url}/supervisor/wallboard")
    wait_until_live(board)
    board.wait_for_function("document.getElementById('wallboard').dataset.loaded === 'true'")
    shown = board.inner_text("#wallboard")
    agent.click("#state button:has-text('置闲')")
    board.wait_for_function(
        "shown => document.getElementById('wallboard').innerText !== shown", arg=shown
    )
    for opened in (page, agent, board):
        opened.close()


def test_a_transfer_reaches_the_other_queue_with_its_note(served_live, browser):
    first = log_in(browser, served_live, "agent1", "agent-12345", "/console/")
    second = log_in(browser, served_live, "agent2", "agent-12345", "/console/")
    for page in (first, second):
        if page.get_attribute("#state [data-state]", "data-state") == "wrap_up":
            page.select_option("#wrap-up", "other")
            page.click("#ready")
        elif page.get_attribute("#state [data-state]", "data-state") != "available":
            page.click("#state button:has-text('置闲')")
        wait_for_state(page, "available")
    set_break = second.locator("#state button:has-text('小休')")
    set_break.click()  # the second agent takes no 12333 call: only the transfer
    wait_for_state(second, "break")

    call_sid = "CA" + "f" * 32
    params = {"CallSid": call_sid, "From": "+8613800138222", "To": "12333"}
    assert signed_post(served_live, "/twilio/voice", params).status_code == 200
    first.locator("#reservation").wait_for(timeout=10_000)
    first.click("#accept")
    wait_for_state(first, "on_call")
    second.click("#state button:has-text('置闲')")
    wait_for_state(second, "available")

    first.click("#transfer summary")
    first.select_option("#transfer-target", "queue:general")
    first.fill("#transfer-note", "市民还想问公积金提取，请接着解答")
    first.click("#transfer button[type=submit]")
    wait_for_state(first, "wrap_up")
    assert first.locator("#wrap-up").is_visible()

    # The caller waits in the general queue; the second console is offered it, with the note.
    offer = second.locator("#reservation")
    offer.wait_for(timeout=10_000)
    assert (
        offer.locator("[data-fact='transfer-note']").inner_text()
        == "市民还想问公积金提取，请接着解答"
    )
    second.click("#accept")
    wait_for_state(second, "on_call")

    # The second agent holds the caller while looking something up, then takes them back.
    second.click("#hold")
    second.locator("#on-hold").wait_for(timeout=10_000)
    assert second.locator("#hold").is_hidden() and second.locator("#resume").is_visible()
    second.click("#resume")
    second.locator("#on-hold").wait_for(state="hidden", timeout=10_000)
    assert second.locator("#hold").is_visible()
    for page in (first, second):
        page.close()


def test_a_warm_transfer_consults_the_colleague_then_puts_the_caller_through(served_live, browser):
    first = log_in(browser, served_live, "agent1", "agent-12345", "/console/")
    second = log_in(browser, served_live, "agent3", "agent-12345", "/console/")
    for page in (first, second):
        if page.get_attribute("#state [data-state]", "data-state") == "wrap_up":
            page.select_option("#wrap-up", "other")
            page.click("#ready")
        elif page.get_attribute("#state [data-state]", "data-state") != "available":
            page.click("#state button:has-text('置闲')")
        wait_for_state(page, "available")
    second.locator("#state button:has-text('小休')").click()
    wait_for_state(second, "break")

    call_sid = "CA" + "9" * 32
    params = {"CallSid": call_sid, "From": "+8613800138333", "To": "12333"}
    assert signed_post(served_live, "/twilio/voice", params).status_code == 200
    first.locator("#reservation").wait_for(timeout=10_000)
    call_id = first.get_attribute("#reservation", "data-call-id")
    first.click("#accept")
    wait_for_state(first, "on_call")
    agent_id = first.evaluate("window.hotlineConsole.status().agent.id")
    # Twilio says the agent picked up the bridge's dial, and which leg is theirs.
    answered = {"CallSid": "CA" + "7" * 32, "ParentCallSid": call_sid, "CallStatus": "in-progress"}
    leg = f"/twilio/voice/leg-answered/{call_id}?agent={agent_id}"
    assert signed_post(served_live, leg, answered).status_code == 200
    second.click("#state button:has-text('置闲')")
    wait_for_state(second, "available")

    colleague = second.evaluate("window.hotlineConsole.status().agent")
    first.click("#transfer summary")
    first.select_option("#transfer-target", f"agent:{colleague['id']}")
    first.fill("#transfer-note", "市民要问残疾人补贴，请您接着解答")
    first.check("#transfer-warm")
    first.click("#transfer button[type=submit]")
    first.locator("#consulting").wait_for(timeout=10_000)
    assert colleague["name"] in first.inner_text("#consulting")
    assert first.locator("#resume").is_hidden() and first.locator("#transfer").is_hidden()
    asked = second.locator("#consulted")
    asked.wait_for(timeout=10_000)
    assert "市民要问残疾人补贴" in asked.inner_text()
    wait_for_state(second, "on_call")

    # The colleague's call is answered (Twilio's REST call, in the outbox), then put through.
    placed = next(r for r in reversed(outbox(served_live)) if r["kind"] == "call")
    assert placed["to"] == f"client:{colleague['client']}"
    first.click("#complete-consult")
    wait_for_state(first, "wrap_up")
    second.locator("#current-call").wait_for(timeout=10_000)
    assert second.get_attribute("#current-call", "data-call-id") == call_id
    assert asked.is_hidden()
    for page in (first, second):
        page.close()
