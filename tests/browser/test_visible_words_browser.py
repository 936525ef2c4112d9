"""Every page every role can open, read as the user reads it (``document.body.innerText``):
the Chinese pages show no English words and no internal codes, the English pages no Chinese
but what citizens and staff wrote."""

from __future__ import annotations

import contextlib
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.demo_pages import LOGINS, ROLES, log_in, seed_activity, take_a_call
from tests.served import served_product

pytestmark = pytest.mark.slow

# The only Latin words a Chinese page may show, each the name of something that has no
# Chinese one on the screens that show it.
ALLOWED_LATIN = {
    "English",  # the language switch names the language it switches to
    "CSV",  # the download buttons name the file format
    "PDF",
    "API",  # the monitor API and the Open311 API are named so in their documentation
    "Open311",  # the standard's name, the channel of orders filed through it
    "SIP",  # the agents' phones: a SIP address is what the admin types
    "chinesecalendar",  # the package the admin upgrades for next year's holidays
}
# What is typed as it is typed: keyboard shortcuts as the keys are printed, the form of a SIP
# address.
TYPED = re.compile(r"\bAlt\+[A-Z]\b|\bsip:")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[._\-][A-Za-z0-9]+)*")
CHINESE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
# Codes and raw values, in either language.
RAW = (
    re.compile(r"\b[A-Z]{2,}-[A-Z0-9]{2,}(?:-[A-Z0-9]+)*\b"),  # a unit code: GZ-RSJ, GZ-TH-SPJ
    re.compile(r"\b[A-Z]{2,}\.[A-Z][A-Z_.]*\b"),  # a category code: SOCINS.PENSION
    re.compile(r"\b[a-z]+_[a-z_]+\b"),  # an internal name: wrap_up, in_progress
    re.compile(r"\d{4}-\d{2}-\d{2}T\d"),  # an ISO timestamp
    re.compile(r"\b\d+[dhms]\b"),  # a terse duration: 26d 5h
    re.compile(r"\+\d{2}:\d{2}\b"),  # a UTC offset
)
# What the product stores as codes: a cell or label showing exactly one of them shows a code.
CODES = {
    "system",
    "phone",
    "sms",
    "console",
    "web",
    "open311",
    "dispatched",
    "signed",
    "replied",
    "closed",
    "returned",
    "available",
    "offline",
    "break",
    "reserved",
    "ivr",
    "queued",
    "completed",
    "abandoned",
    "kb",
    "work_order",
    "zh",
    "en",
    "yue",
    "agent",
    "supervisor",
    "department",
    "monitor",
    "admin",
    "true",
    "false",
    "None",
}
# What people wrote (citizens, staff, article authors) and names of people, shown as written.
# Besides them only the names of the merged hotlines: the reference data gives them no English
# name, and a caller's old number is named as the city knew it.
WRITTEN = {
    "work_orders": ("citizen_name", "description", "address", "reply_text"),
    "work_order_events": ("actor", "note"),
    "work_order_extensions": ("reason", "requested_by", "decided_by", "decision_note"),
    "work_order_attachments": ("url", "added_by"),
    "messages": ("body",),
    "users": ("username", "display_name"),
    "agents": ("name", "client_name"),
    "calls": ("speech_result",),
    "kb_articles": ("title", "answer"),
    "kb_searches": ("query",),
    "legacy_lines": ("name",),
}
# Recorded in English with codes, said with names on the pages (names.assignment_reason).
RECORDED = re.compile(r"^(category |assignment rule |joint determination )")
HREFS = "links => links.map(link => link.getAttribute('href'))"
LEAVES = """() => Array.from(document.body.querySelectorAll('*'))
  .filter(e => e.children.length === 0 && e.offsetParent !== null)
  .map(e => (e.innerText ?? e.textContent).trim()).filter(Boolean)"""


@pytest.fixture(scope="module")
def product(tmp_path_factory):
    directory = tmp_path_factory.mktemp("words")
    # The agent's offer stays up while its page is read in both languages.
    slow_offer = {"HOTLINE_RESERVATION_SECONDS": "300"}
    with served_product("sqlite", directory, env_changes=slow_offer) as served:
        seed_activity(served)
        yield served


@pytest.fixture
def written(product):
    """What people have written so far (read again after the test's own changes)."""
    return lambda: _written(product)


def _written(product) -> tuple[list[str], set[str]]:
    """Every string people wrote, longest first, to be taken out of what a page shows; and
    the short Latin ones (usernames), taken out as whole words."""
    engine = sa.create_engine(product.env["HOTLINE_DATABASE_URL"])
    values: set[str] = set()
    with engine.connect() as connection:
        for table, columns in WRITTEN.items():
            query = sa.text(f"SELECT {', '.join(columns)} FROM {table}")
            for row in connection.execute(query):
                values.update(
                    piece
                    for value in row
                    if value and value != "system" and not RECORDED.match(value)
                    for piece in _pieces(value)
                )
    engine.dispose()
    # Short Latin values (usernames such as "rsj") are taken out only as whole words, lest
    # they cut words out of the page's own text.
    long = (v for v in values if len(v) >= (2 if CHINESE.search(v) else 8))
    return sorted(long, key=len, reverse=True), {v for v in values if LATIN_WORD.fullmatch(v)}


def _pieces(value: str) -> list[str]:
    """A value, and each of its lines (a page may show a long text line by line, or cut)."""
    lines = [line.strip() for line in value.splitlines() if line.strip()]
    return [value, *lines, *(line[:60] for line in lines)]


def _without(text: str, written) -> str:
    values, words = written
    for value in values:
        if value in text:
            text = text.replace(value, " ")
    return LATIN_WORD.sub(lambda m: " " if m.group() in words else m.group(), text)


def findings(page, language: str, written) -> list[str]:
    text = _without(page.evaluate("() => document.body.innerText"), written)
    found = [m.group() for pattern in RAW for m in pattern.finditer(text)]
    found += [leaf for leaf in page.evaluate(LEAVES) if leaf in CODES - written[1]]
    if language == "zh":
        text = TYPED.sub(" ", text)
        found += [w for w in LATIN_WORD.findall(text) if w not in ALLOWED_LATIN]
    else:
        found += [w for w in CHINESE.findall(text) if w != "中文"]
    return sorted(set(found))


def read(page, url: str, language: str, written) -> list[str]:
    page.goto(url + ("&" if "?" in url else "?") + f"lang={language}")
    # The console and the wallboard poll, so the network may never go quiet: what they show
    # is there by then.
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_load_state("networkidle", timeout=5_000)
    return findings(page, language, written)


# Beyond the menu: the report's groupings and sub-pages, a refused page (the agent opening the
# admin's), a missing one and a refused request.
EXTRA_PAGES = {
    "agent": ["/console/orders", "/console/conversations/", "/admin/"],
    "supervisor": [
        "/reports/?by=category",
        "/reports/?by=district",
        "/reports/?by=channel",
        "/reports/bulletin",
        "/reports/agents",
        "/nowhere",
        "/reports/?start=2026-10-10&end=2026-10-01",
    ],
    "department": ["/dept/?all=1"],
    "monitor": ["/reports/bulletin"],
    "admin": [],
}
# Where the orders and threads a role may open are listed, and their links.
LISTINGS = (
    ("/supervisor/", "a[href^='/console/orders/']"),
    ("/console/conversations/", "a[href^='/console/conversations/']"),
    ("/dept/?all=1", "a[href^='/dept/orders/']"),
)
ORDERS_EACH = 6


def pages_of(page, base: str, role: str) -> list[str]:
    """The role's menu and the pages it leads to: orders, a thread, the reports' sub-pages,
    the error pages."""
    page.goto(f"{base}/?lang=zh")
    urls = [base + href for href in page.eval_on_selector_all("header nav a", HREFS)]
    urls += [base + path for path in EXTRA_PAGES[role]]
    for listing, link in LISTINGS:
        if base + listing in urls:
            page.goto(base + listing)
            links = page.eval_on_selector_all(link, HREFS)
            urls += [base + href for href in links[:ORDERS_EACH]]
    return list(dict.fromkeys(urls))


def make_admin_changes(page, base: str) -> None:
    """Changes the audit log then shows: a login's role and unit, an agent's phone, a unit's
    contact."""
    page.goto(f"{base}/admin/users?lang=zh")
    row = page.locator("tr[data-user='tianhe']")
    row.locator("select[name=role]").select_option("monitor")  # the unit goes with it
    row.locator("form[id^='user-'] button").click()
    page.wait_for_load_state("load")
    page.goto(f"{base}/admin/?lang=zh")
    row = page.locator("tr[data-agent='agent2']")
    row.locator("input[name=phone]").fill("+8613900001234")
    row.locator("button").click()
    page.wait_for_load_state("load")
    page.goto(f"{base}/admin/workorders/?lang=zh")
    page.select_option("#contact-unit", "GZ-RSJ")
    page.fill("#contact-phone", "13900005678")
    page.click("#contacts form button")
    page.wait_for_load_state("load")
    page.goto(f"{base}/admin/?lang=zh")
    assert page.locator("#audit tr").count() >= 3


@pytest.mark.parametrize("role", ROLES)
def test_each_page_speaks_one_language_and_shows_no_codes(product, browser, written, role):
    page = browser.new_page()
    log_in(page, product.url, *LOGINS[role])
    problems = {}
    if role == "agent":
        for moment in take_a_call(page, product):
            for language in ("zh", "en"):
                page.goto(f"{product.url}/console/?lang={language}")
                if found := findings(page, language, written()):
                    problems[f"console {moment} ({language})"] = found
    if role == "admin":
        make_admin_changes(page, product.url)
    said = written()
    for url in pages_of(page, product.url, role):
        for language in ("zh", "en"):
            if found := read(page, url, language, said):
                problems[f"{url} ({language})"] = found
    page.close()
    assert not problems, "\n".join(f"{where}: {found}" for where, found in problems.items())
