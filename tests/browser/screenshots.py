"""The README's screens: the demo product served as `make run` serves it, a login per role,
each main page saved as a PNG 1280 pixels wide into docs/screenshots/.

    make screenshots    (or .venv/bin/python -m tests.browser.screenshots [--out DIR])

Needs Debian's Chromium and a Chinese font (apt-get install chromium fonts-wqy-microhei).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.demo_pages import LOGINS, log_in, seed_activity, take_a_call
from tests.served import served_product

WIDTH, HEIGHT = 1280, 900
OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# (file, role, page): what each role works in, in the order the README shows them.
SCREENS = (
    ("dispatcher-desk.png", "supervisor", "/supervisor/"),
    ("order.png", "supervisor", None),  # the first order the desk links to
    ("department-portal.png", "department", "/dept/"),
    ("reports.png", "supervisor", "/reports/"),
    ("wallboard.png", "supervisor", "/supervisor/wallboard"),
    ("admin-users.png", "admin", "/admin/users#users"),  # the list, below the new-user form
)


def shoot(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with tempfile.TemporaryDirectory() as directory, sync_playwright() as playwright:
        # The offer stays up while the console is photographed.
        slow_offer = {"HOTLINE_RESERVATION_SECONDS": "300"}
        with served_product("sqlite", Path(directory), env_changes=slow_offer) as served:
            seed_activity(served)
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            pages = {}
            for role in ("agent", "supervisor", "department", "admin"):
                # Each role its own cookies; dates and clocks as a Guangzhou desk shows them.
                context = browser.new_context(
                    viewport={"width": WIDTH, "height": HEIGHT},
                    locale="zh-CN",
                    timezone_id="Asia/Shanghai",
                )
                pages[role] = context.new_page()
                log_in(pages[role], served.url, *LOGINS[role])

            agent = pages["agent"]
            next(take_a_call(agent, served))  # the console with a call offered on it
            saved.append(_save(agent, out / "agent-console.png"))
            for name, role, path in SCREENS:
                page = pages[role]
                if path is None:
                    page.goto(f"{served.url}/supervisor/")
                    path = page.get_attribute("a[href^='/console/orders/']", "href")
                page.goto(served.url + path)
                page.wait_for_load_state("load")
                if path.endswith("wallboard"):
                    page.wait_for_selector("#wallboard[data-loaded]")
                saved.append(_save(page, out / name))
            browser.close()
    return saved


def _save(page, path: Path) -> Path:
    page.wait_for_timeout(300)  # the scripts' first fill
    page.screenshot(path=str(path), full_page=False)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    for path in shoot(parser.parse_args().out):
        print(f"{path}  {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
