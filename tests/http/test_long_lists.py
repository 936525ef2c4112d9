"""Long lists are shown a page at a time, with their count and a link to the next page:
the dispatcher's desk, list by list, and a department's portal. Nothing is left out."""

from __future__ import annotations

import re

import pytest

from hotline.views import common, supervisor
from tests.conftest import login
from tests.factories import PASSWORD, make_agent, make_user, open_order
from workorders import services

pytestmark = pytest.mark.db
ROW = re.compile(r'<tr data-number="([^"]+)"')


def rows_of(page: str, section: str) -> list[str]:
    start = page.index(f'id="{section}"')
    end = page.find("</section>", start)
    return ROW.findall(page[start:end])


def walk(client, path: str, section: str | None, param: str) -> tuple[list[str], list[str]]:
    """Every row of a list, page after page, by its "next" links; and the pagers' texts."""
    numbers, pagers = [], []
    url = path
    while url:
        page = client.get(url).get_data(as_text=True)
        numbers += rows_of(page, section) if section else ROW.findall(page)
        found = re.search(rf'<nav class="pager"[^>]*data-param="{param}">(.*?)</nav>', page, re.S)
        pagers.append(found.group(1) if found else "")
        following = re.search(r'<a rel="next" href="([^"]+)"', found.group(1)) if found else None
        url = following.group(1).replace("&amp;", "&") if following else None
    return numbers, pagers


def test_the_desk_pages_its_lists_and_every_order_is_on_one_page(app, client, session, monkeypatch):
    monkeypatch.setattr(supervisor, "DESK_PAGE_SIZE", 2)
    user, _ = make_agent(session, role="supervisor")
    waiting = [
        open_order(session, description=f"待分派 {i}", dispatch=False).number for i in range(5)
    ]
    session.commit()
    login(client, user.username, PASSWORD)
    numbers, pagers = walk(client, "/supervisor/", "awaiting-dispatch", "dispatch_page")
    assert numbers == waiting  # oldest first, each once
    assert len(pagers) == 3 and "共 5 条" in pagers[0] and 'rel="prev"' in pagers[1]
    assert "(5)" in client.get("/supervisor/").get_data(as_text=True)
    # Another list's page is kept while this one moves on.
    page = client.get("/supervisor/?overdue_page=3&dispatch_page=2").get_data(as_text=True)
    assert rows_of(page, "awaiting-dispatch") == waiting[2:4]
    assert "overdue_page=3" in page.split('data-param="dispatch_page"')[1].split("</nav>")[0]
    # A page past the end shows the last one.
    page = client.get("/supervisor/?dispatch_page=99").get_data(as_text=True)
    assert rows_of(page, "awaiting-dispatch") == waiting[4:]


def test_a_department_sees_all_its_orders_a_page_at_a_time_most_pressing_first(
    app, client, session, monkeypatch
):
    monkeypatch.setattr(common, "PAGE_SIZE", 3)
    user = make_user(session, "department", unit_code="GZ-RSJ")
    orders = [open_order(session, description=f"养老金 {i}") for i in range(7)]
    session.commit()
    assert {o.unit_code for o in orders} == {"GZ-RSJ"}
    expected = [o.number for o in services.orders_for_unit(session, "GZ-RSJ", open_only=True)]
    session.commit()
    login(client, user.username, PASSWORD)
    numbers, pagers = walk(client, "/dept/", None, "page")
    assert numbers == expected and sorted(numbers) == sorted(o.number for o in orders)
    assert len(pagers) == 3 and "共 7 条" in pagers[0]
    everything, _ = walk(client, "/dept/?all=1", None, "page")
    assert sorted(everything) == sorted(numbers)
