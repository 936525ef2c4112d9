"""Call handling that needs the router, the gateway and the application together."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from datetime import time as clock_time
from typing import Any

import sqlalchemy as sa
from flask import url_for
from sqlalchemy import orm

from hotline.db import utcnow
from hotline.infra import context
from hotline.infra.gateway import GatewayError, call_is_gone
from knowledge_base import services as kb
from routing import services as routing
from routing.errors import CallUnavailable, InvalidNumber, UnknownTransferTarget
from routing.metrics import LOCAL
from routing.models import Agent, Call, LegacyLine, Skill
from workorders.models import Category
from workorders.services import orders_for_phone

log = logging.getLogger(__name__)


def connect(session: orm.Session, agent: Agent, call_id: int) -> Call:
    """Accept the agent's reservation and bridge the citizen to them through the gateway.

    An inbound caller waiting in the queue is redirected to a URL that dials the agent; a
    callback task places a call to the citizen that does the same once answered, and whose
    final status comes back to us. If Twilio says the call is gone, the call is ended and
    CallUnavailable raised; a callback to a number that cannot be dialled, or that Twilio
    refuses for good, is closed; if the gateway fails otherwise (a passing refusal), the call
    goes back to the queue and the error is raised.
    """
    call = routing.accept_reservation(session, agent.id, call_id)
    # Committed before the gateway is asked, which takes a while: Twilio requests the bridge
    # URL at once, from any web worker, which must find the call connected to this agent.
    # The outcome of the gateway's call (the callback's CallSid, or the release) is a second
    # transaction.
    session.commit()
    bridge = context.public_url(url_for("voice.bridge", call_id=call.id))
    gateway = context.gateway()
    try:
        if call.kind == "callback":
            status = url_for("voice.callback_status", call_id=call.id, attempt=call.attempts)
            call_sid = gateway.place_call(call.from_number, bridge, context.public_url(status))
            routing.dialled_back(session, call, call_sid)
        else:
            gateway.redirect_call(call.call_sid, bridge)
    except InvalidNumber as refused:
        # The caller's number can never be dialled (a short code, a SIP address): the task
        # is closed with the reason rather than offered again.
        routing.give_up_callback(session, call.id, str(refused))
        session.commit()
        raise
    except GatewayError as exc:
        log.warning("bridging call %s to agent %s failed", call.id, agent.id, exc_info=True)
        if call_is_gone(exc):
            # Queued again, it would be offered to every agent in turn, and never bridged.
            routing.end_gone_call(session, call.id, f"twilio {exc.code}", utcnow())
            session.commit()
            raise CallUnavailable("来电者已挂机") from exc
        if call.kind == "callback" and exc.permanent:
            # Twilio will never place this call (a number or a country it refuses): the task
            # is closed saying why, and the agent freed, rather than offered again and again.
            routing.give_up_callback(session, call.id, exc.reason, end_reason=f"twilio {exc.code}")
            session.commit()
            raise
        routing.release_call(session, call.id)
        session.commit()
        raise
    session.commit()
    return call


def agent_became_free(session: orm.Session, agent_id: int) -> Call | None:
    """Offer the agent the best waiting call, now that they can take one."""
    call = routing.offer_work(session, agent_id, context.router_settings())
    session.commit()
    return call


_last_ticks: dict[str, float] = {}
_ticks_lock = threading.Lock()


def keep_queues_moving(session: orm.Session) -> None:
    """Expire unanswered reservations and overflow waiting calls; cheap when nothing waits.
    At most once per ``router_tick_seconds`` in this process (for its database)."""
    config = context.settings()
    every, key = config.router_tick_seconds, config.database_url
    if every > 0:
        now = time.monotonic()
        with _ticks_lock:
            if now - _last_ticks.get(key, -every) < every:
                return
            _last_ticks[key] = now
    routing.tick(session, context.router_settings())
    session.commit()


def agent_status(session: orm.Session, agent: Agent) -> dict:
    """What the agent's console shows, as plain data (the console page and the JSON API)."""
    reservation = routing.reservation_for(session, agent)
    call = routing.current_call(session, agent)
    focus = reservation or call
    return {
        "agent": {"id": agent.id, "name": agent.name, "client": agent.client_name},
        "state": agent.state,
        "state_reason": agent.state_reason,
        "state_since": agent.state_since.isoformat(),
        # When wrap-up ends by itself (the wrap-up limit), if it does.
        "wrap_up_ends_at": _wrap_up_ends_at(agent),
        "ratings_today": ratings_today(session, agent),
        "reservation": _call_data(session, reservation) if reservation else None,
        "call": _call_data(session, call) if call else None,
        # A colleague consulting this agent about their caller (a warm transfer).
        "consulted": _consulted_data(session, agent),
        "history": [
            {
                "id": c.id,
                "at": c.created_at.isoformat(),
                "status": c.status,
                "resolution": c.resolution,
                "rating": c.rating,
            }
            for c in routing.caller_history(session, focus.from_number, focus.id)
        ]
        if focus
        else [],
        "open_work_orders": [
            {
                "number": o.number,
                "status": o.status,
                "category": o.category_code,
                "deadline": o.reply_deadline.isoformat() if o.reply_deadline else None,
            }
            for o in orders_for_phone(session, focus.from_number)
        ]
        if focus
        else [],
    }


def _wrap_up_ends_at(agent: Agent) -> str | None:
    limit = context.settings().wrap_up_limit_seconds
    if agent.state != "wrap_up" or limit <= 0:
        return None
    return (agent.state_since + timedelta(seconds=limit)).isoformat()


def waiting_for(session: orm.Session, agent: Agent) -> list[dict]:
    """The calls waiting in the agent's skills' queues, in the order they will be served
    (the console's queue panel)."""
    skills = {s.code: s.name for s in session.scalars(sa.select(Skill))}
    return [
        {
            "id": c.id,
            "kind": c.kind,
            "from": c.from_number,
            "skill": c.skill_code,
            "skill_name": skills.get(c.skill_code or ""),
            "enqueued_at": c.enqueued_at.isoformat() if c.enqueued_at else None,
        }
        for c in routing.waiting_calls(session, [s.skill_code for s in agent.skills])
    ]


def _call_data(session: orm.Session, call: Call) -> dict:
    line = session.get(LegacyLine, call.legacy_line_number or "")
    skill = session.get(Skill, call.skill_code or "")
    return {
        "id": call.id,
        "kind": call.kind,
        "status": call.status,
        "from": call.from_number,
        "language": call.language,
        "skill": call.skill_code,
        "skill_name": skill.name if skill else None,
        "line": {"number": line.number, "name": line.name} if line else None,
        "category_hint": category_hint(session, call),
        "speech_result": call.speech_result,
        "recording_url": call.recording_url,
        "enqueued_at": call.enqueued_at.isoformat() if call.enqueued_at else None,
        "answered_at": call.answered_at.isoformat() if call.answered_at else None,
        "reservation_expires_at": (
            call.reservation_expires_at.isoformat() if call.reservation_expires_at else None
        ),
        "resolution": call.resolution,
        "rating": call.rating,
        # What the agent who passed the call on wrote for the next one.
        "transfer_note": call.transfer_note,
        "transfers": call.transfers,
        "held_at": call.held_at.isoformat() if call.held_at else None,
        # A warm transfer under way: whom the agent is consulting, and whether they answered.
        "consult": (
            {"party": routing.consulting_party(session, call), "answered": bool(call.consult_sid)}
            if call.consult_agent_id is not None or call.consult_number
            else None
        ),
        # Whether the agent's leg can be moved (a warm transfer needs it).
        "leg_known": call.agent_leg_sid is not None,
    }


def _consulted_data(session: orm.Session, agent: Agent) -> dict | None:
    call = routing.consulted(session, agent)
    if call is None:
        return None
    by = session.get(Agent, call.agent_id) if call.agent_id else None
    return {
        "id": call.id,
        "by": by.name if by else None,
        "from": call.from_number,
        "note": call.transfer_note,
    }


def category_hint(session: orm.Session, call: Call) -> str | None:
    """The category a work order for the call starts from: its line's, or the one the caller
    named in the IVR; else the category of the article that answers what they said."""
    if call.category_hint_code or not call.speech_result:
        return call.category_hint_code
    code = kb.propose_category(session, call.speech_result)
    category = session.get(Category, code) if code else None
    return code if category is not None and category.is_leaf else None


def ratings_today(session: orm.Session, agent: Agent) -> dict[str, int]:
    """How callers rated this agent today (local day): 1 satisfied … 3 unsatisfied."""
    day_start = datetime.combine(utcnow().astimezone(LOCAL).date(), clock_time.min, tzinfo=LOCAL)
    counts = Counter(
        session.scalars(
            sa.select(Call.rating).where(
                Call.agent_id == agent.id, Call.rating.is_not(None), Call.answered_at >= day_start
            )
        )
    )
    return {str(k): counts.get(k, 0) for k in (1, 2, 3)}


TRANSFER_KINDS = ("queue", "agent", "outside")


def transfer(
    session: orm.Session, agent: Agent, call_id: int, kind: str, target: str, note: str
) -> Call:
    """Pass the agent's caller on (``kind``: a queue, an agent, an outside number of the
    directory) with ``note``, then redirect the caller's call there (:func:`_redirect`; if
    Twilio refuses for a while, the call is the agent's again)."""
    now = utcnow()
    settings = context.router_settings()
    before = session.get(Call, call_id)
    skill_before = before.skill_code if before is not None else None
    if kind == "queue":
        call = routing.transfer_to_queue(session, agent.id, call_id, target, note, now)
        endpoint = "voice.transfer"
    elif kind == "agent" and target.isascii() and target.isdigit():
        call = routing.transfer_to_agent(
            session, agent.id, call_id, int(target), note, settings, now
        )
        endpoint = "voice.transfer"
    elif kind == "outside" and target.isascii() and target.isdigit():
        call, _ = routing.transfer_out(session, agent.id, call_id, int(target), note, now)
        endpoint = "voice.transfer_out"
    else:
        raise UnknownTransferTarget("无法转接到“{target}”", target=target)
    session.commit()
    _redirect(
        session,
        call,
        endpoint,
        lambda: routing.undo_transfer(session, call.id, agent.id, skill_before, utcnow()),
    )
    if kind == "queue":  # an agent of the new queue, if one is free
        routing.route_call(session, call.id, settings)
        session.commit()
    return call


def hold(session: orm.Session, agent: Agent, call_id: int) -> Call:
    """Put the agent's caller on hold: they hear the hold message; the agent's leg ends and
    the call stays theirs."""
    call = routing.hold(session, agent.id, call_id, utcnow())
    session.commit()
    _redirect(session, call, "voice.hold", lambda: routing.unhold(session, call.id, None))
    return call


def resume(session: orm.Session, agent: Agent, call_id: int) -> Call:
    """Take the caller back from hold: the bridge rings the agent again."""
    before = session.get(Call, call_id)
    held_at = before.held_at if before is not None else None
    call = routing.resume(session, agent.id, call_id, utcnow())
    session.commit()
    _redirect(session, call, "voice.bridge", lambda: routing.unhold(session, call.id, held_at))
    return call


def consult(
    session: orm.Session, agent: Agent, call_id: int, kind: str, target: str, note: str
) -> Call:
    """A warm transfer begins: the caller waits in the call's conference, hearing the hold
    message; the agent's own leg goes to a second room, and Twilio calls the colleague (their
    browser or phone) or the outside number into it. If Twilio refuses either step, the
    call is as it was (the agent's leg back with the caller where it had left)."""
    if kind not in ("agent", "outside") or not (target.isascii() and target.isdigit()):
        raise UnknownTransferTarget("只能咨询座席或号码簿里的号码")
    now = utcnow()
    call = routing.begin_consult(session, agent.id, call_id, kind, int(target), note, now)
    if call.consult_agent_id is not None:
        colleague = session.get(Agent, call.consult_agent_id)
        assert colleague is not None  # begin_consult locked them
        address = colleague.phone or f"client:{colleague.client_name}"
    else:
        address = call.consult_number or ""
        if not address.startswith("+"):
            session.rollback()
            raise InvalidNumber("短号码只能直接转接，不能先咨询")
    leg_sid = call.agent_leg_sid
    assert leg_sid is not None  # begin_consult refuses without it
    session.commit()

    def back_as_before() -> None:
        routing.end_consult(session, call.id, utcnow())
        routing.unhold(session, call.id, None)

    try:
        context.gateway().redirect_call(leg_sid, _public("voice.consult_room", call))
    except GatewayError as exc:
        log.warning("moving call %s's agent leg to consult failed", call.id, exc_info=True)
        back_as_before()
        session.commit()
        if call_is_gone(exc):
            raise CallUnavailable("座席线路已断开") from exc
        raise
    try:
        sid = context.gateway().place_call(
            address,
            _public("voice.consult_room", call),
            status_callback=_public("voice.consult_status", call),
        )
    except (GatewayError, InvalidNumber):
        log.warning("calling the party call %s consults failed", call.id, exc_info=True)
        back_as_before()
        session.commit()
        # The agent's leg is alone in the consult room: back with the caller.
        _move_agent_leg(session, call, leg_sid)
        raise
    routing.consult_placed(session, call.id, sid)
    session.commit()
    return call


def complete_consult(session: orm.Session, agent: Agent, call_id: int) -> Call:
    """Put the caller through to the party consulted: their call joins the caller's room,
    and the agent's leg is ended (the agent goes to wrap-up)."""
    before = session.get(Call, call_id)
    leg_sid = before.agent_leg_sid if before is not None else None
    call = routing.complete_consult(session, agent.id, call_id, utcnow())
    consulted_sid = call.agent_leg_sid
    session.commit()
    assert consulted_sid is not None  # complete_consult refuses without it
    try:
        context.gateway().redirect_call(consulted_sid, _public("voice.room", call, side="party"))
    except GatewayError:
        log.warning("putting call %s through failed", call.id, exc_info=True)
        raise
    if leg_sid:
        _hang_up(leg_sid)
    return call


def cancel_consult(session: orm.Session, agent: Agent, call_id: int) -> Call:
    """Take the caller back: the consulted party's call is ended and the agent's leg joins
    the caller's room."""
    before = session.get(Call, call_id)
    consulted_sid = before.consult_sid if before is not None else None
    call = routing.cancel_consult(session, agent.id, call_id, utcnow())
    leg_sid = call.agent_leg_sid
    session.commit()
    if consulted_sid:
        _hang_up(consulted_sid)
    if leg_sid:
        _move_agent_leg(session, call, leg_sid)
    return call


def agent_left_consult(session: orm.Session, call_id: int, leg_sid: str) -> None:
    """The agent hung up while their caller waited in the room (a consultation under way):
    the consulted party's call is ended, and the caller goes back to their queue, at its
    head, told they are being transferred."""
    consulted_sid = routing.agent_left_consult(session, call_id, leg_sid, utcnow())
    if consulted_sid is None:
        return
    session.commit()
    if consulted_sid:
        _hang_up(consulted_sid)
    call = session.get(Call, call_id)
    assert call is not None  # agent_left_consult found it
    try:
        context.gateway().redirect_call(call.call_sid, _public("voice.transfer", call))
    except GatewayError as exc:
        log.warning("putting call %s back in its queue failed", call_id, exc_info=True)
        if call_is_gone(exc):
            routing.record_call_status(session, call.call_sid, "completed", utcnow())
            session.commit()
        return
    routing.route_call(session, call.id, context.router_settings())
    session.commit()


def _move_agent_leg(session: orm.Session, call: Call, leg_sid: str) -> None:
    """The agent's leg into the caller's room, where the caller waits."""
    try:
        context.gateway().redirect_call(leg_sid, _public("voice.room", call, side="agent"))
    except GatewayError:
        log.warning("moving call %s's agent leg back failed", call.id, exc_info=True)
        raise


def _hang_up(sid: str) -> None:
    """End a leg the hotline no longer needs; one already gone is fine."""
    try:
        context.gateway().hang_up_call(sid)
    except GatewayError as exc:
        if not call_is_gone(exc):
            log.warning("hanging up %s failed", sid, exc_info=True)


def _public(endpoint: str, call: Call, **values: Any) -> str:
    return context.public_url(url_for(endpoint, call_id=call.id, **values))


def _redirect(session: orm.Session, call: Call, endpoint: str, undo) -> None:
    """Send the caller's call, which is on an agent's line, to ``endpoint`` (the change that
    wants it is committed: Twilio asks the URL at once, from any web worker). If Twilio
    refuses, ``undo`` puts things back and the error is raised; CallUnavailable when the call
    is gone. A call that was bridged is not ended here: the caller hung up, and Twilio's
    status callback and <Dial> action close it as answered (``end_gone_call`` is for a call
    that never reached its agent)."""
    try:
        context.gateway().redirect_call(
            call.call_sid, context.public_url(url_for(endpoint, call_id=call.id))
        )
    except GatewayError as exc:
        log.warning("redirecting call %s to %s failed", call.id, endpoint, exc_info=True)
        undo()
        session.commit()
        if call_is_gone(exc):
            raise CallUnavailable("来电者已挂机") from exc
        raise
