"""Agents and their states: each change of state closes one spell of the agent's history."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.db import utcnow
from routing import acd
from routing.errors import AgentNotReady, InvalidPhone, UnknownWrapUpReason
from routing.models import Agent, AgentSkill, AgentStateChange, Call, WrapUpReason
from routing.services.locks import lock_agent

MANUAL_STATES = ("available", "break", "offline")
E164_NUMBER = re.compile(r"\+[1-9][0-9]{6,14}")
SIP_ADDRESS = re.compile(r"sips?:[^@\s<>\"]+@[^@\s<>\"]+")


def agent_for_user(session: orm.Session, user_id: int) -> Agent | None:
    return session.scalar(sa.select(Agent).where(Agent.user_id == user_id))


def create_agent(
    session: orm.Session,
    *,
    user_id: int,
    name: str,
    client_name: str,
    skills: dict[str, int],
    languages: str = "zh",
) -> Agent:
    agent = Agent(user_id=user_id, name=name, client_name=client_name, languages=languages)
    agent.skills = [AgentSkill(skill_code=code, level=level) for code, level in skills.items()]
    session.add(agent)
    session.flush()
    return agent


def set_state(
    session: orm.Session, agent: Agent, state: str, now: datetime, reason: str = ""
) -> None:
    """Change the agent's state and keep its history (one row per spell)."""
    if agent.state == state and agent.state_reason == reason:
        return
    session.execute(
        sa.update(AgentStateChange)
        .where(AgentStateChange.agent_id == agent.id, AgentStateChange.ended_at.is_(None))
        .values(ended_at=now)
    )
    session.add(AgentStateChange(agent_id=agent.id, state=state, reason=reason, started_at=now))
    agent.state, agent.state_since, agent.state_reason = state, now, reason


def set_agent_state(
    session: orm.Session,
    agent_id: int,
    state: str,
    now: datetime | None = None,
    wrap_up_code: str | None = None,
) -> Agent:
    """Change an agent's state by their own choice (available, break, offline); leaving
    wrap-up, ``wrap_up_code`` says what became of the call."""
    now = now or utcnow()
    if state not in MANUAL_STATES:
        raise AgentNotReady("坐席不能自行切换到“{state}”状态", state=state)
    if wrap_up_code is not None:
        reason = session.get(WrapUpReason, wrap_up_code)
        if reason is None or not reason.active:
            raise UnknownWrapUpReason("“{code}”不是可选的话后处理原因", code=wrap_up_code)
    agent = lock_agent(session, agent_id)
    if agent.state in ("reserved", "on_call"):
        raise AgentNotReady("请先结束当前通话")
    if agent.state == "wrap_up":
        _end_wrap_up(session, agent, now, wrap_up_code)
    set_state(session, agent, state, now)
    return agent


def wrap_up_reasons(session: orm.Session, include_inactive: bool = False) -> list[WrapUpReason]:
    query = sa.select(WrapUpReason).order_by(WrapUpReason.position, WrapUpReason.code)
    if not include_inactive:
        query = query.where(WrapUpReason.active.is_(True))
    return list(session.scalars(query))


def end_overdue_wrap_ups(session: orm.Session, limit_seconds: int, now: datetime) -> list[int]:
    """Agents whose wrap-up has lasted ``limit_seconds`` take calls again (0: no limit).
    Returns their ids; an agent another transaction holds is left for the next round."""
    if limit_seconds <= 0:
        return []
    overdue = session.scalars(
        sa.select(Agent)
        .where(
            Agent.state == "wrap_up", Agent.state_since <= now - timedelta(seconds=limit_seconds)
        )
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    ).all()
    for agent in overdue:
        _end_wrap_up(session, agent, now)
        set_state(session, agent, "available", now, reason="wrap_up_limit")
    session.flush()
    return [agent.id for agent in overdue]


def set_phone(session: orm.Session, agent_id: int, phone: str) -> str | None:
    """Where the agent takes calls: an E.164 number or a sip: address, empty for the browser.
    Returns the phone it replaces."""
    wanted = "".join(phone.split())
    if wanted and not (E164_NUMBER.fullmatch(wanted) or SIP_ADDRESS.fullmatch(wanted)):
        raise InvalidPhone(
            "“{phone}”既不是国际格式的电话号码（+8620…），也不是 SIP 地址"
            "（sip:agent@pbx.example.org）",
            phone=phone,
        )
    agent = lock_agent(session, agent_id)
    before, agent.phone = agent.phone, wanted or None
    return before


def ready(session: orm.Session, agent_id: int, now: datetime | None = None) -> Agent:
    """End wrap-up (or a break) and take calls again."""
    return set_agent_state(session, agent_id, "available", now)


def _end_wrap_up(
    session: orm.Session, agent: Agent, now: datetime, wrap_up_code: str | None = None
) -> None:
    last = session.scalar(
        sa.select(Call)
        # The call that ended last: its agent leg may not have been reported answered yet.
        .where(Call.agent_id == agent.id, Call.ended_at.is_not(None))
        .order_by(Call.ended_at.desc())
        .limit(1)
    )
    if last is not None and last.wrap_up_seconds is None:
        last.wrap_up_seconds = max(0, round((now - agent.state_since).total_seconds()))
        last.wrap_up_code = wrap_up_code


def agent_view(agent: Agent) -> acd.AgentView:
    return acd.AgentView(
        id=agent.id,
        state=agent.state,
        state_since=agent.state_since,
        skills={s.skill_code: s.level for s in agent.skills},
        languages=frozenset(agent.languages.split(",")),
    )
