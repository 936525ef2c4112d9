"""Text conversations the agents answer from the console, each change committed here."""

from __future__ import annotations

from sqlalchemy import orm

from hotline.services import texts
from routing import messaging
from routing.messaging import Conversation


def take_over(session: orm.Session, conversation_id: int, agent_id: int) -> None:
    """The agent answers the thread from now on; automatic replies stop."""
    messaging.take_over(session, conversation_id, agent_id)
    session.commit()


def release(session: orm.Session, conversation_id: int) -> None:
    messaging.release(session, conversation_id)
    session.commit()


def reply(session: orm.Session, conversation: Conversation, body: str, agent_id: int) -> None:
    """The agent's text to the citizen (sent by a job once committed)."""
    texts.reply(session, conversation, body, agent_id=agent_id)
    session.commit()
