"""Texts to and from 12345: what each inbound text gets, composed from messaging, the
knowledge base and work orders, and :func:`send`, through which every outbound text goes
(recorded in the caller's transaction, sent by a job after commit)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.db import utcnow
from hotline.infra import jobs
from hotline.services.workorders import open_work_order_from_text, record_satisfaction
from knowledge_base import services as kb
from knowledge_base.models import Article
from routing import messaging
from routing import services as routing_services
from routing.ivr import Phrase, match_speech
from routing.messaging import Conversation, Message
from routing.numberplan import normalize_number
from workorders import services as workorders
from workorders.calendar import LOCAL
from workorders.errors import WorkOrderError
from workorders.labels import status_label
from workorders.models import Category, WorkOrder
from workorders.survey import satisfaction_of

FALLBACK_CATEGORY = "GOV.LOCAL"
# Characters per text, leaving room for the "(1/3)" mark: 70 in Chinese (UCS-2), 160 in
# plain English (GSM-7).
SEGMENT = {"zh": 64, "en": 153}
STOP_WORDS = {"stop", "unsubscribe", "退订", "退訂", "td"}
AGENT_WORDS = {"0", "人工", "转人工", "轉人工", "agent"}
STATUS_PATTERN = re.compile(r"^(?:查询|查詢|status)\s*[:：]?\s*(\d{8}-\d{6})$", re.IGNORECASE)


TEXTS = {
    "empty": {
        "zh": "您好，这里是12345热线。请直接发送您要咨询或反映的问题。",
        "en": "This is the 12345 hotline. Please text us your question or problem.",
    },
    "stopped": {
        "zh": "您已退订12345短信，再次发送短信即可恢复。",
        "en": "You will get no more texts from 12345. Text us again to resume.",
    },
    "agent": {
        "zh": "已为您转人工服务，话务员将尽快回复。",
        "en": "An agent will reply to you shortly.",
    },
    "flood": {
        "zh": "您发送的短信过于频繁，请稍后再试。",
        "en": "You are sending too many texts. Please try again in a minute.",
    },
    "no_order": {
        "zh": "未找到您名下的工单 {number}，请核对工单号。",
        "en": "We found no work order {number} of yours. Please check the number.",
    },
    "order": {
        "zh": "工单 {number}：{status}，承办期限 {deadline}。",
        "en": "Work order {number}: {status}, due {deadline}.",
    },
    "agent_hint": {"zh": "如需人工服务请回复0。", "en": "Reply 0 to talk to an agent."},
    "opened": {
        "zh": "您反映的问题已受理，工单号 {number}，预计办理期限 {deadline}。"
        "回复“查询 {number}”可查进度。",
        "en": "We have opened work order {number}, due about {deadline}. "
        "Text 'status {number}' to follow it.",
    },
    "survey_thanks": {"zh": "感谢您的评价。", "en": "Thank you for your rating."},
    "survey_reopened": {
        "zh": "感谢反馈，您的工单已重新交办。",
        "en": "Thank you. Your work order has been reopened.",
    },
}


def text(conversation: Conversation, key: str, **values) -> str:
    texts = TEXTS[key]
    return texts.get(conversation.language, texts["zh"]).format(**values)


def order_status(session: orm.Session, conversation: Conversation, number: str) -> str:
    """The order's status and deadline, for the phone that opened it only."""
    try:
        order = workorders.get_work_order(session, number)
    except WorkOrderError:
        order = None
    if order is None or order.citizen_phone != conversation.phone:
        # The same answer as for a missing order, so numbers cannot be probed.
        return text(conversation, "no_order", number=number)
    deadline = (
        order.reply_deadline.astimezone(LOCAL).strftime("%Y-%m-%d")
        if (order.reply_deadline)
        else "—"
    )
    return text(
        conversation,
        "order",
        number=number,
        status=status_label(order.status, conversation.language),
        deadline=deadline,
    )


def survey_pending(session: orm.Session, conversation: Conversation) -> WorkOrder | None:
    """The citizen's order waiting for their satisfaction answer, if any."""
    orders = workorders.orders_for_phone(session, conversation.phone)
    return next((o for o in orders if o.status in ("replied", "callback")), None)


def record_survey(session: orm.Session, conversation: Conversation, answer: str) -> None:
    order = survey_pending(session, conversation)
    actor = workorders.Actor(f"sms:{conversation.phone}")
    order = record_satisfaction(session, order.number, answer, actor)
    reopened = order.satisfaction == "unsatisfied"
    say(session, conversation, "survey_reopened" if reopened else "survey_thanks")


@dataclass(frozen=True)
class Inbound:
    phone: str
    body: str
    sid: str
    received_at: datetime | None = None  # when Twilio sent it (a replay's original time)


def detect_language(text: str) -> tuple[str, str]:
    """(language, script): English when Latin letters dominate; traditional characters kept."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return "zh", "hans"
    latin = sum(1 for ch in letters if ch.isascii())
    if latin / len(letters) > 0.6:
        return "en", "hans"
    return "zh", "hant" if _to_simplified(text) != text else "hans"


def localise(text: str, conversation: Conversation) -> str:
    """Chinese replies in the script the citizen writes."""
    return _to_traditional(text) if conversation.script == "hant" else text


def split(text: str, size: int = SEGMENT["zh"]) -> list[str]:
    """Parts that each fit one text, numbered when there are several."""
    text = text.strip()
    if len(text) <= size:
        return [text]
    parts = [text[i : i + size] for i in range(0, len(text), size)]
    return [f"({n}/{len(parts)}){part}" for n, part in enumerate(parts, start=1)]


def normalise_command(body: str) -> str:
    return unicodedata.normalize("NFKC", body).strip().casefold()


def send(session: orm.Session, phone: str, body: str, *, agent_id=None) -> Message | None:
    """Text ``body`` to ``phone``: the one way every outbound text goes out.

    The text is recorded in the number's conversation (status queued) in the caller's
    transaction, and the ``send_text`` job sends it exactly once after that commits. A number
    that opted out is not texted: None, the refused text kept in the thread as failed.
    """
    number = normalize_number(phone)
    if not number:
        raise ValueError("a text needs a phone number")
    conversation = messaging.conversation_for(session, number)
    message = messaging.queue_reply(session, conversation, body, agent_id)
    if message is not None:
        jobs.enqueue(session, "send_text", message.id)
    return message


def reply(session: orm.Session, conversation: Conversation, text: str, agent_id=None) -> list:
    """Send ``text`` (split to text length) to the conversation; the parts that will go out."""
    size = SEGMENT["en"] if conversation.language == "en" and text.isascii() else SEGMENT["zh"]
    parts = split(localise(text, conversation), size)
    sent = [send(session, conversation.phone, part, agent_id=agent_id) for part in parts]
    return [message for message in sent if message is not None]


def say(session: orm.Session, conversation: Conversation, key: str) -> list:
    return reply(session, conversation, text(conversation, key))


def handle(session: orm.Session, inbound: Inbound) -> Message | None:
    """Record an inbound text and queue what it gets; None for a MessageSid seen before."""
    now = inbound.received_at or utcnow()
    message = messaging.receive(session, inbound.phone, inbound.body, inbound.sid, now)
    if message is None:
        return None
    conversation = message.conversation
    body = inbound.body[: messaging.MAX_BODY].strip()  # as recorded: what Twilio can carry
    if body:
        conversation.language, conversation.script = detect_language(body)
    command = normalise_command(body)
    if messaging.is_flooding(session, conversation, now):
        warned = conversation.flood_warned_at
        if warned is None or now - warned > messaging.FLOOD_WINDOW:
            conversation.flood_warned_at = now
            say(session, conversation, "flood")
        return message
    if command in STOP_WORDS:
        say(session, conversation, "stopped")
        messaging.opt_out(session, conversation, now)
        return message
    if conversation.agent_id is not None:
        return message  # an agent has the thread
    if not body:
        say(session, conversation, "empty")
    elif command in AGENT_WORDS:
        conversation.needs_agent = True
        say(session, conversation, "agent")
    elif match := STATUS_PATTERN.match(command):
        reply(session, conversation, order_status(session, conversation, match.group(1)))
    elif satisfaction_of(command) and survey_pending(session, conversation):
        record_survey(session, conversation, command)
    else:
        answer_question(session, conversation, body)
    return message


def answer_question(session: orm.Session, conversation: Conversation, body: str) -> None:
    """A confident knowledge-base answer; otherwise a work order for a dispatcher to confirm."""
    ranking = kb.search(session, body, limit=3)
    if ranking.confident:
        article = session.get(Article, ranking.hits[0].id)
        reply(session, conversation, f"{article.answer}\n{text(conversation, 'agent_hint')}")
        return
    category, reason = guess_category(session, body, ranking)
    order, deadline = open_work_order_from_text(
        session, phone=conversation.phone, body=body, category_code=category, note=reason
    )
    reply(
        session,
        conversation,
        text(
            conversation,
            "opened",
            number=order.number,
            deadline=deadline.astimezone(LOCAL).strftime("%Y-%m-%d"),
        ),
    )


def guess_category(session: orm.Session, body: str, ranking) -> tuple[str, str]:
    """The category a text is most likely about, and why.

    A category's name heard in the text decides; else a menu keyword names the skill and,
    within it, the category whose name shares the longest run of characters with the text;
    else the closest article's category; else local affairs, for the dispatcher.
    """
    leaves = session.execute(
        sa.select(Category.code, Category.name, Category.skill_code).where(
            Category.parent_code.is_not(None)
        )
    ).all()
    match = match_speech(
        body, [Phrase(name, skill or "general", code) for code, name, skill in leaves]
    )
    if match is not None:
        return match.category_code, f"category named in the text: “{match.text}”"
    options = [o for o in routing_services.menu_options(session) if o.skill_code]
    keyword = match_speech(
        body, [Phrase(k, o.skill_code) for o in options for k in o.keywords if k]
    )
    if keyword is not None:
        shared = [
            (_shared_run(body, name), code)
            for code, name, skill in leaves
            if skill == keyword.skill_code
        ]
        length, code = max(shared, default=(0, None))
        if code is not None and length >= 2:
            return code, f"topic “{keyword.text}” and the category's name"
    for hit in ranking.hits:
        article = session.get(Article, hit.id)
        if article is not None and article.category_code:
            return article.category_code, f"category of the closest article {article.id}"
    return FALLBACK_CATEGORY, "no category recognised: local affairs, for the dispatcher"


def _shared_run(text: str, name: str) -> int:
    """The length of the longest run of characters the two have in common."""
    matcher = SequenceMatcher(None, text, name, autojunk=False)
    return matcher.find_longest_match(0, len(text), 0, len(name)).size


def _to_simplified(text: str) -> str:
    return _converter("t2s").convert(text)


def _to_traditional(text: str) -> str:
    return _converter("s2t").convert(text)


_CONVERTERS: dict = {}


def _converter(kind: str):
    if kind not in _CONVERTERS:
        import opencc

        _CONVERTERS[kind] = opencc.OpenCC(kind)
    return _CONVERTERS[kind]


def receive(session: orm.Session, inbound: Inbound) -> Message | None:
    """The use case of an inbound text: handled and committed (its replies go out after)."""
    message = handle(session, inbound)
    session.commit()
    return message


def record_delivery_status(session: orm.Session, sid: str, status: str, error_code: str) -> None:
    """Twilio's delivery receipt for a text we sent."""
    messaging.record_status(session, sid, status, error_code)
    session.commit()
