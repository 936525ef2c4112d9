"""Every page passes axe-core's WCAG 2 A and AA rules, and its best practices, in a real
browser, in Chinese and in English: the login page, each page in the menu of each role, an
order, a text thread, the wallboard and the error page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.served import served_product, signed_post

pytestmark = pytest.mark.slow

# Copied from node_modules by `make install`, at the version package-lock.json pins.
AXE = Path(__file__).parents[2] / "hotline" / "static" / "vendor" / "axe.min.js"
LOGINS = {
    "agent1": "agent-12345",
    "supervisor": "supervisor-12345",
    "rsj": "dept-12345",  # staff of GZ-RSJ
    "monitor": "monitor-12345",
    "admin": "admin-12345",
}
LANGUAGES = ["zh", "en"]
SHOWN_TARGETS = 6
HAN = re.compile(r"[\u4e00-\u9fff]")
# WCAG 2 A and AA, and axe's best practices: landmarks, heading order, one main, one h1.
TAGS = ["wcag2a", "wcag2aa", "best-practice"]
RUN_AXE = """tags => axe.run(document, {runOnly: {type: "tag", values: tags}})
    .then(result => result.violations.map(v => ({
        id: v.id, impact: v.impact, targets: v.nodes.map(n => n.target.join(" "))
    })))"""
# axe leaves a table without <th> alone (it may be for layout); here every table holds data.
HEADERLESS_TABLES = """() => Array.from(document.querySelectorAll("table"))
    .filter(table => table.querySelector("td") && !table.querySelector("th"))
    .map(table => table.id ? "#" + table.id : "#" + table.closest("[id]").id + " table")"""


@pytest.fixture(scope="module")
def own_served(tmp_path_factory):
    """An instance of its own for the calls: the shared one's other tests count what its
    outbox sent, and take the calls of whoever is available."""
    with served_product("sqlite", tmp_path_factory.mktemp("accessibility")) as product:
        yield product


@pytest.fixture(scope="module")
def records(served):
    """A text thread and an order of GZ-RSJ's (one of the demo history's)."""
    texted = signed_post(
        served,
        "/twilio/sms",
        {"From": "+8613700137300", "MessageSid": f"SM{0xA11000:032x}", "Body": "路灯坏了"},
    )
    assert texted.status_code == 200
    engine = sa.create_engine(served.env["HOTLINE_DATABASE_URL"])
    with engine.connect() as connection:
        conversation = connection.execute(
            sa.text("SELECT id FROM conversations WHERE phone LIKE '%13700137300'")
        ).scalar_one()
        order = (
            connection.execute(
                sa.text("SELECT number FROM work_orders WHERE unit_code = 'GZ-RSJ' ORDER BY id")
            )
            .scalars()
            .first()
        )
    engine.dispose()
    assert order is not None
    return {"conversation": conversation, "order": order}


def violations(page) -> list[str]:
    """What axe finds on the page as it stands, one line per rule broken."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make install` copies it from node_modules")
    page.wait_for_load_state("load")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(RUN_AXE, TAGS)
    lines = [f"{page.url}: {v['id']} ({v['impact']}) at {where(v['targets'])}" for v in found]
    headerless = page.evaluate(HEADERLESS_TABLES)
    if headerless:
        lines.append(f"{page.url}: tables without column headers at {where(headerless)}")
    return lines


def where(targets: list[str]) -> str:
    shown = ", ".join(targets[:SHOWN_TARGETS])
    more = len(targets) - SHOWN_TARGETS
    return f"{shown} and {more} more" if more > 0 else shown


def log_in(browser, served, username: str, language: str):
    page = browser.new_page()
    page.goto(f"{served.url}/login?lang={language}")
    page.fill("#username", username)
    page.fill("#password", LOGINS[username])
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def assert_states_in(language: str, shown: str) -> None:
    """The agents' states as the page's language says them, not as the data codes them."""
    assert shown and not re.search(r"available|offline|on_call|wrap_up", shown), shown
    assert bool(HAN.search(shown)) == (language == "zh"), shown


def extra_pages(username: str, records: dict) -> list[str]:
    """Pages outside the menu that the role reaches by following a link."""
    order, conversation = records["order"], records["conversation"]
    if username == "supervisor":
        return [
            f"/console/orders/{order}",
            f"/console/conversations/{conversation}",
            "/reports/bulletin",
            "/reports/agents",
        ]
    if username == "monitor":
        return ["/reports/bulletin"]
    if username == "rsj":
        return [f"/dept/orders/{order}"]
    if username == "agent1":
        return ["/console/no-such-page"]  # the error page
    return []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_passes_axe_for_every_role(served, browser, records, language):
    found: list[str] = []
    visited: list[str] = []
    page = browser.new_page()
    page.goto(f"{served.url}/login?lang={language}")
    assert page.get_attribute("html", "lang") == ("en" if language == "en" else "zh-CN")
    found += violations(page)
    visited.append(page.url)
    page.close()

    for username in LOGINS:
        page = log_in(browser, served, username, language)
        menu = page.locator("header nav a").evaluate_all("links => links.map(a => a.href)")
        assert menu, username
        if language == "en":  # the page says lang="en": its menu is in English
            labels = page.locator("header nav").inner_text()
            assert not HAN.search(labels), (username, labels)
        paths = [*menu, *(served.url + path for path in extra_pages(username, records))]
        for url in paths:
            page.goto(url)
            assert page.get_attribute("html", "lang") == ("en" if language == "en" else "zh-CN")
            if url.endswith("/supervisor/wallboard"):  # filled in by its script
                page.locator("#wallboard[data-loaded]").wait_for()
                assert_states_in(language, page.inner_text("#by-state"))
            found += violations(page)
            visited.append(f"{username} {page.url}")
            if page.locator("#take-over").count():  # the thread with the reply form
                page.click("#take-over")
                page.locator("#send").wait_for()
                found += violations(page)
                visited.append(f"{username} {page.url} (taken over)")
                page.click("form[action$='/release'] button")
                page.locator("#take-over").wait_for()
        page.close()

    assert any("/supervisor/wallboard" in url for url in visited), visited
    assert any("(taken over)" in url for url in visited), visited
    assert len(visited) >= 20, visited
    assert not found, "\n".join(found)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_console_passes_axe_through_a_call(own_served, browser, language):
    """What the console's script fills in as a call comes: the state taking calls, the offer
    with the caller's words, the call with the knowledge base's answers, the wrap-up."""
    served = own_served
    desk = log_in(browser, served, "supervisor", language)
    desk.goto(f"{served.url}/console/")
    desk.click("#state form[data-console='state']:has(input[value='available']) button")
    desk.locator("#state .state.available").wait_for(timeout=10_000)
    found = violations(desk)

    call_sid = f"CA{0xA11000 + LANGUAGES.index(language):032x}"
    caller = {"CallSid": call_sid, "From": "+8613800000077", "To": "12345"}
    signed_post(served, "/twilio/voice", caller)
    signed_post(served, "/twilio/voice/language", {"CallSid": call_sid, "Digits": "1"})
    signed_post(
        served, "/twilio/voice/menu", {"CallSid": call_sid, "SpeechResult": "养老金资格认证"}
    )
    desk.locator("#reservation").wait_for(timeout=15_000)
    found += violations(desk)
    desk.click("#accept")
    desk.locator("#current-call").wait_for(timeout=10_000)
    desk.locator(".kb-hit").first.wait_for(timeout=10_000)
    found += violations(desk)
    desk.click("#current-call form[data-console='finish'] button")
    desk.locator("#ready").wait_for(timeout=10_000)
    found += violations(desk)
    desk.select_option("#wrap-up", "answered")
    desk.click("#ready")
    desk.locator("#ready").wait_for(state="hidden", timeout=10_000)
    desk.click("#state form[data-console='state']:has(input[value='offline']) button")
    desk.close()
    assert not found, "\n".join(found)
