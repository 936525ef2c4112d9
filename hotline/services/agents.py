"""The agent's desk (the console and the agent API): each change is one use case here,
which owns its transaction."""

from __future__ import annotations

from sqlalchemy import orm

from hotline.infra import context
from hotline.services.admin import record
from hotline.services.calls import agent_became_free
from knowledge_base import services as kb
from routing import services as routing
from routing.models import Agent
from workorders.services import Actor


def choose_state(
    session: orm.Session, agent_id: int, state: str, wrap_up: str | None = None
) -> None:
    """The agent's own choice (available, break, offline); available ends wrap-up (with
    what became of the call, ``wrap_up``) and offers them the best waiting call."""
    routing.set_agent_state(session, agent_id, state, wrap_up_code=wrap_up or None)
    session.commit()
    if state == "available":
        # Offered only once the new state is committed, so that a call arriving meanwhile
        # can find the agent too; agent_became_free commits the offer.
        agent_became_free(session, agent_id)


def decline(session: orm.Session, agent_id: int, call_id: int) -> None:
    """The agent turns the offered call down: it goes to the next agent."""
    routing.decline_reservation(session, agent_id, call_id, context.router_settings())
    session.commit()


def resolve(session: orm.Session, agent_id: int, call_id: int, article_id: str | None) -> None:
    """The agent resolved the call: with a knowledge-base article, or on the call."""
    if article_id:
        kb.get_article(session, article_id)  # ArticleNotFound, not a foreign-key failure
    resolution = "kb" if article_id else "on_call"
    routing.resolve_call(session, call_id, agent_id, resolution, article_id or None)
    session.commit()


def finish(session: orm.Session, agent_id: int) -> None:
    """The agent ends their call and enters wrap-up."""
    routing.finish_call(session, agent_id)
    session.commit()


def set_phone(session: orm.Session, agent_id: int, phone: str, actor: Actor) -> None:
    """Where the bridge rings the agent (their phone, or the browser when empty), audited."""
    before = routing.set_phone(session, agent_id, phone)
    after = session.get_one(Agent, agent_id).phone
    if before != after:
        record(
            session,
            actor,
            "agent",
            str(agent_id),
            "update",
            {"phone": {"from": before, "to": after}},
        )
    session.commit()
