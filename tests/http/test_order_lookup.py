"""Agents look orders up by number, phone or words, and see names, never codes."""

import re
from zoneinfo import ZoneInfo

from hotline.db import TIMEZONE
from tests.conftest import login
from tests.factories import PASSWORD, make_agent
from tests.factories.workorders import open_order
from workorders import services

TAGS = re.compile(r"<[^>]+>")
MAIN = re.compile(r"<main\b[^>]*>")


def visible(page: str) -> str:
    return TAGS.sub(" ", MAIN.split(page, maxsplit=1)[1])


def numbers(page: str) -> list[str]:
    return re.findall(r'data-number="([^"]+)"', page)


def test_orders_are_found_by_number_phone_and_words(app, client, session):
    user, _ = make_agent(session)
    mine = open_order(
        session,
        description="小区路灯 100% 不亮",
        citizen_phone="+8613912345678",
        address="天河路385号",
        actor=services.Actor(user.username, user.id),
    )
    other = open_order(session, description="养老金没有按时发放", citizen_phone="+8613800138000")
    session.commit()
    login(client, user.username, PASSWORD)

    def found(query: str) -> list[str]:
        answer = client.get("/console/orders", query_string={"q": query})
        assert answer.status_code == 200
        return numbers(answer.get_data(as_text=True))

    assert found(mine.number) == [mine.number]
    assert found(mine.number.replace("-", "")) == [mine.number]
    for phone in (
        "13912345678",
        "139 1234 5678",
        "139-1234-5678",
        "+86 139.1234.5678",
        "１３９１２３４５６７８",
    ):
        assert found(phone) == [mine.number], phone
    assert found("路灯 天河路") == [mine.number]
    assert found("养老金") == [other.number]
    assert found("100%") == [mine.number]  # a % is a character, not a wildcard
    assert found("%") == [mine.number]
    assert found("_") == []
    assert found("路灯 养老金") == []
    assert found("") == []

    answer = client.get("/console/orders", query_string={"mine": "1"})
    assert numbers(answer.get_data(as_text=True)) == [mine.number]


def test_the_list_and_the_order_show_names_in_local_time(client, session):
    user, _ = make_agent(session)
    order = open_order(session, citizen_phone="+8613912345678")
    session.commit()
    login(client, user.username, PASSWORD)
    listed = client.get("/console/orders", query_string={"q": "13912345678"})
    shown = client.get(f"/console/orders/{order.number}")
    local = order.created_at.astimezone(ZoneInfo(TIMEZONE)).strftime("%H:%M")
    assert local in visible(listed.get_data(as_text=True))
    for answer in (listed, shown):
        text = visible(answer.get_data(as_text=True))
        assert "SOCINS" not in text and "GZ-" not in text, text
        assert "养老" in text  # the category's name


def test_cancel_comes_last_on_the_order_page_and_times_do_not_wrap(client, session):
    user, _ = make_agent(session, role="supervisor")
    order = open_order(session)
    session.commit()
    login(client, user.username, PASSWORD)
    page = client.get(f"/console/orders/{order.number}").get_data(as_text=True)
    forms = re.findall(r'<form [^>]*data-action="([a-z_]+)"', page)
    assert "cancel" in forms and len(forms) > 2, forms
    assert forms[-1] == "cancel", forms
    # Every moment of the history is a <time> that does not wrap.
    assert '<ol class="timeline" id="history">' in page
    assert re.search(r'<time datetime="[0-9T:+-]+" class="nowrap">', page)


def test_the_dispatcher_reads_the_citizens_words_in_the_list_to_dispatch(client, session):
    user, _ = make_agent(session, role="supervisor")
    order = open_order(
        session, category_code="URBAN.MANHOLE", description="<b>井盖</b>没了，晚上很危险"
    )
    session.commit()
    assert order.status == "pending_dispatch" or order.unit_code is None
    login(client, user.username, PASSWORD)
    page = client.get("/supervisor/").get_data(as_text=True)
    listed = page.split('id="awaiting-dispatch"', 1)[1].split("</section>", 1)[0]
    assert f'data-number="{order.number}"' in listed
    assert "&lt;b&gt;井盖&lt;/b&gt;没了，晚上很危险" in listed
