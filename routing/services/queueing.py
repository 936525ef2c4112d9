"""Queueing and distribution: reservations, offers, their acceptance or refusal, the
housekeeping that time makes necessary, and what a waiting caller is told."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.db import utcnow
from routing import acd
from routing.errors import AgentNotReady, CallUnavailable
from routing.models import Agent, Call, Skill
from routing.services.agents import agent_view, end_overdue_wrap_ups, set_state
from routing.services.entry import GENERAL_SKILL
from routing.services.locks import FRESH, lock_agent

DEFAULT_HANDLE_SECONDS = 240
MAX_CANDIDATE_CALLS = 1000


@dataclass(frozen=True)
class RouterSettings:
    reservation_seconds: int = 15
    short_abandon_seconds: int = 5
    offer_choices_after_seconds: int = 60
    service_level_seconds: int = 20
    callback_attempts: int = 3
    callback_retry_minutes: float = 10
    wrap_up_limit_seconds: int = 0  # 0: wrap-up lasts until the agent is ready


def skill_rules(session: orm.Session) -> dict[str, acd.SkillRule]:
    return {
        s.code: acd.SkillRule(s.code, s.overflow_after_seconds, tuple(s.overflow_skills or ()))
        for s in session.scalars(sa.select(Skill))
    }


def call_view(call) -> acd.CallView:
    """The router's view of a call (a ``Call`` or a row of its queue columns)."""
    return acd.CallView(
        id=call.id,
        skill_code=call.skill_code or GENERAL_SKILL,
        enqueued_at=call.enqueued_at,
        priority=call.priority,
        language=call.language,
        declined_by=frozenset(call.declined_agent_ids or ()),
    )


def route_call(
    session: orm.Session,
    call_id: int,
    settings: RouterSettings,
    now: datetime | None = None,
    rules: dict[str, acd.SkillRule] | None = None,
) -> Agent | None:
    """Reserve the best available agent for a waiting call, if there is one."""
    now = now or utcnow()
    call = session.scalar(
        sa.select(Call)
        .where(Call.id == call_id, Call.status == "queued", Call.reserved_agent_id.is_(None))
        .with_for_update(skip_locked=True)
        .execution_options(**FRESH)
    )
    if call is None:
        return None
    end_overdue_wrap_ups(session, settings.wrap_up_limit_seconds, now)
    agents = session.scalars(
        sa.select(Agent)
        .where(Agent.state == "available")
        .with_for_update(skip_locked=True)
        .execution_options(**FRESH)
    ).all()
    by_id = {a.id: a for a in agents}
    choice = acd.pick_agent(
        call_view(call), map(agent_view, agents), now, rules or skill_rules(session)
    )
    if choice is None:
        return None
    agent = by_id[choice.id]
    reserve(session, call, agent, settings, now)
    return agent


def offer_work(
    session: orm.Session,
    agent_id: int,
    settings: RouterSettings,
    now: datetime | None = None,
    rules: dict[str, acd.SkillRule] | None = None,
) -> Call | None:
    """Reserve the best waiting call for an agent who has just become available.

    The queue is read in serving order, a page at a time and without locks, until a call the
    agent may take turns up; only that call is then locked (skipping it if another worker
    holds it) and re-checked. Concurrent decisions never lock each other out of the queue.
    """
    now = now or utcnow()
    agent = session.scalar(
        sa.select(Agent)
        .where(Agent.id == agent_id, Agent.state == "available")
        .with_for_update(skip_locked=True)
        .execution_options(**FRESH)
    )
    if agent is None:
        return None
    matcher = acd.CallMatcher(agent_view(agent), now, rules or skill_rules(session))
    page_size = _queue_page()
    after: acd.CallView | None = None
    while True:
        page = [call_view(row) for row in session.execute(_waiting_page(after, page_size))]
        for candidate in page:
            if not matcher.eligible(candidate):
                continue
            call = session.scalar(
                sa.select(Call)
                .where(
                    Call.id == candidate.id,
                    Call.status == "queued",
                    Call.reserved_agent_id.is_(None),
                )
                .with_for_update(skip_locked=True)
                .execution_options(**FRESH)
            )
            if call is not None and matcher.eligible(call_view(call)):
                reserve(session, call, agent, settings, now)
                return call
        if len(page) < page_size:
            return None
        after = page[-1]


_QUEUE_COLUMNS = (
    Call.id,
    Call.skill_code,
    Call.enqueued_at,
    Call.priority,
    Call.language,
    Call.declined_agent_ids,
)


def _queue_page() -> int:
    """``routing.services.QUEUE_PAGE``, read when used, so that setting it on the package
    (as a test does to page through a short queue) takes effect here."""
    from routing import services  # the package imports this module, so not at import time

    return services.QUEUE_PAGE


def _waiting_page(after: acd.CallView | None, page_size: int) -> sa.Select:
    """The next unreserved waiting calls in serving order, after ``after`` (keyset paging)."""
    query = sa.select(*_QUEUE_COLUMNS).where(
        Call.status == "queued", Call.reserved_agent_id.is_(None)
    )
    if after is not None:
        query = query.where(
            sa.or_(
                Call.priority < after.priority,
                sa.and_(
                    Call.priority == after.priority,
                    sa.or_(
                        Call.enqueued_at > after.enqueued_at,
                        sa.and_(Call.enqueued_at == after.enqueued_at, Call.id > after.id),
                    ),
                ),
            )
        )
    return query.order_by(Call.priority.desc(), Call.enqueued_at, Call.id).limit(page_size)


def reserve(
    session: orm.Session, call: Call, agent: Agent, settings: RouterSettings, now: datetime
) -> None:
    call.reserved_agent_id = agent.id
    call.reservation_expires_at = now + timedelta(seconds=settings.reservation_seconds)
    set_state(session, agent, "reserved", now)
    session.flush()


def dispatch_waiting(
    session: orm.Session, settings: RouterSettings, now: datetime | None = None
) -> int:
    """Offer every unreserved waiting call, in queue order, to an agent; returns how many."""
    now = now or utcnow()
    if not session.scalar(sa.select(sa.func.count(Agent.id)).where(Agent.state == "available")):
        return 0
    rules = skill_rules(session)
    waiting = session.execute(
        sa.select(Call.id)
        .where(Call.status == "queued", Call.reserved_agent_id.is_(None))
        .order_by(Call.priority.desc(), Call.enqueued_at, Call.id)
        .limit(MAX_CANDIDATE_CALLS)
    ).scalars()
    reserved = 0
    for call_id in list(waiting):
        if route_call(session, call_id, settings, now, rules) is not None:
            reserved += 1
    return reserved


def expire_reservations(
    session: orm.Session, settings: RouterSettings, now: datetime | None = None
) -> list[int]:
    """Reservations not accepted in time: the agent is set not ready, the call moves on."""
    now = now or utcnow()
    expired = session.scalars(
        sa.select(Call)
        .where(Call.reserved_agent_id.is_not(None), Call.reservation_expires_at < now)
        .with_for_update(skip_locked=True)
        .execution_options(**FRESH)
    ).all()
    for call in expired:
        assert call.reserved_agent_id is not None  # read under a lock where it is not None
        agent = lock_agent(session, call.reserved_agent_id)
        if agent.state == "reserved":
            set_state(session, agent, "break", now, reason="missed")
        unreserve(call, decline=agent.id)
    session.flush()
    return [call.id for call in expired]


def tick(session: orm.Session, settings: RouterSettings, now: datetime | None = None) -> None:
    """Housekeeping that time makes necessary: expire reservations, end wrap-ups past the
    limit, bring back callbacks due another attempt, overflow waiting calls."""
    now = now or utcnow()
    expire_reservations(session, settings, now)
    end_overdue_wrap_ups(session, settings.wrap_up_limit_seconds, now)
    callbacks_due(session, now)
    dispatch_waiting(session, settings, now)


def callbacks_due(session: orm.Session, now: datetime) -> int:
    """Scheduled callbacks whose retry time has come join the queue again, where they were
    (their priority and first queueing time kept). Returns how many."""
    due = session.scalars(
        sa.select(Call)
        .where(Call.status == "scheduled", Call.retry_at <= now)
        .with_for_update(skip_locked=True)
        .execution_options(**FRESH)
    ).all()
    for task in due:
        task.status, task.retry_at = "queued", None
    session.flush()
    return len(due)


def unreserve(call: Call, decline: int | None = None) -> None:
    if decline is not None and decline not in (call.declined_agent_ids or []):
        call.declined_agent_ids = [*(call.declined_agent_ids or []), decline]
    call.reserved_agent_id = None
    call.reservation_expires_at = None


def reservation_for(session: orm.Session, agent: Agent) -> Call | None:
    return session.scalar(
        sa.select(Call).where(Call.reserved_agent_id == agent.id, Call.status == "queued")
    )


def accept_reservation(
    session: orm.Session, agent_id: int, call_id: int, now: datetime | None = None
) -> Call:
    """The agent takes the call reserved for them; it is now theirs to bridge."""
    now = now or utcnow()
    call = session.scalar(
        sa.select(Call).where(Call.id == call_id).with_for_update().execution_options(**FRESH)
    )
    if call is None or call.status != "queued" or call.reserved_agent_id != agent_id:
        raise CallUnavailable("这通来电已不再分配给您")
    agent = lock_agent(session, agent_id)
    if agent.state != "reserved":
        raise AgentNotReady("您当前没有预占的来电")
    unreserve(call)
    # Answered only once the agent's leg connects (the <Dial> action says so), not here.
    call.status, call.agent_id = "connected", agent_id
    if call.kind == "callback":
        call.attempts += 1
    set_state(session, agent, "on_call", now)
    session.flush()
    return call


def decline_reservation(
    session: orm.Session,
    agent_id: int,
    call_id: int,
    settings: RouterSettings,
    now: datetime | None = None,
) -> None:
    """The agent turns the call down: it goes to the next agent, never back to them."""
    now = now or utcnow()
    call = session.scalar(
        sa.select(Call).where(Call.id == call_id).with_for_update().execution_options(**FRESH)
    )
    if call is None or call.reserved_agent_id != agent_id:
        raise CallUnavailable("这通来电已不再分配给您")
    agent = lock_agent(session, agent_id)
    unreserve(call, decline=agent_id)
    set_state(session, agent, "available", now)
    session.flush()
    route_call(session, call.id, settings, now)


def release_call(session: orm.Session, call_id: int, now: datetime | None = None) -> None:
    """Put a call back in its queue after bridging it failed, and free its agent.

    A caller who hung up meanwhile (their end was recorded while the bridge was being
    made) never reached the agent: the call is abandoned, not queued again.
    """
    now = now or utcnow()
    call = session.scalar(
        sa.select(Call).where(Call.id == call_id).with_for_update().execution_options(**FRESH)
    )
    if call is None:
        raise CallUnavailable("没有这通电话")
    if call.agent_id is not None:
        set_state(session, lock_agent(session, call.agent_id), "available", now)
    status = "queued" if call.ended_at is None else "abandoned"
    call.status, call.agent_id, call.answered_at = status, None, None


def waiting_calls(session: orm.Session, skill_codes: Iterable[str] | None = None) -> list[Call]:
    """The calls in the queues (all, or these skills'), in the order they will be served."""
    query = sa.select(Call).where(Call.status == "queued")
    if skill_codes is not None:
        query = query.where(Call.skill_code.in_(list(skill_codes)))
    calls = session.scalars(query).all()
    by_id = {c.id: c for c in calls}
    return [by_id[c.id] for c in acd.queue_order(map(call_view, calls))]


def queue_position(session: orm.Session, call: Call) -> int:
    """1 for the next call to be served in its skill's queue."""
    ahead = [c for c in waiting_calls(session, [_queue_of(call)]) if c.id != call.id]
    order = acd.queue_order([*map(call_view, ahead), call_view(call)])
    return [c.id for c in order].index(call.id) + 1


def expected_wait(session: orm.Session, call: Call, now: datetime | None = None) -> int:
    """Seconds this caller should still expect to wait: the calls ahead at recent handle
    times, shared among the agents at work who could take this very call."""
    now = now or utcnow()
    position = queue_position(session, call)
    at_work = session.scalars(
        sa.select(Agent)
        .where(Agent.state.in_(acd.SERVING_STATES))
        .options(orm.selectinload(Agent.skills))
    ).all()
    serving = acd.serving_agents(
        call_view(call), map(agent_view, at_work), now, skill_rules(session)
    )
    return acd.expected_wait_seconds(
        position, average_handle_seconds(session, _queue_of(call)), serving
    )


def _queue_of(call: Call) -> str:
    """The skill whose queue the call waits in."""
    if call.skill_code is None:
        raise CallUnavailable("这通电话不在任何队列中")
    return call.skill_code


def average_handle_seconds(session: orm.Session, skill_code: str, sample: int = 50) -> float:
    """Mean talk plus wrap-up time of the skill's last ``sample`` answered calls."""
    rows = session.execute(
        sa.select(Call.answered_at, Call.ended_at, Call.wrap_up_seconds)
        .where(
            Call.skill_code == skill_code, Call.answered_at.is_not(None), Call.ended_at.is_not(None)
        )
        .order_by(Call.ended_at.desc())
        .limit(sample)
    ).all()
    handled = [
        (end - start).total_seconds() + (wrap or 0)
        for start, end, wrap in rows
        if start is not None and end is not None
    ]
    if not handled:
        return DEFAULT_HANDLE_SECONDS
    return sum(handled) / len(handled)
