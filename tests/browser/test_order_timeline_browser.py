"""An order's history read as a timeline in a real browser: dispatched, returned, decided
again, given more time and closed, each step with its local time, who took it by name, what it
did in words, in Chinese and in English, readable at 1280 and at 800 pixels."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests

pytestmark = pytest.mark.slow

LOCAL = ZoneInfo("Asia/Shanghai")
PASSWORDS = {"supervisor": "supervisor-12345", "rsj": "dept-12345"}
# What the order goes through, and who does it.
STEPS = [
    ("rsj", {"action": "return", "note": "该事项不属于本单位职责<b>"}),
    ("supervisor", {"action": "determine", "unit": "GZ-RSJ", "note": "经审定由市人社局办理"}),
    ("rsj", {"action": "sign"}),
    ("rsj", {"action": "request_extension", "working_days": 3, "note": "需要调取档案"}),
    ("supervisor", {"action": "approve_extension", "note": "同意延期"}),
    ("rsj", {"action": "reply", "note": "已补发养老金"}),
    ("supervisor", {"action": "callback", "satisfaction": "satisfied"}),
]


def api(served, username: str) -> requests.Session:
    session = requests.Session()
    response = session.post(
        f"{served.url}/api/v1/session",
        json={"username": username, "password": PASSWORDS[username]},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return session


@pytest.fixture(scope="module")
def closed_order(served):
    logins = {name: api(served, name) for name in PASSWORDS}
    created = logins["supervisor"].post(
        f"{served.url}/api/v1/workorders",
        json={
            "category": "SOCINS.PENSION",
            "description": "养老金三个月未到账",
            "citizen_name": "李先生",
            "citizen_phone": "13700137555",
        },
        timeout=10,
    )
    assert created.status_code == 201, created.text
    number = created.json()["number"]
    before_extension = None
    for username, step in STEPS:
        if step["action"] == "approve_extension":
            seen = logins["supervisor"].get(f"{served.url}/api/v1/workorders/{number}", timeout=10)
            before_extension = seen.json()["reply_deadline"]
        done = logins[username].post(
            f"{served.url}/api/v1/workorders/{number}/actions", json=step, timeout=10
        )
        assert done.status_code == 200, (step, done.text)
    detail = logins["supervisor"].get(f"{served.url}/api/v1/workorders/{number}", timeout=10)
    assert detail.json()["status"] == "closed"
    return {**detail.json(), "before_extension": before_extension}


def log_in(browser, served, width: int):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{served.url}/login")
    page.fill("#username", "supervisor")
    page.fill("#password", PASSWORDS["supervisor"])
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def shown_steps(page) -> list[dict]:
    return page.eval_on_selector_all(
        "#history > li",
        """items => items.map(item => {
          const time = item.querySelector('.timeline-head time');
          const box = time.getBoundingClientRect();
          return {
            event: item.dataset.event,
            time: time.textContent.trim(),
            datetime: time.getAttribute('datetime'),
            text: item.innerText,
            timeHeight: box.height,
            lineHeight: parseFloat(getComputedStyle(time).lineHeight),
          };
        })""",
    )


@pytest.mark.parametrize("width", [1280, 800])
def test_the_history_is_a_timeline_in_order_with_names_and_local_times(
    served, browser, closed_order, width
):
    events = closed_order["events"]
    actions = [event["action"] for event in events]
    for action in ("dispatch", "return", "determine", "approve_extension", "close"):
        assert action in actions, actions
    page = log_in(browser, served, width)
    page.goto(f"{served.url}/console/orders/{closed_order['number']}?lang=zh")
    steps = shown_steps(page)

    # Oldest first, one node per event, each at its local time (Asia/Shanghai).
    assert [step["event"] for step in steps] == actions
    for step, event in zip(steps, events, strict=True):
        at = datetime.fromisoformat(event["at"]).astimezone(LOCAL)
        assert step["time"] == at.strftime("%Y-%m-%d %H:%M")
        assert datetime.fromisoformat(step["datetime"]) == at.replace(microsecond=0)
        assert step["datetime"].endswith("+08:00")
        # A date never wraps, at either width: one line high.
        assert step["timeHeight"] < step["lineHeight"] * 1.5, step
    by_event = {step["event"]: step["text"] for step in steps}
    assert (
        "派单" in by_event["dispatch"] and "交办至 市人力资源和社会保障局" in by_event["dispatch"]
    )
    assert (
        "值班长 陈敏" in by_event["determine"] and "经审定由市人社局办理" in by_event["determine"]
    )
    assert "市人社局 联络员" in by_event["return"]
    assert "该事项不属于本单位职责<b>" in by_event["return"]  # the note shown as text
    assert "退回" in by_event["return"] and "办结" in by_event["close"]
    # The dispatch set a deadline; the extension's step says how it moved it: from one moment
    # to a later one.
    assert "承办期限" in by_event["dispatch"] and "承办期限" not in by_event["sign"]
    extension = closed_order["extensions"][0]
    before = datetime.fromisoformat(closed_order["before_extension"]).astimezone(LOCAL)
    after = datetime.fromisoformat(extension["new_deadline"]).astimezone(LOCAL)
    deadline = page.locator("#history > li[data-event=approve_extension] .timeline-deadline")
    assert deadline.inner_text().split() == [
        "承办期限",
        *before.strftime("%Y-%m-%d %H:%M").split(),
        "→",
        *after.strftime("%Y-%m-%d %H:%M").split(),
    ]
    # No internal code for who acted: the hotline's own steps are 系统's.
    text = page.inner_text("#history")
    assert "system" not in text and "supervisor" not in text
    # Where the order stands, above the steps.
    summary = page.inner_text("#history-summary")
    assert "已办结" in summary and after.strftime("%Y-%m-%d %H:%M") in summary
    # Nothing wider than the window.
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.goto(f"{served.url}/console/orders/{closed_order['number']}?lang=en")
    english = {step["event"]: step["text"] for step in shown_steps(page)}
    assert "Dispatch" in english["dispatch"] and "Return" in english["return"]
    assert "Joint determination" in english["determine"] and "Close" in english["close"]
    assert "值班长 陈敏" in english["determine"]  # a person's name is theirs in any language
    assert "Deadline" in english["approve_extension"]
    assert "Current state" in page.inner_text("#history-summary")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.close()
