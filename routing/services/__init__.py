"""Call-router services: load and lock state, call the pure decisions, persist them.

Reservations are made under row locks (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL;
SQLite serialises writers with BEGIN IMMEDIATE), so two web workers can never reserve the
same agent or the same call. A worker that finds a row locked skips it rather than waits:
the other worker is already deciding about it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.dialects import postgresql, sqlite

from hotline.db import utcnow
from routing import acd
from routing.errors import AgentNotReady, CallUnavailable, RoutingError
from routing.ivr import Phrase, match_speech
from routing.models import (
    Agent,
    AgentSkill,
    AgentStateChange,
    Call,
    CallEvent,
    IvrOption,
    LegacyLine,
    Skill,
)
from routing.numberplan import Line, NumberPlan, normalize_number

GENERAL_SKILL = acd.GENERAL_SKILL
MANUAL_STATES = ("available", "break", "offline")
# Twilio's final call statuses.
FINAL_STATUSES = ("completed", "busy", "failed", "no-answer", "canceled")
RESOLUTIONS = ("kb", "work_order", "on_call")
CALLBACK_PRIORITY = 10
URGENT_PRIORITY = 5
DEFAULT_HANDLE_SECONDS = 240
MAX_CANDIDATE_CALLS = 1000
QUEUE_PAGE = 500
# A row read under a lock must be the database's, not a copy the session already holds.
FRESH = {"populate_existing": True}


@dataclass(frozen=True)
class RouterSettings:
    reservation_seconds: int = 15
    short_abandon_seconds: int = 5
    offer_choices_after_seconds: int = 60
    service_level_seconds: int = 20


# --- Entry and menu -----------------------------------------------------------------


def number_plan(db: orm.Session | sa.Connection) -> NumberPlan:
    """The number plan as the database holds it (callers may keep it a while: see
    ``hotline.infra.reference``)."""
    columns = (
        LegacyLine.number,
        LegacyLine.name,
        LegacyLine.skill_code,
        LegacyLine.default_category_code,
    )
    return NumberPlan(Line(*row) for row in db.execute(sa.select(*columns)))


def record_arrival(
    db: orm.Session | sa.Connection,
    *,
    call_sid: str,
    from_number: str,
    to_number: str,
    forwarded_from: str | None,
    line: Line | None,
    now: datetime | None = None,
) -> bool:
    """Record a new inbound call in one statement; False if ``call_sid`` is already recorded.

    ``INSERT … ON CONFLICT (call_sid) DO NOTHING``: a webhook delivered twice, even twice at
    once, records the call once and neither delivery fails. On an autocommit connection it
    is a single round trip to the database.
    """
    values = {
        "call_sid": call_sid,
        "kind": "inbound",
        # Numbers are kept to their column's 32 characters: a SIP address or whatever else
        # a carrier sends must not stop the call.
        "from_number": (normalize_number(from_number) or from_number)[:32],
        "to_number": (normalize_number(to_number) or to_number)[:32],
        "forwarded_from": normalize_number(forwarded_from)[:32] or None,
        "entry": "legacy" if line else "main",
        "legacy_line_number": line.number if line else None,
        "category_hint_code": line.default_category_code if line else None,
        "language": "zh",
        "status": "ivr",
        "priority": 0,
        "menu_attempts": 0,
        "declined_agent_ids": [],
        "created_at": now or utcnow(),
    }
    dialect = db.dialect if isinstance(db, sa.Connection) else db.get_bind().dialect
    return db.execute(_ARRIVALS[dialect.name], values).scalar() is not None


# Built once, so that each arrival reuses the compiled statement.
_ARRIVALS = {
    name: dialect_insert(Call.__table__)
    .on_conflict_do_nothing(index_elements=["call_sid"])
    .returning(Call.__table__.c.id)
    for name, dialect_insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}


def get_call(session: orm.Session, call_sid: str) -> Call | None:
    return session.scalar(sa.select(Call).where(Call.call_sid == call_sid))


def _lock_call(session: orm.Session, call_sid: str) -> Call | None:
    """The call, locked: its end and a failed bridge (release_call) must not interleave."""
    return session.scalar(
        sa.select(Call)
        .where(Call.call_sid == call_sid)
        .with_for_update()
        .execution_options(**FRESH)
    )


def menu_options(session: orm.Session, menu: str = "main") -> list[IvrOption]:
    """The options of a menu as they are read out: 1 to 9, then 0."""
    options = session.scalars(sa.select(IvrOption).where(IvrOption.menu == menu))
    return sorted(options, key=lambda o: (o.digit == "0", o.digit))


def choose_language(session: orm.Session, call: Call, digits: str | None) -> bool:
    """Set the caller's language from the language menu; False (a try counted) if no match."""
    option = _option(session, "language", digits)
    if option is None or not option.language:
        call.menu_attempts += 1
        return False
    call.language = option.language
    call.menu_attempts = 0
    return True


def choose_topic(
    session: orm.Session,
    call: Call,
    digits: str | None,
    speech: str | None,
    category_phrases: Iterable[Phrase] = (),
) -> IvrOption | Phrase | None:
    """The topic by digit, or by speech matched to menu keywords and category names.

    The speech is kept on the call for the agent. None (and a try counted) when neither fits.
    """
    option = _option(session, "main", digits)
    if option is not None and option.skill_code:
        call.priority = max(call.priority, option.priority)
        return option
    if speech:
        call.speech_result = speech.strip()[:2000]
        options = [o for o in menu_options(session) if o.skill_code]
        phrases = [
            Phrase(keyword, o.skill_code)
            for o in options
            for keyword in (*o.keywords, o.label, o.label_yue, o.label_en)
            if keyword
        ]
        match = match_speech(speech, [*phrases, *category_phrases])
        if match is not None:
            if match.category_code:
                call.category_hint_code = match.category_code
            # Saying a topic is as good as pressing its digit, priority included.
            chosen = next((o for o in options if o.skill_code == match.skill_code), None)
            if chosen is not None:
                call.priority = max(call.priority, chosen.priority)
            return match
    call.menu_attempts += 1
    return None


def _option(session: orm.Session, menu: str, digits: str | None) -> IvrOption | None:
    if not digits:
        return None
    return session.scalar(
        sa.select(IvrOption).where(IvrOption.menu == menu, IvrOption.digit == digits.strip()[:1])
    )


def enqueue_call(
    session: orm.Session, call: Call, skill_code: str, now: datetime | None = None
) -> None:
    """Put the call in its skill's queue (again delivered webhooks change nothing)."""
    if call.status != "ivr":
        return
    call.skill_code = skill_code if session.get(Skill, skill_code) else GENERAL_SKILL
    call.status = "queued"
    call.enqueued_at = now or utcnow()


# --- Agents -------------------------------------------------------------------------


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


def _set_state(
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
    session: orm.Session, agent_id: int, state: str, now: datetime | None = None
) -> Agent:
    """Change an agent's state by their own choice (available, break, offline)."""
    now = now or utcnow()
    if state not in MANUAL_STATES:
        raise AgentNotReady(f"an agent cannot choose the state {state!r}")
    agent = _lock_agent(session, agent_id)
    if agent.state in ("reserved", "on_call"):
        raise AgentNotReady("finish the current call first")
    if agent.state == "wrap_up":
        _end_wrap_up(session, agent, now)
    _set_state(session, agent, state, now)
    return agent


def ready(session: orm.Session, agent_id: int, now: datetime | None = None) -> Agent:
    """End wrap-up (or a break) and take calls again."""
    return set_agent_state(session, agent_id, "available", now)


def _end_wrap_up(session: orm.Session, agent: Agent, now: datetime) -> None:
    last = session.scalar(
        sa.select(Call)
        .where(Call.agent_id == agent.id, Call.answered_at.is_not(None))
        .order_by(Call.answered_at.desc())
        .limit(1)
    )
    if last is not None and last.wrap_up_seconds is None:
        last.wrap_up_seconds = max(0, round((now - agent.state_since).total_seconds()))


def _lock_agent(session: orm.Session, agent_id: int) -> Agent:
    agent = session.scalar(
        sa.select(Agent).where(Agent.id == agent_id).with_for_update().execution_options(**FRESH)
    )
    if agent is None:
        raise AgentNotReady("no such agent")
    return agent


# --- Distribution -------------------------------------------------------------------


def skill_rules(session: orm.Session) -> dict[str, acd.SkillRule]:
    return {
        s.code: acd.SkillRule(s.code, s.overflow_after_seconds, tuple(s.overflow_skills or ()))
        for s in session.scalars(sa.select(Skill))
    }


def agent_view(agent: Agent) -> acd.AgentView:
    return acd.AgentView(
        id=agent.id,
        state=agent.state,
        state_since=agent.state_since,
        skills={s.skill_code: s.level for s in agent.skills},
        languages=frozenset(agent.languages.split(",")),
    )


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
    _reserve(session, call, agent, settings, now)
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
    after: acd.CallView | None = None
    while True:
        page = [call_view(row) for row in session.execute(_waiting_page(after))]
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
                _reserve(session, call, agent, settings, now)
                return call
        if len(page) < QUEUE_PAGE:
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


def _waiting_page(after: acd.CallView | None) -> sa.Select:
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
    return query.order_by(Call.priority.desc(), Call.enqueued_at, Call.id).limit(QUEUE_PAGE)


def _reserve(
    session: orm.Session, call: Call, agent: Agent, settings: RouterSettings, now: datetime
) -> None:
    call.reserved_agent_id = agent.id
    call.reservation_expires_at = now + timedelta(seconds=settings.reservation_seconds)
    _set_state(session, agent, "reserved", now)
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
        agent = _lock_agent(session, call.reserved_agent_id)
        if agent.state == "reserved":
            _set_state(session, agent, "break", now, reason="missed")
        _unreserve(call, decline=agent.id)
    session.flush()
    return [call.id for call in expired]


def tick(session: orm.Session, settings: RouterSettings, now: datetime | None = None) -> None:
    """Housekeeping that time makes necessary: expire reservations, overflow waiting calls."""
    now = now or utcnow()
    expire_reservations(session, settings, now)
    dispatch_waiting(session, settings, now)


def _unreserve(call: Call, decline: int | None = None) -> None:
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
        raise CallUnavailable("this call is no longer offered to you")
    agent = _lock_agent(session, agent_id)
    if agent.state != "reserved":
        raise AgentNotReady("you are not holding a reservation")
    _unreserve(call)
    call.status, call.agent_id, call.answered_at = "connected", agent_id, now
    _set_state(session, agent, "on_call", now)
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
        raise CallUnavailable("this call is no longer offered to you")
    agent = _lock_agent(session, agent_id)
    _unreserve(call, decline=agent_id)
    _set_state(session, agent, "available", now)
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
    if call.agent_id is not None:
        _set_state(session, _lock_agent(session, call.agent_id), "available", now)
    status = "queued" if call.ended_at is None else "abandoned"
    call.status, call.agent_id, call.answered_at = status, None, None


def current_call(session: orm.Session, agent: Agent) -> Call | None:
    """The call the agent is on, or has just finished and is wrapping up."""
    if agent.state not in ("on_call", "wrap_up"):
        return None
    return session.scalar(
        sa.select(Call)
        .where(Call.agent_id == agent.id, Call.answered_at.is_not(None))
        .order_by(Call.answered_at.desc())
        .limit(1)
    )


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
    ahead = [c for c in waiting_calls(session, [call.skill_code]) if c.id != call.id]
    order = acd.queue_order([*map(call_view, ahead), call_view(call)])
    return [c.id for c in order].index(call.id) + 1


def expected_wait(session: orm.Session, call: Call, now: datetime | None = None) -> int:
    """Seconds this caller should still expect to wait, from recent handle times."""
    position = queue_position(session, call)
    staffed = session.scalar(
        sa.select(sa.func.count(sa.distinct(Agent.id)))
        .join(AgentSkill, AgentSkill.agent_id == Agent.id)
        .where(AgentSkill.skill_code == call.skill_code, Agent.state != "offline")
    )
    return acd.expected_wait_seconds(
        position, average_handle_seconds(session, call.skill_code), staffed or 0
    )


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
    if not rows:
        return DEFAULT_HANDLE_SECONDS
    total = sum((end - start).total_seconds() + (wrap or 0) for start, end, wrap in rows)
    return total / len(rows)


# --- Calls ending, callbacks, messages, ratings --------------------------------------


def apply_event(session: orm.Session, call: Call, kind: str, key: str, payload: dict) -> bool:
    """Record that ``kind``/``key`` happened to the call; False if it was already recorded."""
    try:
        with session.begin_nested():
            session.add(CallEvent(call_id=call.id, kind=kind, key=key[:64], payload=payload))
    except sa.exc.IntegrityError:
        return False
    return True


def record_call_status(
    session: orm.Session, call_sid: str, status: str, now: datetime | None = None
) -> Call | None:
    """Apply Twilio's status callback; a call that ends while waiting is abandoned."""
    call = _lock_call(session, call_sid)
    if call is None or not apply_event(session, call, "status", status, {"CallStatus": status}):
        return call
    if status in FINAL_STATUSES:
        end_call(session, call, now or utcnow())
    return call


def record_queue_result(
    session: orm.Session,
    call_sid: str,
    result: str,
    queue_seconds: int | None,
    now: datetime | None = None,
) -> Call | None:
    """Apply the <Enqueue> action's result (bridged, hangup, leave, error…)."""
    call = _lock_call(session, call_sid)
    payload = {"QueueResult": result, "QueueTime": queue_seconds}
    if call is None or not apply_event(session, call, "queue-result", result, payload):
        return call
    call.queue_result = result
    if queue_seconds is not None:
        call.queue_seconds = queue_seconds
    if result == "hangup" or result in ("error", "system-error", "queue-full"):
        end_call(session, call, now or utcnow(), failed=result != "hangup")
    elif result == "leave" and call.status == "queued":
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
            call.status = "abandoned" if call.status == "queued" else "completed"
    elif failed and call.status == "abandoned":
        # The status callback came before the <Enqueue> result: the queue failed the caller,
        # who did not hang up on it.
        call.status = "failed"
    elif call.status == "connected":
        call.status = "completed"
        if call.agent_id is not None:
            agent = _lock_agent(session, call.agent_id)
            if agent.state == "on_call":
                _set_state(session, agent, "wrap_up", now)


def agent_leg_ended(session: orm.Session, call: Call, now: datetime | None = None) -> None:
    """The agent hung up; the caller may stay on to rate the service."""
    end_call(session, call, now or utcnow())


def _free_reserved_agent(session: orm.Session, call: Call, now: datetime) -> None:
    if call.reserved_agent_id is None:
        return
    agent = _lock_agent(session, call.reserved_agent_id)
    if agent.state == "reserved":
        _set_state(session, agent, "available", now)
    _unreserve(call)


def choose_while_waiting(
    session: orm.Session, call: Call, choice: str, now: datetime | None = None
) -> Call | None:
    """The caller's choice after a long wait: keep waiting, a callback, or a message.

    A callback joins the same queue at once, with priority; a message becomes a callback
    when the recording arrives. Returns the callback task, if one was made.
    """
    if call.status != "queued" or call.wait_choice in ("callback", "message"):
        return None
    call.wait_choice = choice
    if choice == "callback":
        return _callback_task(session, call, now or utcnow())
    return None


def record_message(
    session: orm.Session, call: Call, recording_url: str, now: datetime | None = None
) -> Call | None:
    """A voice message: a callback task that carries the recording (once per call)."""
    existing = session.scalar(
        sa.select(Call).where(Call.parent_call_id == call.id, Call.kind == "callback")
    )
    if existing is not None:
        existing.recording_url = existing.recording_url or recording_url
        return existing
    return _callback_task(session, call, now or utcnow(), recording_url)


def _callback_task(
    session: orm.Session, call: Call, now: datetime, recording_url: str | None = None
) -> Call:
    task = Call(
        call_sid="CB" + secrets.token_hex(16),
        kind="callback",
        parent_call_id=call.id,
        from_number=call.from_number,
        to_number=call.to_number,
        entry=call.entry,
        legacy_line_number=call.legacy_line_number,
        category_hint_code=call.category_hint_code,
        language=call.language,
        skill_code=call.skill_code or GENERAL_SKILL,
        speech_result=call.speech_result,
        status="queued",
        priority=CALLBACK_PRIORITY,
        created_at=now,
        enqueued_at=now,
        recording_url=recording_url,
    )
    session.add(task)
    session.flush()
    return task


def dialled_back(session: orm.Session, task: Call, call_sid: str) -> None:
    """The callback task's outbound call has a real CallSid now."""
    task.call_sid = call_sid


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
    """The agent ends their call from the console and enters wrap-up."""
    now = now or utcnow()
    # The call first, then the agent, as the webhooks that end it lock them (the agent's
    # hang-up posts /after-dial at the same moment): the other order deadlocks with them.
    unlocked = session.get(Agent, agent_id)
    seen = current_call(session, unlocked) if unlocked is not None else None
    if seen is not None:
        _lock_call(session, seen.call_sid)
    agent = _lock_agent(session, agent_id)
    call = current_call(session, agent)
    if call is not None and call.status == "connected":
        end_call(session, call, now)
    if agent.state == "on_call":
        _set_state(session, agent, "wrap_up", now)
    return agent


def caller_history(
    session: orm.Session, number: str, exclude_call_id: int | None = None, limit: int = 10
) -> list[Call]:
    """The caller's earlier calls, newest first."""
    query = sa.select(Call).where(Call.from_number == number, Call.kind == "inbound")
    if exclude_call_id is not None:
        query = query.where(Call.id != exclude_call_id)
    return list(session.scalars(query.order_by(Call.created_at.desc()).limit(limit)))
