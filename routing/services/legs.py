"""Every leg of a call has an outcome: the agent's leg of the bridge (answered, or not) and
the callback's call to the citizen (answered, tried again, or never reached).

Twilio requests the <Dial> action whenever the agent's leg ends, with ``DialCallStatus``
(completed: the agent answered and talked; no-answer, busy, failed, canceled: they did not)
and ``DialCallDuration``; that request, which the caller's call flow cannot go on without,
decides whether and since when the call is answered. A placed callback's final status
(completed, no-answer, busy, failed, canceled) comes to its ``StatusCallback``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import orm

from routing.errors import CallUnavailable
from routing.models import Agent, Call
from routing.services.agents import set_state
from routing.services.calls import apply_event, end_call
from routing.services.locks import FRESH, lock_agent
from routing.services.queueing import RouterSettings, unreserve

# DialCallStatus values of an agent's leg that was answered, and of one that was not.
LEG_CONNECTED = ("completed", "answered")
LEG_MISSED = ("no-answer", "busy", "failed", "canceled")
# A placed call's final statuses when the citizen never answered.
NOT_REACHED = ("no-answer", "busy", "failed", "canceled")


def _lock(session: orm.Session, call_id: int) -> Call | None:
    return session.scalar(
        sa.select(Call).where(Call.id == call_id).with_for_update().execution_options(**FRESH)
    )


def _current_leg(call: Call | None, leg_agent_id: int | None) -> bool:
    """Whether the <Dial> action is news of the call's current agent leg: the bridge names
    the agent it dials in the action URL, and a late action of an earlier leg (an agent who
    did not answer, the call since offered to another) must not be taken for this one's."""
    if call is None or call.agent_id is None:
        return False
    return leg_agent_id is None or call.agent_id == leg_agent_id


def agent_leg_answered(
    session: orm.Session,
    call_id: int,
    now: datetime,
    talk_seconds: int | None = None,
    leg_agent_id: int | None = None,
) -> Call | None:
    """The agent's leg connected: the call is answered, since ``talk_seconds`` before now
    (Twilio's DialCallDuration), and ends (the caller may stay on to rate the service).
    Applied once; a repeated request, or one of an earlier leg, changes nothing. A caller's
    end recorded before this news (the status callback came first) was no abandon."""
    call = _lock(session, call_id)
    if not _current_leg(call, leg_agent_id):
        return None
    assert call is not None  # _current_leg says so
    if call.answered_at is None:
        call.answered_at = now - timedelta(seconds=max(0, talk_seconds or 0))
        if call.status == "abandoned" and call.kind == "inbound":
            call.status = "completed"
    if call.held_at is not None and call.status == "connected":
        session.flush()  # the leg ended because the caller was put on hold: the call goes on
        return call
    end_call(session, call, now)
    session.flush()
    return call


def agent_leg_missed(
    session: orm.Session,
    call_id: int,
    dial_status: str,
    caller_on_line: bool,
    settings: RouterSettings,
    now: datetime,
    leg_agent_id: int | None = None,
) -> Call | None:
    """The agent did not answer (no-answer, busy, failed): they are set not ready with that
    reason, and the call does not count as answered. A caller still on the line goes back
    to the queue where they were (their wait and priority kept, so at its head), never to
    this agent again; a callback's citizen is called back later (a new attempt). A caller
    who is gone has abandoned the call."""
    call = _lock(session, call_id)
    if not _current_leg(call, leg_agent_id):
        return call
    assert call is not None and call.agent_id is not None  # _current_leg says so
    resumed = call.kind == "inbound" and call.answered_at is not None
    if resumed and call.status == "connected" and caller_on_line:
        # The agent did not pick up again after a hold: the caller stays on hold for them.
        call.held_at = call.held_at or now
        session.flush()
        return call
    if call.answered_at is not None or call.status not in ("connected", "completed", "abandoned"):
        return call
    agent_id = call.agent_id
    if not apply_event(
        session, call, "agent-leg", f"agent {agent_id}", {"DialCallStatus": dial_status}
    ):
        return call
    agent = lock_agent(session, agent_id)
    if agent.state in ("on_call", "wrap_up") and not _busy_elsewhere(session, agent, call):
        # The caller hanging up while the agent's phone rang is not the agent's doing.
        if dial_status == "canceled" or not caller_on_line:
            set_state(session, agent, "available", now)
        else:
            set_state(session, agent, "break", now, reason=dial_status[:32])
    call.agent_id, call.answered_at = None, None
    unreserve(call, decline=agent_id)
    if not caller_on_line or call.ended_at is not None:
        call.status, call.ended_at = "abandoned", call.ended_at or now
        if call.kind == "callback":
            call.status = "failed"
        call.end_reason = f"agent {dial_status}"[:32]
    elif call.kind == "callback":
        # The citizen answered; that attempt reached them, so it does not count.
        call.status, call.attempts = "queued", max(0, call.attempts - 1)
    else:
        call.status = "queued"
    session.flush()
    return call


def _busy_elsewhere(session: orm.Session, agent: Agent, call: Call) -> bool:
    """Whether the agent is already on another call (this one's news came late)."""
    return bool(
        session.scalar(
            sa.select(sa.func.count(Call.id)).where(
                Call.agent_id == agent.id, Call.status == "connected", Call.id != call.id
            )
        )
    )


def record_callback_status(
    session: orm.Session,
    call_id: int,
    attempt: int,
    status: str,
    settings: RouterSettings,
    now: datetime,
) -> Call | None:
    """A placed callback's final status. Not reached (no-answer, busy, failed): the agent is
    freed and the citizen called again after the retry time, until the attempts are used
    up; then the task is closed as unreached. Each (attempt, status) is applied once, and a
    late status of an earlier attempt changes nothing."""
    task = _lock(session, call_id)
    if task is None or task.kind != "callback":
        return task
    if not apply_event(
        session, task, "callback-status", f"{attempt}:{status}", {"CallStatus": status}
    ):
        return task
    if attempt != task.attempts or task.status != "connected":
        return task
    if status not in NOT_REACHED:
        if status == "completed":
            end_call(session, task, now)
        return task
    if task.answered_at is not None:
        end_call(session, task, now)
        return task
    if task.agent_id is not None:
        agent = lock_agent(session, task.agent_id)
        if agent.state == "on_call":
            set_state(session, agent, "available", now)
    task.agent_id = None
    if task.attempts < settings.callback_attempts:
        task.status = "scheduled"
        task.retry_at = now + timedelta(minutes=settings.callback_retry_minutes)
    else:
        task.status, task.ended_at, task.end_reason = "unreached", now, status[:32]
    session.flush()
    return task


def end_gone_call(session: orm.Session, call_id: int, reason: str, now: datetime) -> Call:
    """Twilio no longer knows the call (it has ended): close the record with the reason,
    instead of queueing it again to be offered to every agent in turn, and free its agent."""
    call = _lock(session, call_id)
    if call is None:
        raise CallUnavailable("通话 {call_id} 不存在", call_id=call_id)
    if call.agent_id is not None:
        agent = lock_agent(session, call.agent_id)
        # In wrap-up if the caller's end was recorded while Twilio was being asked.
        if agent.state in ("on_call", "wrap_up"):
            set_state(session, agent, "available", now)
    unreserve(call)
    call.agent_id, call.answered_at = None, None
    # Never bridged, so never answered, whatever the caller's end already recorded.
    if call.status not in ("abandoned", "failed"):
        call.status = "abandoned" if call.kind == "inbound" else "failed"
    call.ended_at = call.ended_at or now
    call.end_reason = reason[:32]
    session.flush()
    return call
