"""The console and the dispatcher desk by keyboard alone: the first Tab offers a skip link
that jumps to the page's content, and every control Tab reaches shows where the focus is."""

from __future__ import annotations

import pytest

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
