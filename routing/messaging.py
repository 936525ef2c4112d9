"""Text conversations with citizens: threads, messages, opt-outs, flood limits, take-over.

A conversation is the thread with one phone number. Inbound texts are recorded once per
MessageSid; outbound texts are queued here and sent by a job through the gateway, their
status following the provider's callbacks.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.db import Base, UTCDateTime, affected_rows, utcnow

MESSAGE_STATUSES = ("received", "queued", "sending", "sent", "delivered", "failed", "undelivered")
# What a provider's status callback may move a message to, and from where: a late "sent"
# never overwrites "delivered".
STATUS_RANK = {
    "accepted": 0,
    "queued": 0,
    "sending": 1,
    "sent": 2,
    "delivered": 3,
    "undelivered": 3,
    "failed": 3,
}
FLOOD_WINDOW = timedelta(minutes=1)
FLOOD_LIMIT = 10
MAX_BODY = 1600
# Why an outbound text was not sent: the number texted STOP.
OPTED_OUT = "the number opted out"


class Conversation(Base):
    __tablename__ = "conversations"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    phone: orm.Mapped[str] = orm.mapped_column(sa.String(32), unique=True)
    language: orm.Mapped[str] = orm.mapped_column(sa.String(8), default="zh")
    script: orm.Mapped[str] = orm.mapped_column(sa.String(8), default="hans")
    opted_out_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)
    needs_agent: orm.Mapped[bool] = orm.mapped_column(default=False, index=True)
    agent_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("agents.id"))
    last_message_at: orm.Mapped[datetime] = orm.mapped_column(
        UTCDateTime, default=utcnow, index=True
    )
    flood_warned_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)

    messages: orm.Mapped[list[Message]] = orm.relationship(
        back_populates="conversation", order_by="Message.id"
    )


class Message(Base):
    __tablename__ = "messages"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    conversation_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("conversations.id"), index=True
    )
    direction: orm.Mapped[str] = orm.mapped_column(sa.String(8))
    body: orm.Mapped[str] = orm.mapped_column(sa.Text)
    sid: orm.Mapped[str | None] = orm.mapped_column(sa.String(64), unique=True)
    status: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    error: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    attempts: orm.Mapped[int] = orm.mapped_column(default=0)
    # Who last claimed this outbound text for sending (status "sending"), and when; see
    # hotline.tasks.texts.send_text.
    claimed_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)
    claimed_by: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    agent_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("agents.id"))
    created_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime, default=utcnow, index=True)

    conversation: orm.Mapped[Conversation] = orm.relationship(back_populates="messages")


def conversation_for(session: orm.Session, phone: str) -> Conversation:
    """The thread with ``phone``, created on first contact."""
    conversation = session.scalar(sa.select(Conversation).where(Conversation.phone == phone))
    if conversation is None:
        # Added only once the savepoint is open: begin_nested() flushes what is pending
        # first, and an insert that fails outside the savepoint fails the whole transaction.
        try:
            with session.begin_nested():
                conversation = Conversation(phone=phone)
                session.add(conversation)
        except sa.exc.IntegrityError:
            # Another request created it at the same moment.
            conversation = session.scalars(
                sa.select(Conversation).where(Conversation.phone == phone)
            ).one()
    return conversation


def receive(
    session: orm.Session, phone: str, body: str, sid: str, now: datetime | None = None
) -> Message | None:
    """Record an inbound text once; None when this MessageSid was already recorded."""
    now = now or utcnow()
    if session.scalar(sa.select(Message.id).where(Message.sid == sid)) is not None:
        return None
    conversation = conversation_for(session, phone)
    # By id, not through the relationship: a duplicate rolled back below must not stay in
    # the conversation's collection to be flushed again.
    try:
        with session.begin_nested():  # before the add, as in conversation_for
            message = Message(
                conversation_id=conversation.id,
                direction="in",
                body=body[:MAX_BODY],
                sid=sid,
                status="received",
                created_at=now,
            )
            session.add(message)
    except sa.exc.IntegrityError:
        # The same text, delivered twice at once: the other delivery recorded it.
        return None
    conversation.last_message_at = now
    return message


def opt_out(session: orm.Session, conversation: Conversation, now: datetime | None = None) -> None:
    """No text goes to the number from now on but the confirmation, which is queued with this
    very moment as its creation time (see :func:`queue_reply`); texting START ends it."""
    conversation.opted_out_at = now or utcnow()


def opt_in(session: orm.Session, conversation: Conversation) -> None:
    conversation.opted_out_at = None


def may_send(conversation: Conversation, message: Message) -> bool:
    """Whether the text may go out now: not to an opted-out number, unless it is the one
    confirmation of that opt-out (created at the moment of the opt-out itself)."""
    opted_out = conversation.opted_out_at
    return opted_out is None or message.created_at == opted_out


def refuse(
    session: orm.Session,
    message_id: int,
    reason: str,
    opted_out: bool = False,
    now: datetime | None = None,
) -> None:
    """The text being sent was refused for good (a number that can never be texted, the
    provider's refusal that no retry changes): failed, ``reason`` kept, never sent again.

    ``opted_out``: refused because the recipient opted out at the provider (texted STOP to
    it, perhaps before this thread began): the number is opted out here too, as its STOP
    would have done (:func:`opt_out`), so that no other text is queued for it. Each step is
    one UPDATE, so a refusal racing another attempt or a STOP undoes neither.
    """
    session.execute(
        sa.update(Message)
        .where(Message.id == message_id, Message.status == "sending")
        .values(status="failed", claimed_at=None, error=reason[:200])
        .execution_options(synchronize_session=False)
    )
    if opted_out:
        thread = sa.select(Message.conversation_id).where(Message.id == message_id)
        session.execute(
            sa.update(Conversation)
            .where(Conversation.id == thread.scalar_subquery(), Conversation.opted_out_at.is_(None))
            .values(opted_out_at=now or utcnow())
            .execution_options(synchronize_session=False)
        )


def is_flooding(
    session: orm.Session, conversation: Conversation, now: datetime | None = None
) -> bool:
    """More than FLOOD_LIMIT texts from this number within the last minute."""
    now = now or utcnow()
    recent = session.execute(
        sa.select(sa.func.count(Message.id)).where(
            Message.conversation_id == conversation.id,
            Message.direction == "in",
            Message.created_at > now - FLOOD_WINDOW,
        )
    ).scalar_one()
    return recent > FLOOD_LIMIT


def queue_reply(
    session: orm.Session,
    conversation: Conversation,
    body: str,
    agent_id: int | None = None,
    now: datetime | None = None,
    confirming_opt_out: bool = False,
) -> Message | None:
    """An outbound text waiting for the sending job; None if the number opted out.

    A refused text is kept all the same, as failed with the reason, so the thread shows it.
    The confirmation of an opt-out (``confirming_opt_out``) carries the opt-out's own time,
    which is how the sending job tells it from any other text to the number.
    """
    if confirming_opt_out and conversation.opted_out_at is not None:
        now = conversation.opted_out_at
    message = Message(
        conversation=conversation,
        direction="out",
        body=body,
        status="queued",
        agent_id=agent_id,
        created_at=now or utcnow(),
    )
    refused = not may_send(conversation, message)
    if refused:
        message.status, message.error = "failed", OPTED_OUT
    session.add(message)
    session.flush()
    if refused:
        return None
    conversation.last_message_at = message.created_at
    return message


def record_status(
    session: orm.Session, sid: str, status: str, error: str = "", message_id: int | None = None
) -> bool:
    """Apply the provider's status callback; False when it matches no text of ours.

    Each status only moves a text forward (STATUS_RANK): a repeated or late callback, such as
    a "sent" after "delivered", changes nothing. A callback may come before the sending job
    has recorded the sid Twilio answered with: its URL names our message (``message_id``,
    signed by Twilio with the rest of the URL), whose row exists before Twilio is asked, so
    the callback records the sid itself and nothing waits to be matched later. Each step is
    one UPDATE, so callbacks racing each other or the job cannot undo one another.
    """
    if status not in STATUS_RANK:
        return False
    rank = sa.case(STATUS_RANK, value=Message.status, else_=-1)
    forward = rank < STATUS_RANK[status]
    values = {"status": sa.case((forward, status), else_=Message.status)}
    if error:
        values["error"] = sa.case((forward, error[:200]), else_=Message.error)
    by_sid = (
        sa.update(Message)
        .where(Message.sid == sid)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if affected_rows(session.execute(by_sid)):
        return True
    if message_id is None:
        return False
    early = (
        sa.update(Message)
        .where(Message.id == message_id, Message.direction == "out", Message.sid.is_(None))
        .values(sid=sid, **values)
        .execution_options(synchronize_session=False)
    )
    if affected_rows(session.execute(early)):
        return True
    # The job recorded the sid between the two statements.
    return bool(affected_rows(session.execute(by_sid)))


def take_over(session: orm.Session, conversation_id: int, agent_id: int) -> Conversation:
    """An agent answers this thread from now on; automatic replies stop."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise LookupError(f"no conversation {conversation_id}")
    conversation.agent_id = agent_id
    conversation.needs_agent = False
    return conversation


def release(session: orm.Session, conversation_id: int) -> Conversation:
    """Automatic replies answer this thread again."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise LookupError(f"no conversation {conversation_id}")
    conversation.agent_id = None
    return conversation


def recent_conversations(session: orm.Session, limit: int = 50) -> list[Conversation]:
    """Threads the citizen wrote in, waiting for an agent first, then the most recent.

    A number the hotline only texted (a ticket number, a unit's notice) is no thread to
    answer, so it is left out."""
    wrote = sa.exists().where(Message.conversation_id == Conversation.id, Message.direction == "in")
    return list(
        session.scalars(
            sa.select(Conversation)
            .where(wrote)
            .order_by(Conversation.needs_agent.desc(), Conversation.last_message_at.desc())
            .limit(limit)
            # The list shows each thread's last words: its texts in one query, not one each.
            .options(orm.selectinload(Conversation.messages))
        )
    )
