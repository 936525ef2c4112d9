"""Warm transfers: the agent talks to a colleague or an outside number first, with the
caller waiting (hold music), then puts the caller through, or takes them back.

The caller waits in the call's own conference room; the agent's leg is moved into a second
room, where the consulted party's call joins them. Putting the caller through moves the
consulted party into the caller's room and ends the agent's leg; taking the caller back
ends the consulted party's call and moves the agent's leg into the caller's room.

A consulted colleague must be available: they are on the call (reason "consult") while it
lasts, so the router offers them nothing else; once the caller is put through the call is
theirs, and the agent who passed it on goes to wrap-up. An outside number takes the call
out of the hotline's hands: it ends here, answered, with the number it went to.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from routing.errors import AgentNotReady, NotEligible, UnknownTransferTarget
from routing.models import Agent, Call, TransferTarget
from routing.services.agents import agent_view, set_state
from routing.services.calls import CONSULT_REASON, end_call, release_consulted
from routing.services.locks import FRESH, lock_agent
from routing.services.transfers import NOTE_LIMIT, own_call


def _lock_call(session: orm.Session, call_id: int) -> Call | None:
    return session.scalar(
        sa.select(Call).where(Call.id == call_id).with_for_update().execution_options(**FRESH)
    )


def begin_consult(
    session: orm.Session,
    agent_id: int,
    call_id: int,
    kind: str,
    target_id: int,
    note: str,
    now: datetime,
) -> Call:
    """The agent asks to consult ``kind`` ("agent" or "outside") ``target_id`` about their
    caller: the caller is held, and the consulted party is to be called."""
    call, _ = own_call(session, agent_id, call_id)
    if call.held_at is not None or call.consult_sid is not None:
        raise AgentNotReady("来电正在等待中，请先恢复通话")
    if call.agent_leg_sid is None:
        raise AgentNotReady("座席线路尚未接通，暂不能咨询")
    if kind == "agent":
        if target_id == agent_id:
            raise NotEligible("不能咨询自己")
        target = session.scalar(
            sa.select(Agent)
            .where(Agent.id == target_id)
            .with_for_update()
            .execution_options(**FRESH)
        )
        if target is None:
            raise UnknownTransferTarget("没有这位座席")
        if target.state != "available":
            raise AgentNotReady("{name} 当前不是置闲状态", name=target.name)
        if call.language not in agent_view(target).languages:
            raise NotEligible("{name} 不会说来电者的语言", name=target.name)
        set_state(session, target, "on_call", now, reason=CONSULT_REASON)
        call.consult_agent_id = target.id
    elif kind == "outside":
        number = session.get(TransferTarget, target_id)
        if number is None or not number.active:
            raise UnknownTransferTarget("转接号码簿里没有这个号码")
        call.consult_number = number.number
    else:
        raise UnknownTransferTarget("只能咨询座席或号码簿里的号码")
    call.held_at = now
    call.in_room = True
    call.transfer_note = note.strip()[:NOTE_LIMIT] or None
    session.flush()
    return call


def consult_placed(session: orm.Session, call_id: int, consult_sid: str) -> None:
    """Twilio took the call to the consulted party: its sid, to move or end it later."""
    call = _lock_call(session, call_id)
    if call is not None and (call.consult_agent_id or call.consult_number):
        call.consult_sid = consult_sid
        session.flush()


def _end_hold(call: Call, now: datetime) -> None:
    if call.held_at is not None:
        call.hold_seconds += max(0, round((now - call.held_at).total_seconds()))
        call.held_at = None


def end_consult(session: orm.Session, call_id: int, now: datetime) -> Call | None:
    """The consultation is over without the caller being put through (the agent took the
    caller back, the consulted party did not answer or hung up, or Twilio would not call
    them): a colleague is free again; the caller stays held until the agent is back."""
    call = _lock_call(session, call_id)
    if call is None:
        return None
    release_consulted(session, call, now)
    session.flush()
    return call


def cancel_consult(session: orm.Session, agent_id: int, call_id: int, now: datetime) -> Call:
    """The agent takes the caller back: the consulted party's call is to be ended and the
    agent's leg joins the caller."""
    call, _ = own_call(session, agent_id, call_id)
    if call.consult_sid is None and call.consult_agent_id is None and not call.consult_number:
        raise AgentNotReady("没有正在进行的咨询")
    release_consulted(session, call, now)
    _end_hold(call, now)
    session.flush()
    return call


def complete_consult(session: orm.Session, agent_id: int, call_id: int, now: datetime) -> Call:
    """The agent puts the caller through to the party they consulted: a colleague's call
    now (the agent to wrap-up), or out of the hotline to the outside number."""
    call, agent = own_call(session, agent_id, call_id)
    if call.consult_sid is None:
        raise AgentNotReady("被咨询方尚未接听，不能转接")
    if call.answered_at is None:
        call.answered_at = now
    call.transfers += 1
    _end_hold(call, now)
    set_state(session, agent, "wrap_up", now)
    if call.consult_agent_id is not None:
        colleague = lock_agent(session, call.consult_agent_id)
        set_state(session, colleague, "on_call", now)
        call.agent_id = colleague.id
    else:
        call.status, call.ended_at = "completed", now
        call.transferred_to, call.end_reason = call.consult_number, "transferred out"
    call.agent_leg_sid = call.consult_sid
    call.consult_agent_id = call.consult_number = call.consult_sid = None
    session.flush()
    return call


def consulted_call_ended(
    session: orm.Session, call_id: int, consult_sid: str, status: str, now: datetime
) -> Call | None:
    """The call Twilio placed to a consulted party ended (``status``: completed, no-answer,
    busy, failed, canceled). During the consultation: it is over, the caller still held.
    Once the caller was put through to a colleague: they hung up, the call ends."""
    call = _lock_call(session, call_id)
    if call is None:
        return None
    if call.consult_sid == consult_sid:
        release_consulted(session, call, now)
    elif call.agent_leg_sid == consult_sid and call.status == "connected":
        end_call(session, call, now)
    session.flush()
    return call


def agent_left_consult(
    session: orm.Session, call_id: int, leg_sid: str, now: datetime
) -> str | None:
    """The agent's own leg hung up while the caller waited for them (during a consultation,
    or before they were back): the caller goes back to their queue, at its head, never to
    this agent; the agent to wrap-up; a colleague consulted is free. Returns the consulted
    party's call to hang up, if any; None when the call was not waiting for this leg."""
    call = _lock_call(session, call_id)
    if call is None or call.status != "connected" or call.agent_leg_sid != leg_sid:
        return None
    if not (call.in_room and call.held_at is not None):
        return None
    consulted_sid = call.consult_sid
    release_consulted(session, call, now)
    if call.agent_id is not None:
        agent = lock_agent(session, call.agent_id)
        if agent.state == "on_call":
            set_state(session, agent, "wrap_up", now)
        call.declined_agent_ids = [*(call.declined_agent_ids or []), call.agent_id]
    if call.held_at is not None:
        call.hold_seconds += max(0, round((now - call.held_at).total_seconds()))
    call.status, call.agent_id, call.held_at = "queued", None, None
    call.in_room, call.agent_leg_sid = False, None
    session.flush()
    return consulted_sid or ""


def agent_leg_known(
    session: orm.Session, call_id: int, agent_id: int, leg_sid: str, now: datetime
) -> None:
    """The agent answered the bridge's dial: Twilio's sid of that leg, which a warm
    transfer moves into a conference. The call is answered from now (the <Dial> action,
    when the leg ends, says so again with its duration; the first word stands)."""
    call = _lock_call(session, call_id)
    if call is None or call.agent_id != agent_id or call.status != "connected":
        return
    call.agent_leg_sid = leg_sid
    if call.answered_at is None and call.kind == "inbound":
        call.answered_at = now
    session.flush()


def consulted(session: orm.Session, agent: Agent) -> Call | None:
    """The call a colleague is consulting this agent about, if any."""
    return session.scalar(
        sa.select(Call).where(Call.consult_agent_id == agent.id, Call.status == "connected")
    )


def consulting_party(session: orm.Session, call: Call) -> str | None:
    """Who the agent is consulting: a colleague's name, or the directory's name of the
    number (the number itself when it has none)."""
    if call.consult_agent_id is not None:
        colleague = session.get(Agent, call.consult_agent_id)
        return colleague.name if colleague is not None else None
    if call.consult_number:
        entry = session.scalar(
            sa.select(TransferTarget).where(TransferTarget.number == call.consult_number)
        )
        return entry.name if entry is not None else call.consult_number
    return None


__all__ = [
    "CONSULT_REASON",
    "agent_leg_known",
    "begin_consult",
    "cancel_consult",
    "complete_consult",
    "consult_placed",
    "consulted",
    "consulted_call_ended",
    "consulting_party",
    "end_consult",
]
