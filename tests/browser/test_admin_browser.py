"""An admin in the browser: the menu, a new login, and a unit picker that narrows as one
types."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_an_admin_creates_a_department_login_picking_the_unit_by_typing(served, browser):
    page = browser.new_page()
    page.goto(f"{served.url}/login")
    page.fill("#username", "admin")
    page.fill("#password", "admin-12345")
    page.click("button[type=submit]")
    page.locator("header nav a").first.wait_for()  # the login page's menu is empty
    menu = page.locator("header nav a").all_inner_texts()
    assert "用户管理" in menu and "派单规则与工作日历" in menu
    assert "坐席工作台" not in menu and "承办单位" not in menu
    page.click("header nav a:has-text('用户管理')")

    form = page.locator("#new-user form")
    form.locator("input[name=username]").fill("tianhe.clerk")
    form.locator("input[name=display_name]").fill("天河区 办事员")
    form.locator("select[name=role]").select_option("department")
    picker = form.locator("input.picker-filter")
    picker.fill("天河")
    select = form.locator("select[name=unit]")
    shown = select.evaluate(
        "s => Array.from(s.options).filter(o => !o.hidden && o.value).map(o => o.text)"
    )
    assert shown and all("天河" in name for name in shown), shown
    chosen = select.evaluate("s => s.selectedOptions[0].text")
    assert "天河" in chosen
    form.locator("input[name=password]").fill("a-long-password-1")
    form.locator("button[type=submit]").click()
    page.locator(".flash >> text=已创建用户").wait_for(timeout=10_000)
    row = page.locator("tr[data-user='tianhe.clerk']")
    role = row.locator("select[name=role]").evaluate("s => s.selectedOptions[0].text")
    unit = row.locator("select[name=unit]").evaluate("s => s.selectedOptions[0].text")
    assert (role, unit) == ("承办单位人员", chosen)
    page.close()


def test_an_agent_finds_a_category_by_pinyin_or_its_initials(served, browser):
    page = browser.new_page()
    page.goto(f"{served.url}/login")
    page.fill("#username", "agent1")
    page.fill("#password", "agent-12345")
    page.click("button[type=submit]")
    page.goto(f"{served.url}/console/")
    category = page.locator("#category")
    assert category.input_value() == ""  # no category is chosen for the agent
    box = page.locator("#new-work-order input.picker-filter")
    for typed in ("养老", "yanglao", "ylbx"):
        box.fill(typed)
        shown = category.evaluate(
            "s => Array.from(s.options).filter(o => !o.hidden && o.value).map(o => o.text)"
        )
        assert "养老保险" in shown and len(shown) < 10, (typed, shown)
        assert category.evaluate("s => s.selectedOptions[0].text") in shown
    assert "SOCINS" not in category.inner_text()
    page.close()
