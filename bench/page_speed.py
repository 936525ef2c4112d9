"""Time to interactive of every page in the agent's, the dispatcher's and a department's
menu, on a month of a mid-size city's history.

    .venv/bin/python -m bench.page_speed [--setups embedded,postgresql] [--days 30]
                                         [--loads 10] [--roles agent,supervisor,department]
                                         [--keep FILE | --reuse FILE] [--json]

For each set-up it prepares a fresh database (``hotline db upgrade``, then ``hotline seed
--demo --days N``: about 4,000 calls and 1,000 work orders a day with their trails, text
threads and agent states, see ``hotline.seed.history``; then ``hotline reports rollup``),
starts the product as a real server (``hotline serve``: SQLite, the embedded default; or
the same against a PostgreSQL database ``speed_bench`` on 127.0.0.1:5432, dropped at the
end), and logs in, in Debian's Chromium, as an agent (``agent1``), the dispatcher
(``supervisor``) and a department (``rsj``, the human-resources and social-security
bureau: in the history the unit with the most orders, some 2,800 a month, 900 open). Every
page of that login's menu (the links of its page's menu, which
``hotline.views.navigation.MENU`` decides), and the order page of the first order its
order list shows, is loaded once to warm up and then ``--loads`` times; each load reads
the browser's Navigation Timing: ``domInteractive`` and ``domContentLoadedEventEnd``
(from the navigation's ``startTime``), and the server's time (``responseStart`` minus
``requestStart``: from the request sent to the first byte of the answer).

Target: the median ``domContentLoadedEventEnd`` of every page under 200 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.voice_webhooks import (
    POSTGRES_ADMIN_URL,
    ROOT,
    TWILIO_TOKEN,
    VENV_BIN,
    BenchError,
    background_busy_percent,
    base_env,
    percentile,
    run_cli,
    serve_embedded,
    stop_group,
)

TARGET_MS = 200.0
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
POSTGRES_DATABASE = "speed_bench"
SEED_TIMEOUT = 900
ROLES = (
    ("agent", "agent1", "agent-12345"),
    ("supervisor", "supervisor", "supervisor-12345"),
    ("department", "rsj", "dept-12345"),
)
TIMING = """
() => {
  const n = performance.getEntriesByType("navigation")[0];
  return {
    interactive: n.domInteractive - n.startTime,
    loaded: n.domContentLoadedEventEnd - n.startTime,
    server: n.responseStart - n.requestStart,
    bytes: n.transferSize,
    status: n.responseStatus || 200,
  };
}
"""


def _postgres(*statements: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement.format(f'"{POSTGRES_DATABASE}"'))
    finally:
        engine.dispose()


def prepare(setup: str, directory: Path, days: int, reuse: Path | None) -> dict[str, str]:
    """The environment of a database with ``days`` days of history (built, or copied from
    ``reuse``, a SQLite file this benchmark built before), upgraded to the newest schema."""
    env = {
        "HOTLINE_INSTANCE_PATH": str(directory / "instance"),
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
    }
    if setup == "embedded":
        target = directory / "hotline.sqlite3"
        env["HOTLINE_DATABASE_URL"] = f"sqlite:///{target}"
        if reuse is not None:
            shutil.copy(reuse, target)
    else:
        _postgres("DROP DATABASE IF EXISTS {} WITH (FORCE)", "CREATE DATABASE {}")
        env["HOTLINE_DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{POSTGRES_DATABASE}"
        reuse = None
    env = base_env(env)
    run_cli(["db", "upgrade"], env)
    if reuse is None:
        began = time.monotonic()
        done = subprocess.run(
            [str(VENV_BIN / "hotline"), "seed", "--demo", "--days", str(days)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=SEED_TIMEOUT, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise BenchError(f"hotline seed failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        said = next((line for line in done.stdout.splitlines() if line.startswith("history:")), "")
        print(f"{setup}: {said} ({time.monotonic() - began:.0f} s)", flush=True)
    # What the reports job keeps current as the product runs: the work-order roll-ups of
    # the days changed, the call figures of the days settled.
    run_cli(["reports", "rollup"], env)
    return env


@contextlib.contextmanager
def serving(setup: str, directory: Path, days: int, reuse: Path | None):
    env = prepare(setup, directory, days, reuse)
    process = None
    try:
        process, url = serve_embedded(env, directory)
        yield url
    finally:
        if process is not None:
            stop_group(process)
        if setup != "embedded":
            _postgres("DROP DATABASE IF EXISTS {} WITH (FORCE)")


def log_in(browser, url: str, username: str, password: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
    if "/login" in page.url:
        raise BenchError(f"{username} could not log in")
    return page


def pages_of(page, url: str) -> list[tuple[str, str]]:
    """(label, path) of each page in the login's menu, and of its newest order."""
    links = page.eval_on_selector_all(
        "nav:not(.pager) a",
        "links => links.map(a => [a.textContent.trim(), a.getAttribute('href')])",
    )
    pages = [(label, href) for label, href in links if href and href.startswith("/")]
    orders = [href for _, href in pages if href in ("/console/orders", "/dept/")]
    if orders:
        page.goto(url + (orders[0] + ("?mine=1" if orders[0] == "/console/orders" else "")))
        first = page.query_selector("table a[href*='/orders/']")
        if first is not None:
            pages.append(("工单详情", first.get_attribute("href") or ""))
    return pages


def measure_page(page, url: str, path: str, loads: int) -> dict:
    samples, errors = [], set()
    for attempt in range(loads + 1):
        page.goto(url + path, wait_until="load", timeout=120_000)
        timing = page.evaluate(TIMING)
        if timing["status"] >= 400:
            errors.add(timing["status"])
        if attempt:  # the first load warms the server and the browser's cache
            samples.append(timing)

    def summary(key: str) -> tuple[float, float]:
        values = sorted(sample[key] for sample in samples)
        return round(statistics.median(values), 1), round(percentile(values, 90), 1)

    loaded, loaded_p90 = summary("loaded")
    interactive, _ = summary("interactive")
    server, server_p90 = summary("server")
    return {
        "median_ms": loaded,
        "p90_ms": loaded_p90,
        "interactive_ms": interactive,
        "server_ms": server,
        "server_p90_ms": server_p90,
        "kbytes": round(statistics.median(s["bytes"] for s in samples) / 1024, 1),
        "errors": sorted(errors),
    }


def run_setup(setup: str, args, browser) -> list[dict]:
    rows = []
    with (
        tempfile.TemporaryDirectory(prefix=f"bench-pages-{setup}-") as tmp,
        serving(setup, Path(tmp), args.days, args.reuse if setup == "embedded" else None) as url,
    ):
        if args.keep and setup == "embedded" and args.reuse is None:
            shutil.copy(Path(tmp) / "hotline.sqlite3", args.keep)
        for role, username, password in ROLES:
            if role not in args.roles.split(","):
                continue
            page = log_in(browser, url, username, password)
            try:
                for label, path in pages_of(page, url):
                    row = measure_page(page, url, path, args.loads)
                    rows.append({"setup": setup, "role": role, "page": label, "path": path, **row})
                    print(
                        f"  {setup} {role} {path} {row['median_ms']} ms "
                        f"(server {row['server_ms']} ms)",
                        flush=True,
                    )
            finally:
                page.context.close()
    return rows


def passed(row: dict) -> bool:
    return row["median_ms"] < TARGET_MS and not row["errors"]


def print_table(rows: list[dict], busy: float, load: str, args) -> None:
    print(
        f"\npage speed  days={args.days}  loads={args.loads}  "
        f"machine busy with other work before the run: {busy:.0f} % (load average {load})"
    )
    header = (
        f"{'setup':<9} {'role':<11} {'page':<26} {'median':>7} {'p90':>7} {'dom-int':>7} "
        f"{'server':>7} {'srv p90':>7} {'KiB':>6}  target {TARGET_MS:.0f} ms"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        verdict = "PASS" if passed(row) else "FAIL"
        if row["errors"]:
            verdict += f" (answered {', '.join(map(str, row['errors']))})"
        name = f"{row['page']} {row['path'].split('?')[0]}"
        print(
            f"{row['setup']:<9} {row['role']:<11} {name:<26} {row['median_ms']:>7} "
            f"{row['p90_ms']:>7} {row['interactive_ms']:>7} {row['server_ms']:>7} "
            f"{row['server_p90_ms']:>7} {row['kbytes']:>6}  {verdict}"
        )
    failed = sum(not passed(row) for row in rows)
    print("-" * len(header))
    print(
        f"overall: {'PASS' if not failed else f'FAIL ({failed} pages)'}  (ms; median and p90 "
        "of domContentLoadedEventEnd, dom-int = domInteractive, server = to first byte)"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setups", default="embedded")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--loads", type=int, default=10)
    parser.add_argument("--roles", default="agent,supervisor,department")
    parser.add_argument(
        "--reuse", type=Path, help="a SQLite file saved by --keep: skip building the history"
    )
    parser.add_argument("--keep", type=Path, help="save the embedded set-up's built database")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print("Chromium is needed (apt-get install chromium)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    busy = background_busy_percent()
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    rows: list[dict] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for setup in args.setups.split(","):
                rows.extend(run_setup(setup, args, browser))
        finally:
            browser.close()
    if args.json:
        print(json.dumps({"background_busy_percent": busy, "load": load, "rows": rows}))
    print_table(rows, busy, load, args)
    return 0 if all(passed(row) for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
