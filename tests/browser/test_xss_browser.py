"""Markup planted by citizens and editors (a text, a work order, the caller's speech, a
knowledge-base article) is shown as text on every page that shows it, in a real browser:
the script never runs and the words appear as typed."""

from __future__ import annotations

import json

import pytest
import requests
import sqlalchemy as sa

from tests.served import hotline, signed_post

pytestmark = pytest.mark.slow

PAYLOADS = ("<script>window.__xss=1</script>", '"><img src=x onerror=window.__xss=1>')
LOGINS = {
    "supervisor": "supervisor-12345",
    "rsj": "dept-12345",  # staff of GZ-RSJ, the unit of pension orders
}


def planted_text(payload: str) -> str:
    return f"我们小区门口的井盖不见了{payload}，晚上很危险"


@pytest.fixture(scope="module")
def planted(served, tmp_path_factory):
    """Each payload in an SMS, a work order, a knowledge-base article; returns the numbers."""
    articles = tmp_path_factory.mktemp("xss") / "articles.jsonl"
    articles.write_text(
        "\n".join(
            json.dumps(
                {
                    "id": f"HL-XSS{i}",
                    "title": f"养老金资格认证{payload}",
                    "questions": [f"养老金资格认证怎么做{payload}"],
                    "answer": f"每年认证一次{payload}",
                    "category": "SOCINS.PENSION",
                    "unit": "GZ-RSJ",
                    "keywords": ["养老金资格认证"],
                },
                ensure_ascii=False,
            )
            for i, payload in enumerate(PAYLOADS)
        )
        + "\n"
    )
    imported = hotline("kb", "import", str(articles), env=served.env)
    assert imported.returncode == 0, imported.stderr

    api = requests.Session()
    response = api.post(
        f"{served.url}/api/v1/session",
        json={"username": "supervisor", "password": LOGINS["supervisor"]},
        timeout=10,
    )
    assert response.status_code == 200
    orders = []
    for i, payload in enumerate(PAYLOADS):
        texted = signed_post(
            served,
            "/twilio/sms",
            {
                "From": f"+861370013710{i}",
                "MessageSid": f"SM{0xE55000 + i:032x}",
                "Body": planted_text(payload),
            },
        )
        assert texted.status_code == 200
        response = api.post(
            f"{served.url}/api/v1/workorders",
            json={
                "category": "SOCINS.PENSION",
                "description": f"养老金未到账{payload}",
                "citizen_name": payload,
                "address": f"天河路{payload}",
                "citizen_phone": f"1370013720{i}",
            },
            timeout=10,
        )
        assert response.status_code == 201, response.text
        assert response.json()["unit"] == "GZ-RSJ"
        orders.append(response.json()["number"])
    engine = sa.create_engine(served.env["HOTLINE_DATABASE_URL"])
    with engine.connect() as connection:
        # A text becomes a work order unless the knowledge base answers it with confidence.
        sms_orders = connection.execute(
            sa.text("SELECT number, description FROM work_orders WHERE channel = 'sms'")
        ).all()
        texts = connection.execute(
            sa.text("SELECT conversation_id, body FROM messages WHERE direction = 'in'")
        ).all()
    engine.dispose()
    planted = {
        "api": list(zip(orders, PAYLOADS, strict=True)),
        "sms": [(n, p) for n, body in sms_orders for p in PAYLOADS if body == planted_text(p)],
        "conversations": [(c, p) for c, body in texts for p in PAYLOADS if body == planted_text(p)],
    }
    assert len(planted["conversations"]) == len(PAYLOADS), planted
    assert planted["sms"], planted
    return planted


def log_in(browser, served, username: str):
    page = browser.new_page()
    page.goto(f"{served.url}/login")
    page.fill("#username", username)
    page.fill("#password", LOGINS[username])
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def assert_shown_as_text(page, payloads=PAYLOADS, where: str = "body") -> None:
    assert page.evaluate("typeof window.__xss") == "undefined", page.url
    text = page.inner_text(where)
    for payload in payloads:
        assert payload in text, (page.url, payload)


def hang_up_everyone_else(served) -> None:
    """Calls left queued by other tests on this served instance would be offered first, and
    their agents might take ours."""
    engine = sa.create_engine(served.env["HOTLINE_DATABASE_URL"])
    with engine.connect() as connection:
        waiting = connection.execute(
            sa.text("SELECT call_sid FROM calls WHERE status IN ('ivr', 'queued', 'connected')")
        ).scalars()
        waiting = list(waiting)
    engine.dispose()
    for call_sid in waiting:
        signed_post(
            served, "/twilio/voice/status", {"CallSid": call_sid, "CallStatus": "completed"}
        )
    # And the other agents log off, so that the next call is offered to ours.
    for username in ("agent1", "agent2", "agent3"):
        agent = requests.Session()
        credentials = {"username": username, "password": "agent-12345"}
        assert agent.post(f"{served.url}/api/v1/session", json=credentials, timeout=10).ok
        agent.post(f"{served.url}/api/v1/agent/state", json={"state": "offline"}, timeout=10)
        status = agent.get(f"{served.url}/api/v1/agent/status", timeout=10).json()
        assert status["state"] == "offline", (username, status)


def test_planted_markup_is_text_on_every_page_that_shows_it(served, browser, planted):
    pages = 0
    desk = log_in(browser, served, "supervisor")
    desk.goto(f"{served.url}/supervisor/")
    assert_shown_as_text(desk, [])  # numbers and units only
    desk.goto(f"{served.url}/console/conversations/")
    assert_shown_as_text(desk, [])  # each thread's latest message, which may be our reply
    pages += 2
    for conversation, payload in planted["conversations"]:
        desk.goto(f"{served.url}/console/conversations/{conversation}")
        assert_shown_as_text(desk, [payload])
        pages += 1
    for number, payload in planted["sms"] + planted["api"]:
        desk.goto(f"{served.url}/console/orders/{number}")
        assert_shown_as_text(desk, [payload])
        pages += 1
    desk.close()

    portal = log_in(browser, served, "rsj")
    portal.goto(f"{served.url}/dept/")
    assert_shown_as_text(portal, [])  # the list shows numbers and deadlines only
    pages += 1
    for number, payload in planted["api"]:
        portal.goto(f"{served.url}/dept/orders/{number}")
        assert_shown_as_text(portal, [payload])
        pages += 1
    portal.close()
    assert pages == 3 + len(planted["conversations"]) + len(planted["sms"]) + 2 * len(PAYLOADS)


def test_speech_and_articles_are_text_in_the_console_and_the_gap_report(served, browser, planted):
    hang_up_everyone_else(served)
    desk = log_in(browser, served, "supervisor")
    desk.goto(f"{served.url}/console/")
    desk.click("#state button:has-text('置闲')")
    for i, payload in enumerate(PAYLOADS):
        call_sid = f"CA{0xE55000 + i:032x}"
        signed_post(
            served, "/twilio/voice", {"CallSid": call_sid, "From": "+8613800000099", "To": "12345"}
        )
        signed_post(served, "/twilio/voice/language", {"CallSid": call_sid, "Digits": "1"})
        signed_post(
            served,
            "/twilio/voice/menu",
            {"CallSid": call_sid, "SpeechResult": f"养老金资格认证{payload}"},
        )
        desk.locator("#reservation").wait_for(timeout=15_000)
        assert_shown_as_text(desk, [payload], "#reservation .speech")
        desk.click("#accept")
        desk.locator("#current-call").wait_for(timeout=10_000)
        assert_shown_as_text(desk, [payload], "#current-call .speech")
        # The panel searches the caller's words at once; the planted articles come back.
        assert desk.input_value("#kb-query") == f"养老金资格认证{payload}"
        desk.fill("#kb-query", "养老金资格认证")
        hit = desk.locator(f".kb-hit[data-article-id='HL-XSS{i}']")
        hit.wait_for(timeout=10_000)
        assert_shown_as_text(desk, [payload], f".kb-hit[data-article-id='HL-XSS{i}']")
        hit.locator(".kb-toggle").click()  # a hit opens to its answer and actions
        hit.locator(".kb-more summary").click()
        hit.locator("button[data-action='not_helpful']").click()
        desk.locator("#kb-status:has-text('已记录反馈')").wait_for(timeout=10_000)
        desk.click("#current-call button:has-text('结束通话')")
        desk.locator("#ready").wait_for(timeout=10_000)
        desk.select_option("#wrap-up", "other")
        desk.click("#ready")
        desk.wait_for_load_state()
    desk.goto(f"{served.url}/reports/kb-gaps")
    assert_shown_as_text(desk)
    desk.close()
