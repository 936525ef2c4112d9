"""Texts to 12345 triaged as a dispatcher would: a question answered with confidence gets the
article, a report of a problem a work order even when an article is similar, thanks a polite
reply, nonsense the help text. The knowledge base is the project's own articles."""

import sqlalchemy as sa

from hotline.seed.reference import KB_FILE, load_articles, read_jsonl
from knowledge_base.models import Article
from tests.http.test_sms import sent_to, text
from workorders.models import WorkOrder


def project_articles(session):
    load_articles(session, read_jsonl(KB_FILE))
    session.commit()


def orders(observer):
    return observer.scalars(sa.select(WorkOrder)).all()


def test_a_question_the_base_answers_gets_the_article_and_no_order(
    client, session, observer, gateway
):
    project_articles(session)
    text(client, "公积金怎么提取")
    sent = "".join(sent_to(gateway))
    # The base has an article on withdrawals in general; that one is the answer.
    (article,) = [a for a in observer.scalars(sa.select(Article)) if a.answer in sent]
    assert article.category_code == "HPF.WITHDRAW"
    assert orders(observer) == []


def test_a_report_opens_an_order_although_an_article_is_similar(client, session, observer, gateway):
    project_articles(session)
    text(client, "楼下垃圾桶好几天没人清理")
    (order,) = orders(observer)
    assert (order.channel, order.citizen_phone) == ("sms", "13800138000")
    joined = "".join(part.split(")", 1)[-1] for part in sent_to(gateway))
    assert order.number in joined and "预计办理期限" in joined
    assert "拨打12345" not in joined  # not the article that tells the citizen to call


def test_thanks_gets_a_polite_reply_and_nothing_else(client, observer, gateway):
    text(client, "好的，谢谢！")
    assert sent_to(gateway) == ["不客气，感谢您对12345热线的支持。"]
    assert orders(observer) == []


def test_nonsense_gets_the_help_text_and_no_order(client, observer, gateway):
    text(client, "哈哈哈哈")
    text(client, "asdfghjkl")
    chinese, english = sent_to(gateway)
    assert "请直接发送" in chinese and "Please text us" in english
    assert orders(observer) == []
