"""Call records and their events: Twilio's callbacks, each applied once however often and
in whatever order it arrives, the call's end, its resolution and the caller's rating."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.db import utcnow
from routing.errors import CallUnavailable, RoutingError
from routing.models import Agent, Call, CallEvent
from routing.services.agents import set_state
from routing.services.entry import get_call
from routing.services.locks import lock_agent, lock_call
from routing.services.queueing import unreserve

# Twilio's final call statuses.
FINAL_STATUSES = ("completed", "busy", "failed", "no-answer", "canceled")
RESOLUTIONS = ("kb", "work_order", "on_call")
# The reason a colleague is on a call that is not theirs: an agent is consulting them.
CONSULT_REASON = "consult"


def apply_event(
    session: orm.Session,
    call: Call,
    kind: str,
    key: str,
    payload: dict,
    now: datetime | None = None,
) -> bool:
    """Record that ``kind``/``key`` happened to the call (at ``now``, when Twilio sent it);
    False if it was already recorded."""
    event = CallEvent(call_id=call.id, kind=kind, key=key[:64], at=now or utcnow(), payload=payload)
    try:
        with session.begin_nested():
            session.add(event)
    except sa.exc.IntegrityError:
        return False
    return True


def record_call_status(
    session: orm.Session, call_sid: str, status: str, now: datetime | None = None
) -> Call | None:
    """Apply Twilio's status callback; a call that ends while waiting is abandoned."""
    call = lock_call(session, call_sid)
    payload = {"CallStatus": status}
    if call is None or not apply_event(session, call, "status", status, payload, now):
        return call
    if status in FINAL_STATUSES:
        end_call(session, call, now or utcnow())
    return call


def end_turned_away(session: orm.Session, call_sid: str, now: datetime) -> Call | None:
    """A call the hotline turned away as it arrived (the fallback URL's apology, which hangs
    up): it ended then, whether or not Twilio's status callback for it is recorded."""
    call = lock_call(session, call_sid)
    if call is not None:
        end_call(session, call, now)
    return call


def record_queue_result(
    session: orm.Session,
    call_sid: str,
    result: str,
    queue_seconds: int | None,
    now: datetime | None = None,
) -> Call | None:
    """Apply the <Enqueue> action's result (bridged, hangup, leave, error…)."""
    call = lock_call(session, call_sid)
    payload = {"QueueResult": result, "QueueTime": queue_seconds}
    if call is None or not apply_event(session, call, "queue-result", result, payload, now):
        return call
    # A late "redirected" (the caller's first stay, before an agent who did not answer)
    # does not hide how the caller finally left the queue.
    if result != "redirected" or call.queue_result is None:
        call.queue_result = result
    if queue_seconds is not None:
        # A caller whose agent did not answer waited in the queue twice; Twilio counts each
        # stay (its QueueTime) from zero, and each result is applied once.
        call.queue_seconds = (call.queue_seconds or 0) + queue_seconds
    if result == "hangup" or result in ("error", "system-error", "queue-full"):
        end_call(session, call, now or utcnow(), failed=result != "hangup")
    elif result == "leave" and call.status in ("queued", "abandoned"):
        # The caller left the queue to record a message; a status callback that came
        # before this result took them for gone.
        call.status = "left"
        _free_reserved_agent(session, call, now or utcnow())
    return call


def end_call(session: orm.Session, call: Call, now: datetime, failed: bool = False) -> None:
    """The caller is gone: close the record once, whatever order the callbacks came in."""
    if call.ended_at is None:
        call.ended_at = now
    if call.status in ("ivr", "queued"):
        _free_reserved_agent(session, call, now)
        if failed:
            call.status = "failed"
        else:
            # A caller waiting after a transfer talked to an agent already: answered.
            waited_unanswered = call.status == "queued" and call.answered_at is None
            call.status = "abandoned" if waited_unanswered else "completed"
    elif failed and call.status == "abandoned":
        # The status callback came before the <Enqueue> result: the queue failed the caller,
        # who did not hang up on it.
        call.status = "failed"
    elif call.status == "connected":
        release_consulted(session, call, now)
        # An inbound call counts as answered only once the agent's leg connected; the
        # <Dial> action that says so may still be on its way (it makes the call completed).
        answered = call.answered_at is not None or call.kind != "inbound"
        call.status = "completed" if answered else "abandoned"
        if call.agent_id is not None:
            agent = lock_agent(session, call.agent_id)
            if agent.state == "on_call":
                set_state(session, agent, "wrap_up", now)


def release_consulted(session: orm.Session, call: Call, now: datetime) -> None:
    """A warm transfer's consultation is over: the colleague consulted is free again."""
    if call.consult_agent_id is not None:
        colleague = lock_agent(session, call.consult_agent_id)
        if colleague.state == "on_call" and colleague.state_reason == CONSULT_REASON:
            set_state(session, colleague, "available", now)
    call.consult_agent_id = call.consult_number = call.consult_sid = None


def _free_reserved_agent(session: orm.Session, call: Call, now: datetime) -> None:
    if call.reserved_agent_id is None:
        return
    agent = lock_agent(session, call.reserved_agent_id)
    if agent.state == "reserved":
        set_state(session, agent, "available", now)
    unreserve(call)


def record_rating(session: orm.Session, call_sid: str, digits: str | None) -> int | None:
    """The caller's rating after the agent hung up: 1 satisfied, 2 basically, 3 unsatisfied."""
    call = get_call(session, call_sid)
    if call is None or not digits or digits[:1] not in ("1", "2", "3"):
        return None
    if call.rating is None:
        call.rating = int(digits[:1])
    return call.rating


def resolve_call(
    session: orm.Session,
    call_id: int,
    agent_id: int,
    resolution: str,
    kb_article_id: str | None = None,
) -> Call:
    """Record how the agent resolved the call (a KB article, a work order, on the call)."""
    if resolution not in RESOLUTIONS:
        raise RoutingError("未知的处理结果“{code}”", code=resolution)
    call = session.get(Call, call_id)
    if call is None or call.agent_id != agent_id:
        raise CallUnavailable("这不是您的通话")
    # A work order outranks an answer given earlier on the same call.
    if call.resolution != "work_order":
        call.resolution = resolution
    if kb_article_id is not None:
        call.kb_article_id = kb_article_id
    return call


def current_call(session: orm.Session, agent: Agent) -> Call | None:
    """The call the agent is on, or has just finished and is wrapping up."""
    if agent.state not in ("on_call", "wrap_up"):
        return None
    # A call whose agent leg is still ringing, or has not been reported answered yet.
    connected = session.scalar(
        sa.select(Call)
        .where(Call.agent_id == agent.id, Call.status == "connected")
        .order_by(Call.id.desc())
        .limit(1)
    )
    if connected is not None:
        return connected
    return session.scalar(
        sa.select(Call)
        .where(Call.agent_id == agent.id, Call.answered_at.is_not(None))
        .order_by(Call.answered_at.desc())
        .limit(1)
    )


def finish_call(session: orm.Session, agent_id: int, now: datetime | None = None) -> Agent:
    """The agent ends their call from the console and enters wrap-up."""
    now = now or utcnow()
    # The call first, then the agent, as the webhooks that end it lock them (the agent's
    # hang-up posts /after-dial at the same moment): the other order deadlocks with them.
    unlocked = session.get(Agent, agent_id)
    seen = current_call(session, unlocked) if unlocked is not None else None
    if seen is not None:
        lock_call(session, seen.call_sid)
    agent = lock_agent(session, agent_id)
    call = current_call(session, agent)
    if call is not None and call.status == "connected":
        end_call(session, call, now)
    if agent.state == "on_call":
        set_state(session, agent, "wrap_up", now)
    return agent


def caller_history(
    session: orm.Session, number: str, exclude_call_id: int | None = None, limit: int = 10
) -> list[Call]:
    """The caller's earlier calls, newest first."""
    query = sa.select(Call).where(Call.from_number == number, Call.kind == "inbound")
    if exclude_call_id is not None:
        query = query.where(Call.id != exclude_call_id)
    return list(session.scalars(query.order_by(Call.created_at.desc()).limit(limit)))
