"""Texts to 12345, each signed as Twilio signs it: answers, tickets, status, surveys, STOP."""

import itertools

import pytest
import sqlalchemy as sa

from routing.messaging import Conversation, Message
from routing.numberplan import to_e164
from tests.conftest import PUBLIC_URL, signed_post
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


def test_a_question_the_knowledge_base_answers_gets_the_answer_in_one_text(
    client, observer, gateway
):
    kb_article(observer)
    text(client, "租房可以提取公积金吗？")
    (answer,) = sent_to(gateway)  # Twilio segments it; we do not
    assert "连续足额缴存满3个月" in answer and answer.endswith("如需人工服务请回复0。")
    assert observer.scalar(sa.select(sa.func.count(WorkOrder.id))) == 0


def test_anything_else_opens_a_work_order_and_replies_with_its_number(client, observer, gateway):
    text(client, "我们小区门口的井盖不见了，晚上很危险")
    order = observer.scalar(sa.select(WorkOrder))
    assert (order.channel, order.category_code, order.citizen_phone) == (
        "sms",
        "URBAN.MANHOLE",
        "13800138000",
    )
    (reply,) = sent_to(gateway)
    assert f"工单号 {order.number}" in reply and f"“查询 {order.number}”" in reply


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


def test_stop_is_honoured_until_the_citizen_texts_start(client, observer, gateway):
    text(client, "退订")
    (confirmation,) = sent_to(gateway)
    assert "您已退订" in confirmation
    conversation = observer.scalar(sa.select(Conversation))
    assert conversation.opted_out_at is not None
    from hotline.services import texts as sms

    assert sms.reply(observer, conversation, "还在吗") is None  # nothing goes out
    observer.commit()
    for body in ("你好", "我们小区的路灯坏了", "帮助", "退订", "STOP"):
        text(client, body)  # recorded, and answered with nothing: not even a second confirmation
    assert sent_to(gateway) == [confirmation]
    observer.expire_all()
    assert observer.scalar(sa.select(Conversation)).opted_out_at is not None

    text(client, "开通")
    observer.expire_all()
    assert observer.scalar(sa.select(Conversation)).opted_out_at is None
    assert "您已恢复接收" in sent_to(gateway)[-1]
    text(client, "查询 20261127-000001")
    assert "未找到" in sent_to(gateway)[-1]


@pytest.mark.parametrize(
    ("stop", "start", "confirmed", "resumed"),
    [
        ("STOP", "START", "unsubscribed", "again"),
        ("ｓｔｏｐ", "Unstop", "您已退订", "again"),  # full width (a Chinese keyboard), any case
        (" Quit! ", "YES", "unsubscribed", "again"),
        ("TD", "訂閱", "您已退订", "您已恢復接收"),  # TD: 退订's initials
        ("退訂", "开通", "您已退訂", "您已恢复接收"),  # each in the script it came in
    ],
)
def test_carrier_keywords_opt_out_and_back_in_and_each_is_confirmed_once(
    client, observer, gateway, stop, start, confirmed, resumed
):
    text(client, stop)
    text(client, "hello?")
    text(client, start)
    stopped, started = sent_to(gateway)
    assert confirmed in stopped and resumed in started
    observer.expire_all()
    assert observer.scalar(sa.select(Conversation)).opted_out_at is None
    assert observer.scalar(sa.select(sa.func.count(WorkOrder.id))) == 1  # "hello?" was filed


@pytest.mark.parametrize(
    ("body", "words"), [("HELP", "STOP"), ("帮助", "拨打12345"), ("Info", "0")]
)
def test_help_says_what_the_number_does_and_how_to_opt_out(client, gateway, body, words):
    text(client, body)
    (answer,) = sent_to(gateway)
    assert "12345" in answer and words in answer
    assert "STOP" in answer


def test_a_keyword_inside_a_sentence_is_no_keyword(client, observer, gateway):
    text(client, "请不要stop供水，我们楼已经停水两天了")
    observer.expire_all()
    assert observer.scalar(sa.select(Conversation)).opted_out_at is None
    order = observer.scalar(sa.select(WorkOrder))
    assert order is not None and order.number in sent_to(gateway)[-1]


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


def test_a_long_answer_is_one_text_cut_at_a_sentence_with_the_offer(client, observer, gateway):
    from knowledge_base.services import upsert_article

    sentence = "办理进度可回复查询20261202-000002，详见https://gjj.example.gov.cn/tq?id=3。"
    upsert_article(
        observer,
        {
            "id": "HL-SMS2",
            "title": "住房公积金提取办理进度",
            "questions": ["公积金提取进度怎么查"],
            "answer": sentence * 40,
            "category": "HPF.WITHDRAW",
            "unit": "GZ-GJJ",
            "keywords": ["公积金", "进度"],
        },
    )
    observer.commit()
    text(client, "公积金提取进度怎么查")
    (answer,) = sent_to(gateway)
    assert len(answer) <= 1600
    summary, offer = answer.rsplit("\n", 1)
    assert offer == "以上为摘要，详询12345或回复0转人工。"
    assert summary == sentence * (len(summary) // len(sentence))


def test_a_delivery_report_before_twilio_answers_is_kept(app, client, session, observer):
    """Twilio reports "sent" and "delivered" before the REST answer with the sid is in."""
    from hotline.infra import context
    from hotline.infra.gateway import LocalGateway
    from hotline.services import texts as sms

    class ReportingFirst(LocalGateway):
        def send_sms(self, to, body, status_callback=None):
            sid = super().send_sms(to, body, status_callback)
            path = status_callback.removeprefix(PUBLIC_URL)
            for status in ("sent", "delivered"):
                report = {"MessageSid": sid, "MessageStatus": status}
                assert signed_post(app.test_client(), path, report).status_code == 204
            return sid

    local = context.gateway(app)
    gateway = ReportingFirst(local.path, local.from_number)
    context.provide(app, context.GATEWAY, gateway)
    sms.send(session, CITIZEN, "您的工单已受理。")
    session.commit()
    (sent,) = [r for r in gateway.sent() if r["kind"] == "sms"]
    message = observer.scalar(sa.select(Message).where(Message.direction == "out"))
    assert (message.sid, message.status) == (sent["sid"], "delivered")

    late = {"MessageSid": sent["sid"], "MessageStatus": "sent"}  # a late "sent", once more
    path = f"/twilio/sms/status?message={message.id}"
    assert signed_post(client, path, late).status_code == 204
    observer.expire_all()
    assert observer.get(Message, message.id).status == "delivered"
