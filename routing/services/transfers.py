"""Cold transfers and hold: the agent on a call passes the caller on, with a note that
travels, or holds them while looking something up.

- to a skill's queue: the caller waits there (at its head: their first queueing time is
  kept), never offered back to this agent, and the note shows on the next agent's offer;
- to a named agent: reserved for them at once, if they are available and may take it;
- to an outside number from the directory (110, 119, a department's desk): the call ends
  here, answered, with the number it went to.

In each case the agent who passed it on goes to wrap-up, and the call counts as answered
(the caller talked to an agent), whatever the next leg brings. The entry point redirects
the caller's call afterwards; if that fails, :func:`undo_transfer` puts the call back.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from routing.errors import AgentNotReady, CallUnavailable, NotEligible, UnknownTransferTarget
from routing.models import Agent, Call, Skill, TransferTarget
from routing.services.agents import agent_view, set_state
from routing.services.locks import FRESH, lock_agent
from routing.services.queueing import RouterSettings, reserve

NOTE_LIMIT = 500


def own_call(session: orm.Session, agent_id: int, call_id: int) -> tuple[Call, Agent]:
    call = session.scalar(
        sa.select(Call).where(Call.id == call_id).with_for_update().execution_options(**FRESH)
    )
    if call is None or call.agent_id != agent_id or call.status != "connected":
        raise CallUnavailable("该来电已不在您的线路上")
    if call.kind != "inbound":
        raise CallUnavailable("回拨电话不能转接，请重新呼叫市民")
    agent = lock_agent(session, agent_id)
    if agent.state != "on_call":
        raise AgentNotReady("您不在这通电话上")
    return call, agent


def _not_consulting(call: Call) -> None:
    if call.consult_agent_id is not None or call.consult_number or call.consult_sid:
        raise AgentNotReady("正在咨询中：请先完成转接或接回来电")


def _pass_on(session: orm.Session, call: Call, agent: Agent, note: str, now: datetime) -> None:
    _not_consulting(call)
    if call.answered_at is None:  # the caller talked to this agent: answered
        call.answered_at = now
    call.transfer_note = note.strip()[:NOTE_LIMIT] or None
    call.transfers += 1
    call.agent_leg_sid, call.in_room = None, False
    set_state(session, agent, "wrap_up", now)


def transfer_to_queue(
    session: orm.Session, agent_id: int, call_id: int, skill_code: str, note: str, now: datetime
) -> Call:
    """The caller goes to ``skill_code``'s queue, at its head."""
    if session.get(Skill, skill_code) is None:
        raise UnknownTransferTarget("没有技能组“{code}”", code=skill_code)
    call, agent = own_call(session, agent_id, call_id)
    _pass_on(session, call, agent, note, now)
    call.status, call.agent_id, call.skill_code = "queued", None, skill_code
    call.declined_agent_ids = [*(call.declined_agent_ids or []), agent_id]
    session.flush()
    return call


def transfer_to_agent(
    session: orm.Session,
    agent_id: int,
    call_id: int,
    target_id: int,
    note: str,
    settings: RouterSettings,
    now: datetime,
) -> Call:
    """The caller is offered to one named agent, who must be available and may take it."""
    if target_id == agent_id:
        raise NotEligible("这通电话已经在您这里")
    call, agent = own_call(session, agent_id, call_id)
    target = session.scalar(
        sa.select(Agent).where(Agent.id == target_id).with_for_update().execution_options(**FRESH)
    )
    if target is None:
        raise UnknownTransferTarget("没有编号为 {id} 的坐席", id=target_id)
    if target.state != "available":
        raise AgentNotReady("{name} 当前不是置闲状态", name=target.name)
    view = agent_view(target)
    if call.language not in view.languages:
        raise NotEligible("{name} 不会说来电者的语言", name=target.name)
    _pass_on(session, call, agent, note, now)
    call.status, call.agent_id = "queued", None
    reserve(session, call, target, settings, now)
    session.flush()
    return call


def transfer_out(
    session: orm.Session, agent_id: int, call_id: int, target_id: int, note: str, now: datetime
) -> tuple[Call, TransferTarget]:
    """The caller is put through to a number of the directory; the call ends here."""
    target = session.get(TransferTarget, target_id)
    if target is None or not target.active:
        raise UnknownTransferTarget("转接号码簿中没有编号为 {id} 的号码", id=target_id)
    call, agent = own_call(session, agent_id, call_id)
    _pass_on(session, call, agent, note, now)
    call.status, call.ended_at = "completed", now
    call.transferred_to, call.end_reason = target.number, "transferred out"
    session.flush()
    return call, target


def undo_transfer(
    session: orm.Session, call_id: int, agent_id: int, skill_code: str | None, now: datetime
) -> None:
    """The caller could not be redirected (Twilio refused for a while): the call is the
    agent's again, as it was."""
    call = session.scalar(
        sa.select(Call).where(Call.id == call_id).with_for_update().execution_options(**FRESH)
    )
    if call is None:
        return
    if call.reserved_agent_id is not None:
        target = lock_agent(session, call.reserved_agent_id)
        if target.state == "reserved":
            set_state(session, target, "available", now)
        call.reserved_agent_id = call.reservation_expires_at = None
    call.status, call.agent_id, call.skill_code = "connected", agent_id, skill_code
    call.ended_at = call.transferred_to = call.end_reason = None
    call.transfers = max(0, call.transfers - 1)
    declined = list(call.declined_agent_ids or [])
    if agent_id in declined:
        declined.remove(agent_id)
        call.declined_agent_ids = declined
    agent = lock_agent(session, agent_id)
    set_state(session, agent, "on_call", now)
    session.flush()


def transfer_targets(session: orm.Session, include_inactive: bool = False) -> list[TransferTarget]:
    query = sa.select(TransferTarget).order_by(TransferTarget.position, TransferTarget.id)
    if not include_inactive:
        query = query.where(TransferTarget.active.is_(True))
    return list(session.scalars(query))


def all_agents(session: orm.Session) -> list[Agent]:
    """Every agent, by name (whom a call may be passed to; the router says if not now)."""
    return list(session.scalars(sa.select(Agent).order_by(Agent.name)))


def hold(session: orm.Session, agent_id: int, call_id: int, now: datetime) -> Call:
    """The caller is put on hold (the entry point redirects them to the hold message, which
    ends the agent's leg); the call stays the agent's, who stays on it."""
    call, _ = own_call(session, agent_id, call_id)
    if call.held_at is not None:
        raise AgentNotReady("来电者已在保持中")
    call.held_at = now
    # The redirect ends the agent's leg (and a room's conference); the bridge's next dial
    # makes another.
    call.agent_leg_sid, call.in_room = None, False
    session.flush()
    return call


def resume(session: orm.Session, agent_id: int, call_id: int, now: datetime) -> Call:
    """Back from hold: the bridge dials the agent again."""
    call, _ = own_call(session, agent_id, call_id)
    _not_consulting(call)
    if call.held_at is None:
        raise AgentNotReady("来电者未在保持中")
    call.hold_seconds += max(0, round((now - call.held_at).total_seconds()))
    call.held_at = None
    session.flush()
    return call


def unhold(session: orm.Session, call_id: int, held_at: datetime | None) -> None:
    """Undo a hold or a resume Twilio refused: the call is as it was."""
    call = session.scalar(
        sa.select(Call).where(Call.id == call_id).with_for_update().execution_options(**FRESH)
    )
    if call is not None and call.status == "connected":
        call.held_at = held_at
        session.flush()
