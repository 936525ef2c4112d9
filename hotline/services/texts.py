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
from routing import messaging, triage
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
# The carriers' keywords, each a whole text (any case or width): Twilio's standard opt-out,
# opt-in and help words, and their Chinese counterparts.
OPT_OUT_WORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"}
    | {"退订", "退訂", "td"}
)
OPT_IN_WORDS = frozenset({"start", "unstop", "yes", "开通", "開通", "订阅", "訂閱"})
HELP_WORDS = frozenset({"help", "info", "帮助", "幫助"})
AGENT_WORDS = {"0", "人工", "转人工", "轉人工", "agent"}
STATUS_PATTERN = re.compile(r"^(?:查询|查詢|status)\s*[:：]?\s*(\d{8}-\d{6})$", re.IGNORECASE)


TEXTS = {
    "empty": {
        "zh": "您好，这里是12345热线。请直接发送您要咨询或反映的问题。",
        "en": "This is the 12345 hotline. Please text us your question or problem.",
    },
    "stopped": {
        "zh": "您已退订12345短信，本号码不会再给您发短信。回复“开通”或START可恢复。",
        "en": "You have unsubscribed from 12345 and will get no more texts. Reply START to resume.",
    },
    "started": {
        "zh": "您已恢复接收12345短信。回复“退订”或STOP可随时退订，回复“帮助”获取帮助。",
        "en": "You will get texts from 12345 again. Reply STOP to unsubscribe, HELP for help.",
    },
    "help": {
        "zh": "12345政务服务便民热线：发短信咨询或反映问题即可受理，回复“查询 工单号”查进度，"
        "回复0转人工，也可拨打12345。回复“退订”或STOP停止接收短信。",
        "en": "12345 government hotline: text us a question or a problem, 'status <number>' "
        "to follow a work order, 0 for an agent, or call 12345. Reply STOP to unsubscribe.",
    },
    "summary": {
        "zh": "以上为摘要，详询12345或回复0转人工。",
        "en": "This is a summary: call 12345 or reply 0 for an agent.",
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
    "welcome": {
        "zh": "不客气，感谢您对12345热线的支持。",
        "en": "You are welcome. Thank you for texting 12345.",
    },
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


def record_survey(
    session: orm.Session, conversation: Conversation, order: WorkOrder, answer: str
) -> None:
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


# Where a shortened text may end: a sentence's end, else a clause's.
SENTENCE_ENDS = "。！？；!?;.\n"
CLAUSE_ENDS = "，、：,:"
# What a cut must never split: a URL, and any run of Latin letters and digits with the
# marks inside numbers, ticket numbers and addresses ("20261202-000002", "1,600", "3.5").
UNBREAKABLE = re.compile(r"https?://[!-~]+|[0-9A-Za-z](?:[0-9A-Za-z_\-.,:/@%+#&=?]*[0-9A-Za-z_/])?")


def twilio_length(text: str) -> int:
    """Characters as Twilio counts them against its limit: a character outside the Basic
    Multilingual Plane (an emoji) counts twice."""
    return len(text.encode("utf-16-le")) // 2


def shorten(text: str, room: int) -> str:
    """The longest beginning of ``text`` within ``room`` characters that ends at a sentence's
    end, else a clause's, else between two words; never inside a number or a URL."""
    inside: set[int] = set()
    for run in UNBREAKABLE.finditer(text):
        inside.update(range(run.start() + 1, run.end()))
    cuts = [p for p in range(min(room, len(text)), 0, -1) if p not in inside]
    for ends in (SENTENCE_ENDS, CLAUSE_ENDS):
        for cut in cuts:
            if text[cut - 1] in ends:
                return text[:cut].rstrip()
    return text[: cuts[0]].rstrip() if cuts else ""


def fit(body: str, offer: str, limit: int = messaging.MAX_BODY) -> str:
    """``body`` as one text Twilio takes (it segments it itself): whole when it fits, else its
    beginning up to a boundary, marked as cut, then ``offer`` (where to hear the rest)."""
    body = body.strip()
    if twilio_length(body) <= limit:
        return body
    room = limit - twilio_length(offer) - 2
    while True:
        summary = shorten(body, room)
        if summary and summary[-1] in CLAUSE_ENDS:
            summary = summary[:-1]
        if not summary or summary[-1] not in SENTENCE_ENDS:
            summary += "…"
        shortened = f"{summary}\n{offer}"
        excess = twilio_length(shortened) - limit
        if excess <= 0:
            return shortened
        room -= excess  # characters that count twice


def normalise_command(body: str) -> str:
    return unicodedata.normalize("NFKC", body).strip().casefold()


def is_keyword(body: str) -> bool:
    """Whether a citizen's text is one of the words the hotline answers itself (opting out
    or in, help, 0 for an agent, a satisfaction answer, a status query), not a question."""
    command = normalise_command(body)
    return (
        not command
        or command in OPT_OUT_WORDS | OPT_IN_WORDS | HELP_WORDS | AGENT_WORDS
        or satisfaction_of(command) is not None
        or STATUS_PATTERN.match(command) is not None
    )


def send(
    session: orm.Session, phone: str, body: str, *, agent_id=None, confirming_opt_out=False
) -> Message | None:
    """Text ``body`` to ``phone``: the one way every outbound text goes out.

    The text is recorded in the number's conversation (status queued) in the caller's
    transaction, and the ``send_text`` job sends it exactly once after that commits. It is
    one message of at most 1,600 characters (Twilio's limit; Twilio segments it), a longer
    body shortened with :func:`fit`. A number that opted out is not texted (None, the
    refused text kept in the thread as failed), but for the confirmation of that opt-out.
    """
    number = normalize_number(phone)
    if not number:
        raise ValueError("a text needs a phone number")
    conversation = messaging.conversation_for(session, number)
    body = fit(body, localise(text(conversation, "summary"), conversation))
    message = messaging.queue_reply(
        session, conversation, body, agent_id, confirming_opt_out=confirming_opt_out
    )
    if message is not None:
        jobs.enqueue(session, "send_text", message.id)
    return message


def reply(
    session: orm.Session, conversation: Conversation, text: str, agent_id=None
) -> Message | None:
    """Send ``text`` to the conversation in the citizen's script, as one message; None when
    the number opted out."""
    return send(session, conversation.phone, localise(text, conversation), agent_id=agent_id)


def say(session: orm.Session, conversation: Conversation, key: str) -> Message | None:
    return reply(session, conversation, text(conversation, key))


def answer_keyword(session: orm.Session, conversation: Conversation, command: str, now) -> bool:
    """The carriers' keywords, each only as a whole text: True when ``command`` was one.

    STOP and its kin opt the number out; its confirmation, sent once as the opt-out begins,
    is the last text the number gets (as with Twilio's own opt-out). START and its kin end
    the opt-out and confirm; HELP says what the number is for and how to opt out.
    """
    word = re.sub(r"^[\W_]+|[\W_]+$", "", command)
    if word in OPT_OUT_WORDS:
        if word == "td":  # the Chinese carriers' short form of 退订, written in Latin letters
            conversation.language = "zh"
        if conversation.opted_out_at is None:
            messaging.opt_out(session, conversation, now)
            stopped = localise(text(conversation, "stopped"), conversation)
            send(session, conversation.phone, stopped, confirming_opt_out=True)
    elif word in OPT_IN_WORDS:
        messaging.opt_in(session, conversation)
        say(session, conversation, "started")
    elif word in HELP_WORDS:
        if not messaging.is_flooding(session, conversation, now):
            say(session, conversation, "help")
    else:
        return False
    return True


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
    if answer_keyword(session, conversation, command, now):
        return message
    if messaging.is_flooding(session, conversation, now):
        warned = conversation.flood_warned_at
        if warned is None or now - warned > messaging.FLOOD_WINDOW:
            conversation.flood_warned_at = now
            say(session, conversation, "flood")
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
    elif satisfaction_of(command) and (pending := survey_pending(session, conversation)):
        record_survey(session, conversation, pending, command)
    else:
        answer_question(session, conversation, body)
    return message


def answer_question(session: orm.Session, conversation: Conversation, body: str) -> None:
    """What a text that is no command gets, by its triage: a question answered with
    confidence gets the article; a report, a request or another question a work order."""
    triaged = triage.classify(body)
    # Searched for reports too: the closest article's category helps to file them.
    ranking = kb.search(session, body, limit=3)
    outcome = triage.route(triaged, ranking.confident)
    if outcome in (triage.WELCOME, triage.HELP):
        say(session, conversation, "welcome" if outcome == triage.WELCOME else "empty")
        return
    if outcome == triage.ANSWER:
        article = session.get_one(Article, ranking.hits[0].id)
        reply(session, conversation, f"{article.answer}\n{text(conversation, 'agent_hint')}")
        return
    category, reason = guess_category(session, body, ranking)
    order, deadline = open_work_order_from_text(
        session,
        phone=conversation.phone,
        body=body,
        category_code=category,
        note=f"{triaged.reason}; {reason}",
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
    if match is not None and match.category_code is not None:
        return match.category_code, f"category named in the text: “{match.text}”"
    options = routing_services.menu_options(session)
    keyword = match_speech(
        body, [Phrase(k, o.skill_code) for o in options if o.skill_code for k in o.keywords if k]
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


def record_delivery_status(
    session: orm.Session, sid: str, status: str, error_code: str, message_id: int | None = None
) -> None:
    """Twilio's delivery receipt for a text we sent (``message_id`` from the callback URL)."""
    messaging.record_status(session, sid, status, error_code, message_id)
    session.commit()
