"""Call-router services: load state, call the pure decisions, persist them atomically.

Claims use conditional UPDATEs (``... WHERE status = 'queued'``), so two web workers can
never give the same call to two agents, nor one agent two calls, on any database.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.db import utcnow
from routing.acd import AgentView, CallView, can_answer, queue_order
from routing.errors import AgentNotReady, CallUnavailable, NotEligible, RoutingError
from routing.models import Agent, AgentSkill, Call, IvrOption, LegacyLine
from routing.numberplan import normalize_number, resolve_entry

GENERAL_SKILL = "general"
MANUAL_STATES = ("available", "break", "offline")
# Twilio's final call statuses.
FINAL_STATUSES = ("completed", "busy", "failed", "no-answer", "canceled")
RESOLUTIONS = ("kb", "work_order", "on_call")


def start_call(
    session: orm.Session,
    *,
    call_sid: str,
    from_number: str,
    to_number: str,
    forwarded_from: str | None,
    main_number: str,
    now: datetime | None = None,
) -> tuple[Call, LegacyLine | None]:
    """Record a new inbound call (or return the one already recorded for ``call_sid``)."""
    call = session.scalar(sa.select(Call).where(Call.call_sid == call_sid))
    if call is not None:
        line = session.get(LegacyLine, call.legacy_line_number) if call.legacy_line_number else None
        return call, line
    numbers = session.scalars(sa.select(LegacyLine.number)).all()
    entry = resolve_entry(to_number, forwarded_from, [main_number], numbers)
    line = session.get(LegacyLine, entry.line_number) if entry.line_number else None
    call = Call(
        call_sid=call_sid,
        from_number=normalize_number(from_number) or from_number,
        to_number=normalize_number(to_number) or to_number,
        forwarded_from=normalize_number(forwarded_from) or None,
        entry=entry.kind,
        legacy_line_number=line.number if line else None,
        category_hint_code=line.default_category_code if line else None,
        status="ivr",
        created_at=now or utcnow(),
    )
    session.add(call)
    try:
        with session.begin_nested():
            session.flush()
    except sa.exc.IntegrityError:
        # The same webhook, delivered twice at once: the other delivery recorded it.
        call = session.scalar(sa.select(Call).where(Call.call_sid == call_sid))
    return call, line


def get_call(session: orm.Session, call_sid: str) -> Call | None:
    return session.scalar(sa.select(Call).where(Call.call_sid == call_sid))


def menu_options(session: orm.Session, menu: str = "main") -> list[IvrOption]:
    """The options of a menu as they are read out: 1 to 9, then 0."""
    options = session.scalars(sa.select(IvrOption).where(IvrOption.menu == menu))
    return sorted(options, key=lambda o: (o.digit == "0", o.digit))


def choose_option(session: orm.Session, call: Call, digits: str | None) -> IvrOption | None:
    """The menu option for ``digits``; None (and one more attempt counted) when there is none."""
    option = None
    if digits:
        option = session.scalar(
            sa.select(IvrOption).where(IvrOption.menu == "main", IvrOption.digit == digits[:1])
        )
    if option is None:
        call.menu_attempts += 1
    return option


def enqueue_call(
    session: orm.Session, call: Call, skill_code: str, now: datetime | None = None
) -> None:
    """Put the call in its skill's queue (again delivered webhooks change nothing)."""
    if call.status != "ivr":
        return
    call.skill_code = skill_code
    call.status = "queued"
    call.enqueued_at = now or utcnow()


def agent_for_user(session: orm.Session, user_id: int) -> Agent | None:
    return session.scalar(sa.select(Agent).where(Agent.user_id == user_id))


def agent_view(agent: Agent) -> AgentView:
    return AgentView(
        id=agent.id,
        state=agent.state,
        state_since=agent.state_since,
        skills={s.skill_code: s.level for s in agent.skills},
        languages=frozenset(agent.languages.split(",")),
    )


def call_view(call: Call) -> CallView:
    return CallView(
        id=call.id,
        skill_code=call.skill_code or GENERAL_SKILL,
        enqueued_at=call.enqueued_at,
        priority=call.priority,
        language=call.language,
    )


def waiting_calls_for(session: orm.Session, agent: Agent) -> list[Call]:
    """The queued calls this agent may take, in the order they will be served."""
    skills = [s.skill_code for s in agent.skills]
    calls = session.scalars(
        sa.select(Call).where(Call.status == "queued", Call.skill_code.in_(skills))
    ).all()
    by_id = {c.id: c for c in calls}
    view = agent_view(agent)
    return [by_id[c.id] for c in queue_order(map(call_view, calls)) if can_answer(view, c)]


def current_call(session: orm.Session, agent: Agent) -> Call | None:
    return session.scalar(
        sa.select(Call)
        .where(Call.agent_id == agent.id, Call.status == "connected")
        .order_by(Call.answered_at.desc())
    )


def set_agent_state(
    session: orm.Session, agent_id: int, state: str, now: datetime | None = None
) -> Agent:
    """Change an agent's state by their own choice (available, break, offline)."""
    if state not in MANUAL_STATES:
        raise AgentNotReady(f"an agent cannot choose the state {state!r}")
    agent = session.get(Agent, agent_id)
    if agent.state in ("reserved", "on_call"):
        raise AgentNotReady("finish the current call first")
    if agent.state != state:
        agent.state = state
        agent.state_since = now or utcnow()
    return agent


def accept_call(
    session: orm.Session, agent_id: int, call_id: int, now: datetime | None = None
) -> Call:
    """Give a waiting call to an available agent; exactly one agent can win a call."""
    now = now or utcnow()
    agent = session.get(Agent, agent_id)
    call = session.get(Call, call_id)
    if call is None:
        raise CallUnavailable("this call no longer exists")
    if call.status == "queued" and not can_answer(agent_view(agent), call_view(call)):
        raise NotEligible("this call needs a skill or language you do not have")
    took_agent = session.execute(
        sa.update(Agent)
        .where(Agent.id == agent_id, Agent.state == "available")
        .values(state="on_call", state_since=now)
    ).rowcount
    if took_agent != 1:
        raise AgentNotReady("set yourself available before taking a call")
    took_call = session.execute(
        sa.update(Call)
        .where(Call.id == call_id, Call.status == "queued", Call.agent_id.is_(None))
        .values(status="connected", agent_id=agent_id, answered_at=now)
    ).rowcount
    if took_call != 1:
        raise CallUnavailable("another agent has taken this call, or the caller hung up")
    session.expire(agent)
    session.expire(call)
    return call


def release_call(session: orm.Session, call_id: int, now: datetime | None = None) -> None:
    """Put a call back in its queue after bridging it failed, and free its agent."""
    now = now or utcnow()
    call = session.get(Call, call_id)
    if call.agent_id is not None:
        agent = session.get(Agent, call.agent_id)
        agent.state, agent.state_since = "available", now
    call.status, call.agent_id, call.answered_at = "queued", None, None


def resolve_call(
    session: orm.Session,
    call_id: int,
    agent_id: int,
    resolution: str,
    kb_article_id: str | None = None,
) -> Call:
    """Record how the agent resolved the call (a KB article, a work order, on the call)."""
    if resolution not in RESOLUTIONS:
        raise RoutingError(f"unknown resolution {resolution!r}")
    call = session.get(Call, call_id)
    if call is None or call.agent_id != agent_id:
        raise CallUnavailable("this is not your call")
    # A work order outranks an answer given earlier on the same call.
    if call.resolution != "work_order":
        call.resolution = resolution
    if kb_article_id is not None:
        call.kb_article_id = kb_article_id
    return call


def finish_call(session: orm.Session, agent_id: int, now: datetime | None = None) -> Agent:
    """The agent ends their call and enters wrap-up."""
    now = now or utcnow()
    agent = session.get(Agent, agent_id)
    call = current_call(session, agent)
    if call is not None:
        call.status = "completed"
        call.ended_at = call.ended_at or now
    if agent.state == "on_call":
        agent.state, agent.state_since = "wrap_up", now
    return agent


def record_call_status(
    session: orm.Session, call_sid: str, status: str, now: datetime | None = None
) -> Call | None:
    """Apply Twilio's status callback; a call that ended while waiting is abandoned."""
    call = get_call(session, call_sid)
    if call is None or status not in FINAL_STATUSES or call.ended_at is not None:
        return call
    now = now or utcnow()
    call.ended_at = now
    if call.status in ("ivr", "queued"):
        call.status = "abandoned" if call.status == "queued" else "completed"
    elif call.status == "connected":
        call.status = "completed"
        agent = session.get(Agent, call.agent_id)
        if agent is not None and agent.state == "on_call":
            agent.state, agent.state_since = "wrap_up", now
    return call


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
