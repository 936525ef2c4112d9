"""The console and the dispatcher desk by keyboard alone: the first Tab offers a skip link
that jumps to the page's content, and every control Tab reaches shows where the focus is."""

from __future__ import annotations

import pytest

from tests.served import served_product, signed_post

pytestmark = pytest.mark.slow

LOGINS = {"agent1": "agent-12345", "supervisor": "supervisor-12345"}
SKIP_LINK = {"zh": "跳到主要内容", "en": "Skip to content"}
# More than either page has controls: the walk ends when the focus leaves the page.
TABS = 300
# A ring of at least two pixels (WCAG 2.4.13); the browser's own is one.
OUTLINE = 2
FOCUSED = """() => {
    const element = document.activeElement;
    const box = element.getBoundingClientRect();
    const style = getComputedStyle(element);
    return {
        tag: element.tagName.toLowerCase(),
        id: element.id,
        text: (element.innerText || element.value || element.getAttribute("aria-label") || "")
            .trim().slice(0, 40),
        visible: element.checkVisibility() && box.width > 0 && box.height > 0
            && box.bottom > 0 && box.right > 0
            && box.top < innerHeight && box.left < innerWidth,
        outline: style.outlineStyle === "none" ? 0 : parseFloat(style.outlineWidth),
    };
}"""


def described(focused: dict) -> str:
    seen = "visible" if focused["visible"] else "out of sight"
    element = f"<{focused['tag']} id={focused['id']!r}> {focused['text']!r}"
    return f"{element}: {seen}, outline {focused['outline']}px"


def log_in(browser, served, username: str, language: str):
    page = browser.new_page()
    page.goto(f"{served.url}/login?lang={language}")
    page.fill("#username", username)
    page.fill("#password", LOGINS[username])
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize(
    ("username", "path"), [("agent1", "/console/"), ("supervisor", "/supervisor/")]
)
def test_every_control_tab_reaches_shows_its_focus(served, browser, username, path, language):
    page = log_in(browser, served, username, language)
    page.goto(served.url + path)
    page.wait_for_load_state("load")
    unseen = []
    reached = []
    for _ in range(TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["tag"] == "body":  # past the last control
            break
        reached.append(focused)
        if not focused["visible"] or focused["outline"] < OUTLINE:
            unseen.append(focused)
    else:
        pytest.fail(f"{TABS} presses of Tab never left {path}: a focus trap?")
    page.close()
    assert len(reached) >= 10, [described(f) for f in reached]
    assert not unseen, "\n".join(described(f) for f in unseen)


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize(
    ("username", "path"), [("agent1", "/console/"), ("supervisor", "/supervisor/")]
)
def test_the_first_tab_offers_a_skip_link_to_the_content(served, browser, username, path, language):
    page = log_in(browser, served, username, language)
    page.goto(served.url + path)
    page.wait_for_load_state("load")
    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED)
    assert (focused["tag"], focused["text"]) == ("a", SKIP_LINK[language])
    assert focused["visible"] and focused["outline"] >= OUTLINE, focused

    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # The next Tab goes to the content's first control, past the menu.
    page.keyboard.press("Tab")
    inside = page.evaluate("() => document.querySelector('main').contains(document.activeElement)")
    assert inside, page.evaluate(FOCUSED)
    page.close()


@pytest.fixture(scope="module")
def own_served(tmp_path_factory):
    """An instance of its own for the call: on the shared one others may be available."""
    with served_product("sqlite", tmp_path_factory.mktemp("keyboard")) as product:
        yield product


def test_enter_on_a_link_follows_it_while_a_call_is_offered(own_served, browser):
    served = own_served
    page = log_in(browser, served, "supervisor", "zh")
    page.goto(f"{served.url}/console/")
    page.click("#state form[data-console='state']:has(input[value='available']) button")
    page.locator("#state .state.available").wait_for(timeout=10_000)
    call_sid = f"CA{0xA11F00:032x}"
    signed_post(
        served, "/twilio/voice", {"CallSid": call_sid, "From": "+8613800000078", "To": "12345"}
    )
    signed_post(served, "/twilio/voice/language", {"CallSid": call_sid, "Digits": "1"})
    signed_post(served, "/twilio/voice/menu", {"CallSid": call_sid, "SpeechResult": "养老金"})
    page.locator("#reservation").wait_for(timeout=15_000)

    page.focus(".skip-link")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert page.locator("#reservation").is_visible()  # still offered, not taken
    assert page.get_attribute("#state [data-state]", "data-state") == "reserved"
    # With the focus on no control, Enter is the shortcut that takes the call.
    page.keyboard.press("Enter")
    page.locator("#current-call").wait_for(timeout=10_000)
    page.close()
