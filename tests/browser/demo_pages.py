"""The demo product with some life in it, for the tests and screenshots that look at every
page: a login per role, a text thread, a call waiting, and an agent who takes a call."""

from __future__ import annotations

from collections.abc import Iterator

from tests.served import Served, signed_post

# role -> (username, password), as `hotline seed --demo` prints them.
LOGINS = {
    "agent": ("agent1", "agent-12345"),
    "supervisor": ("supervisor", "supervisor-12345"),
    "department": ("rsj", "dept-12345"),
    "admin": ("admin", "admin-12345"),
    "monitor": ("monitor", "monitor-12345"),
}
ROLES = tuple(LOGINS)
CITIZEN = "+8613700137000"  # texts
CALLER = "+8613800138000"


def log_in(page, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/login?lang=zh")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")


def seed_activity(served: Served) -> None:
    """A citizen's text thread, and a caller in the voice menu."""
    for index, body in enumerate(("0", "小区路灯坏了三天了，晚上很黑。")):
        params = {"From": CITIZEN, "To": "12345", "MessageSid": f"SM{index:032d}", "Body": body}
        assert signed_post(served, "/twilio/sms", params).status_code == 200
    # The caller who later rings the agent: their earlier call shows on the offer.
    params = {"CallSid": "CA" + "c" * 32, "From": CALLER, "To": "12345"}
    assert signed_post(served, "/twilio/voice", params).status_code == 200


def _wait_for_state(page, state: str) -> None:
    page.wait_for_function(
        "state => document.querySelector('#state [data-state]').dataset.state === state",
        arg=state,
        timeout=10_000,
    )


def take_a_call(page, served: Served) -> Iterator[str]:
    """The agent logged in on ``page`` goes available and takes a call to the old social-
    security line; yields at each moment worth looking at (offered, on the call, wrapping up),
    with the console open on it."""
    page.goto(f"{served.url}/console/?lang=zh")
    page.click("#state form:has(input[value=available]) button")
    _wait_for_state(page, "available")
    params = {"CallSid": "CA" + "d" * 32, "From": CALLER, "To": "12333"}
    assert signed_post(served, "/twilio/voice", params).status_code == 200
    page.locator("#reservation").wait_for(timeout=10_000)
    yield "offered"
    page.goto(f"{served.url}/console/")
    page.click("#accept")
    page.locator("#current-call").wait_for(timeout=10_000)
    yield "on the call"
    page.goto(f"{served.url}/console/")
    page.click("form[data-console=finish] button")
    _wait_for_state(page, "wrap_up")
    yield "wrapping up"
