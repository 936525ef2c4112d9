"""Rows read under a lock, fresh from the database: the router's decisions rest on them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm

from routing.errors import AgentNotReady
from routing.models import Agent, Call

# A row read under a lock must be the database's, not a copy the session already holds.
FRESH = {"populate_existing": True}


def lock_call(session: orm.Session, call_sid: str) -> Call | None:
    """The call, locked: its end and a failed bridge (release_call) must not interleave."""
    return session.scalar(
        sa.select(Call)
        .where(Call.call_sid == call_sid)
        .with_for_update()
        .execution_options(**FRESH)
    )


def lock_agent(session: orm.Session, agent_id: int) -> Agent:
    """The agent, locked; AgentNotReady if there is no such agent."""
    agent = session.scalar(
        sa.select(Agent).where(Agent.id == agent_id).with_for_update().execution_options(**FRESH)
    )
    if agent is None:
        raise AgentNotReady("没有这个坐席")
    return agent
