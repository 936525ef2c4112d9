"""The console's text threads: an agent takes a thread over and hands it back."""

from __future__ import annotations

import pytest

from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_agent

pytestmark = pytest.mark.db


@pytest.mark.parametrize("action", ["take-over", "release"])
def test_an_unknown_thread_is_not_found(client, session, action):
    user, _ = make_agent(session)
    session.commit()
    login(client, user.username, PASSWORD)
    response = post_form(
        client, f"/console/conversations/424242/{action}", {}, "/console/conversations/"
    )
    assert response.status_code == 404


def test_the_thread_list_shows_who_wrote_in_not_who_was_only_texted(client, session):
    from hotline.services import texts
    from routing import messaging

    user, _ = make_agent(session)
    messaging.receive(session, "13900001111", "请问社保卡怎么补办", sid="SM" + "1" * 32)
    texts.send(session, "13900002222", "【12345】您反映的问题已受理，工单号 20261201-000001。")
    session.commit()
    login(client, user.username, PASSWORD)
    page = client.get("/console/conversations/").get_data(as_text=True)
    assert "1111" in page
    assert "2222" not in page


def test_a_thread_says_in_chinese_first_why_twilio_refused_a_text(client, session, twilio_api):
    from hotline.infra.gateway import REFUSALS
    from hotline.services import texts
    from routing import messaging

    user, _ = make_agent(session)
    asked = messaging.receive(session, "13900001111", "请问社保卡怎么补办", sid="SM" + "2" * 32)
    thread = f"/console/conversations/{asked.conversation_id}"
    session.commit()
    twilio_api.telephony.unsubscribe("13900001111")  # texted STOP to Twilio itself
    texts.send(session, "13900001111", "【12345】社保卡可在就近网点补办。")
    session.commit()  # its job runs at once, in this process
    login(client, user.username, PASSWORD)

    page = client.get(thread).get_data(as_text=True)
    assert "发送失败" in page and f"21610 {REFUSALS[21610].zh}" in page
    assert "该号码已退订短信" in page  # and no text goes to it any more
    assert "已退订" in client.get("/console/conversations/").get_data(as_text=True)

    english = client.get(f"{thread}?lang=en").get_data(as_text=True)
    assert "Failed" in english and f"21610 {REFUSALS[21610].en}" in english
    assert "发送失败" not in english and REFUSALS[21610].zh not in english


def test_the_list_previews_the_citizens_words_and_the_thread_links_its_order(
    client, session, twilio_api
):
    from hotline.services import texts
    from routing import messaging
    from tests.factories.workorders import open_order

    user, _ = make_agent(session)
    asked = messaging.receive(session, "13900003333", "楼下烧烤油烟太大", sid="SM" + "3" * 32)
    texts.send(session, "13900003333", "【12345】已收到，正在为您登记。")
    order = open_order(session, channel="sms", citizen_phone="13900003333")
    session.commit()
    login(client, user.username, PASSWORD)
    listed = client.get("/console/conversations/").get_data(as_text=True)
    assert "楼下烧烤油烟太大" in listed
    assert "正在为您登记" not in listed
    thread = client.get(f"/console/conversations/{asked.conversation_id}").get_data(as_text=True)
    assert f'href="/console/orders/{order.number}"' in thread
    assert 'class="message in"' in thread and 'class="message out"' in thread


def test_the_knowledge_base_beside_a_reply_starts_from_the_citizens_question(client, session):
    from hotline.services import conversations as threads
    from routing import messaging

    user, agent = make_agent(session)
    question = '路灯坏了"><img src=x onerror=alert(1)>'
    asked = messaging.receive(session, "13900003333", question, sid="SM" + "5" * 32)
    messaging.receive(session, "13900003333", "0", sid="SM" + "6" * 32)
    session.commit()
    thread = f"/console/conversations/{asked.conversation_id}"
    login(client, user.username, PASSWORD)
    # Only the agent who has the thread replies, so only they get the panel.
    assert 'id="kb-panel"' not in client.get(thread).get_data(as_text=True)

    threads.take_over(session, asked.conversation_id, agent.id)
    page = client.get(thread).get_data(as_text=True)
    assert 'data-insert-into="body"' in page
    # The question, not the "0" after it, escaped in the search box.
    assert 'value="路灯坏了&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"' in page
    assert "<img src=x" not in page
    assert 'id="body-count"' in page and "0 / 1600 字" in page
