"""Texts to 12345, each signed as Twilio signs it: answers, tickets, status, surveys, STOP."""

import itertools

import sqlalchemy as sa

from routing.messaging import Conversation, Message
from routing.numberplan import to_e164
from tests.conftest import signed_post
from tests.factories import open_order
from workorders import services as workorders
from workorders.models import WorkOrder

_sids = itertools.count(1)
CITIZEN = "+8613800138000"
OTHER = "+8613900139000"


def text(client, body, sender=CITIZEN, sid=None):
    params = {
        "MessageSid": sid or f"SM{next(_sids):032x}",
        "From": sender,
        "To": "12345",
        "Body": body,
    }
    response = signed_post(client, "/twilio/sms", params)
    assert response.status_code == 200, response.data
    return response


def sent_to(gateway, number="13800138000"):
    return [r["body"] for r in gateway.sent() if r["kind"] == "sms" and r["to"] == to_e164(number)]


def kb_article(observer):
    from knowledge_base.services import upsert_article

    upsert_article(
        observer,
        {
            "id": "HL-SMS1",
            "title": "住房公积金提取条件",
            "questions": ["公积金怎么提取", "租房可以提取公积金吗"],
            "answer": "租房提取住房公积金需连续足额缴存满3个月，本人及配偶在本市无自有住房。"
            "可通过住房公积金网上服务大厅或手机App办理，每年可提取一次，额度以当年实际房租为准。",
            "category": "HPF.WITHDRAW",
            "unit": "GZ-GJJ",
            "keywords": ["公积金", "提取", "租房"],
        },
    )
    observer.commit()


def test_a_question_the_knowledge_base_answers_gets_the_answer_in_parts(client, observer, gateway):
    kb_article(observer)
    text(client, "租房可以提取公积金吗？")
    parts = sent_to(gateway)
    assert len(parts) >= 2
    assert parts[0].startswith(f"(1/{len(parts)})")
    assert all(len(p) <= 72 for p in parts)
    joined = "".join(p.split(")", 1)[1] for p in parts)
    assert "连续足额缴存满3个月" in joined and "如需人工服务请回复0" in joined
    assert observer.scalar(sa.select(sa.func.count(WorkOrder.id))) == 0


def test_anything_else_opens_a_work_order_and_replies_with_its_number(client, observer, gateway):
    text(client, "我们小区门口的井盖不见了，晚上很危险")
    order = observer.scalar(sa.select(WorkOrder))
    assert (order.channel, order.category_code, order.citizen_phone) == (
        "sms",
        "URBAN.MANHOLE",
        "13800138000",
    )
    reply = "".join(part.split(")", 1)[-1] for part in sent_to(gateway))
    assert order.number in reply and "预计办理期限" in reply


def test_status_is_told_only_to_the_phone_that_opened_the_order(client, session, gateway):
    order = open_order(session, channel="phone", actor=workorders.SYSTEM)
    session.commit()
    text(client, f"查询 {order.number}")
    assert "已派发" in sent_to(gateway)[-1] and order.number in sent_to(gateway)[-1]
    text(client, f"status {order.number}", sender=OTHER)
    stranger = sent_to(gateway, "13900139000")[-1]
    assert "no work order" in stranger
    assert "已派发" not in stranger


def test_an_unsatisfied_survey_answer_reopens_the_order(client, session, gateway):
    order = open_order(session, channel="phone", actor=workorders.SYSTEM)
    unit = workorders.Actor("rsj", None, "GZ-RSJ")
    workorders.sign_for(session, order.number, unit)
    workorders.reply(session, order.number, unit, "已补发")
    session.commit()
    text(client, "不满意")
    session.expire_all()
    assert session.get(WorkOrder, order.id).status == "dispatched"
    session.commit()
    assert "重新交办" in sent_to(gateway)[-1]


def test_stop_is_honoured_until_the_citizen_texts_again(client, observer, gateway):
    text(client, "退订")
    assert "退订" in sent_to(gateway)[-1]
    conversation = observer.scalar(sa.select(Conversation))
    assert conversation.opted_out_at is not None
    count = len(sent_to(gateway))
    from hotline.services import texts as sms

    assert sms.reply(observer, conversation, "还在吗") == []  # nothing goes out
    text(client, "你好")
    observer.expire_all()
    assert observer.scalar(sa.select(Conversation)).opted_out_at is None
    assert len(sent_to(gateway)) > count


def test_a_flood_is_stopped_politely_once(client, observer, gateway):
    for index in range(14):
        text(client, f"0{index}")
    floods = [b for b in sent_to(gateway) if "过于频繁" in b]
    assert len(floods) == 1


def test_a_message_sid_seen_twice_changes_nothing(client, observer, gateway):
    text(client, "0", sid="SM" + "d" * 32)
    text(client, "0", sid="SM" + "d" * 32)
    assert (
        observer.scalar(sa.select(sa.func.count(Message.id)).where(Message.direction == "in")) == 1
    )
    assert len(sent_to(gateway)) == 1


def test_an_empty_text_gets_a_prompt(client, gateway):
    text(client, "   ")
    assert "请直接发送" in sent_to(gateway)[-1]


def test_a_1600_character_text_is_kept_whole(client, observer):
    body = "路灯坏了" * 400
    text(client, body)
    stored = observer.scalar(sa.select(Message).where(Message.direction == "in"))
    assert stored.body == body


def test_emoji_and_traditional_characters_get_a_reply_in_traditional(client, observer, gateway):
    kb_article(observer)
    text(client, "請問租房可以提取公積金嗎？🙏")
    joined = "".join(sent_to(gateway))
    assert "連續足額繳存" in joined
    assert observer.scalar(sa.select(Conversation)).script == "hant"


def test_english_texts_get_english_replies(client, gateway):
    text(client, "agent")
    assert sent_to(gateway)[-1] == "An agent will reply to you shortly."


def test_delivery_callbacks_update_the_message_and_never_go_backwards(client, observer, gateway):
    text(client, "0")
    message = observer.scalar(sa.select(Message).where(Message.direction == "out"))
    for status in ("delivered", "sent", "delivered"):
        signed_post(
            client, "/twilio/sms/status", {"MessageSid": message.sid, "MessageStatus": status}
        )
    observer.expire_all()
    assert observer.get(Message, message.id).status == "delivered"


def test_unsigned_or_malformed_texts_are_refused(client):
    assert (
        client.post(
            "/twilio/sms", data={"MessageSid": "SM1", "From": CITIZEN, "Body": "x"}
        ).status_code
        == 403
    )
    assert signed_post(client, "/twilio/sms", {"From": CITIZEN, "Body": "x"}).status_code == 400
