"""A month (or any number of days) of busy history on top of the demo: calls answered by a
floor of agents, the work orders they filed with their whole trail (dispatch, sign-for,
returns and determinations, extensions, replies, callbacks and closures, escalations of
the overdue ones), text threads, and the agents' state history.

The shape is the product's own: units come from the routing rules and the categories
(``workorders.assign``), deadlines from the working calendar (``workorders.deadlines``),
ticket numbers are counted per local day in ``ticket_counters``, and every status an
order has is the end of a chain of events the state machine allows. The rows are written
in bulk (one ``INSERT`` per table and batch) so that a month of a mid-size city (about
4,000 calls and 1,000 orders a day) is made in a few minutes on SQLite and PostgreSQL.
The same ``seed`` and ``now`` give the same rows.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.db import utcnow
from hotline.infra.passwords import hash_password
from hotline.models import User
from routing import services as routing
from routing.messaging import Conversation, Message
from routing.models import Agent, AgentSkill, AgentStateChange, Call, Skill, WrapUpReason
from workorders import services as workorders
from workorders.assignment import CategoryRule, assign
from workorders.calendar import LOCAL
from workorders.deadlines import DEFAULT_POLICY, deadlines
from workorders.models import (
    Category,
    ExtensionRequest,
    TicketCounter,
    Unit,
    WorkOrder,
    WorkOrderCoUnit,
    WorkOrderEvent,
    WorkOrderNotice,
)

# Calls by local hour of the day (relative weights): the day shift carries most of them.
HOURLY = (1, 1, 1, 1, 1, 2, 4, 9, 14, 16, 15, 13, 10, 12, 14, 14, 13, 11, 8, 7, 6, 4, 3, 2)
SHIFTS = ((7, 15), (9, 17), (11, 19), (14, 22), (22, 31))  # local hours; 31 = 7 next day
FLOOR_PASSWORD = "agent-12345"
BATCH = 5000
SKILL_WEIGHTS = {
    "general": 30,
    "social_security": 14,
    "housing": 10,
    "transport": 10,
    "urban_management": 12,
    "environment": 6,
    "health_education": 6,
    "market_regulation": 6,
    "public_security": 3,
    "utilities": 6,
    "english": 1,
}
PHRASES = (
    "市民反映{name}问题，请核实处理。",
    "来电人称{road}附近{name}，已持续多日，希望尽快解决。",
    "{road}一带{name}，多次反映未果，请相关部门处理并回复。",
    "市民咨询{name}相关政策，要求承办单位电话答复。",
)
ROADS = ("天河路", "北京路", "滨江东路", "机场路", "市桥街", "中山五路", "黄埔大道", "东风路")
TEXTS_IN = ("你好，想问一下", "我家附近一直没人处理", "请问办理需要什么材料", "谢谢", "好的")
TEXTS_OUT = ("您好，这里是12345热线。", "您的诉求已登记，工单号已短信告知。", "感谢您的反馈。")


@dataclass
class HistoryResult:
    days: int
    agents: int = 0
    calls: int = 0
    orders: int = 0
    events: int = 0
    state_changes: int = 0
    conversations: int = 0
    messages: int = 0
    statuses: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(self.statuses.items()))
        return (
            f"history: {self.days} days, {self.agents} agents, {self.calls} calls, "
            f"{self.orders} work orders ({statuses}), {self.events} order events, "
            f"{self.state_changes} agent states, {self.conversations} text threads "
            f"({self.messages} texts)"
        )


class _Ids:
    """The next free id of each table, so that rows can name each other before insert."""

    def __init__(self, session: orm.Session):
        self.session = session
        self.next: dict[Any, int] = {}

    def __call__(self, model) -> int:
        if model not in self.next:
            top = self.session.scalar(sa.select(sa.func.max(model.id))) or 0
            self.next[model] = top + 1
        value = self.next[model]
        self.next[model] = value + 1
        return value


class _Writer:
    """Rows per table, inserted in batches, parents before children."""

    ORDER = (
        Call,
        AgentStateChange,
        WorkOrder,
        WorkOrderCoUnit,
        WorkOrderEvent,
        ExtensionRequest,
        WorkOrderNotice,
        Conversation,
        Message,
    )

    def __init__(self, session: orm.Session):
        self.session = session
        self.rows: dict[Any, list[dict]] = {model: [] for model in self.ORDER}
        self.counts: dict[Any, int] = dict.fromkeys(self.ORDER, 0)

    def add(self, model, **row) -> None:
        self.rows[model].append(row)
        self.counts[model] += 1

    def flush(self) -> None:
        for model in self.ORDER:
            rows = self.rows[model]
            for start in range(0, len(rows), BATCH):
                self.session.execute(sa.insert(model), rows[start : start + BATCH])
            rows.clear()


def make_history(
    session: orm.Session,
    days: int,
    *,
    now: datetime | None = None,
    seed: int = 12345,
    calls_per_day: int = 4000,
    orders_per_day: int = 1000,
    agents: int = 80,
    progress: Callable[[int], None] | None = None,
) -> HistoryResult:
    """``days`` days of history ending at ``now``; the caller commits."""
    now = now or utcnow()
    rng = random.Random(seed)
    result = HistoryResult(days=days)
    floor = _floor(session, agents, rng)
    result.agents = len(floor)
    world = _World(session)
    ids = _Ids(session)
    writer = _Writer(session)
    first = (now.astimezone(LOCAL) - timedelta(days=days)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    order_share = orders_per_day / max(1, calls_per_day * 0.9)
    for index in range(days + 1):
        day = first + timedelta(days=index)
        _one_day(session, day, now, rng, floor, world, ids, writer, calls_per_day, order_share)
        writer.flush()
        if progress is not None:
            progress(1)
    _texts(session, first, now, rng, floor, ids, writer, days)
    writer.flush()
    _fix_sequences(session)
    result.calls = writer.counts[Call]
    result.orders = writer.counts[WorkOrder]
    result.events = writer.counts[WorkOrderEvent]
    result.state_changes = writer.counts[AgentStateChange]
    result.conversations = writer.counts[Conversation]
    result.messages = writer.counts[Message]
    result.statuses = world.statuses
    return result


@dataclass
class _Seat:
    agent_id: int
    user_id: int
    name: str
    skills: frozenset[str]
    shift: tuple[int, int]
    free_at: datetime | None = None
    last_state_end: datetime | None = None


def _floor(session: orm.Session, count: int, rng: random.Random) -> list[_Seat]:
    """The demo's agents and enough more (``floorNNN``) to answer a city's calls."""
    skills = list(session.scalars(sa.select(Skill.code)))
    wanted = [code for code in SKILL_WEIGHTS if code in skills]
    existing = session.scalar(sa.select(sa.func.count(Agent.id))) or 0
    password = None
    for number in range(1, max(0, count - existing) + 1):
        username = f"floor{number:03d}"
        if session.scalar(sa.select(User.id).where(User.username == username)) is not None:
            continue
        password = password or hash_password(FLOOR_PASSWORD)
        user = User(
            username=username,
            role="agent",
            password_hash=password,
            display_name=f"话务员 {number:03d}",
            active=True,
        )
        session.add(user)
        session.flush()
        own = rng.sample(wanted[1:], k=rng.randint(1, 3))
        routing.create_agent(
            session,
            user_id=user.id,
            name=user.display_name,
            client_name=username,
            skills={"general": rng.randint(1, 3), **{code: rng.randint(1, 3) for code in own}},
            languages=rng.choice(("zh", "zh", "zh", "zh,yue", "zh,en")),
        )
    seats = []
    rows = session.execute(sa.select(Agent.id, Agent.user_id, Agent.name).order_by(Agent.id)).all()
    skill_rows = session.execute(sa.select(AgentSkill.agent_id, AgentSkill.skill_code)).all()
    by_agent: dict[int, set[str]] = {}
    for agent_id, code in skill_rows:
        by_agent.setdefault(agent_id, set()).add(code)
    for position, (agent_id, user_id, name) in enumerate(rows):
        shift = SHIFTS[position % len(SHIFTS)]
        seats.append(_Seat(agent_id, user_id, name, frozenset(by_agent.get(agent_id, ())), shift))
    return seats


class _World:
    """What the generator reads once: categories, places, the routing rules, the calendar."""

    def __init__(self, session: orm.Session):
        self.session = session
        self.leaves = list(
            session.scalars(
                sa.select(Category)
                .where(Category.parent_code.is_not(None), Category.routing.is_not(None))
                .order_by(Category.code)
            )
        )
        units = list(session.scalars(sa.select(Unit).where(Unit.active).order_by(Unit.code)))
        self.units = {unit.code: unit for unit in units}
        self.districts = [unit.code for unit in units if unit.kind == "district"]
        self.streets: dict[str, list[str]] = {}
        for unit in units:
            if unit.kind == "street" and unit.parent_code:
                self.streets.setdefault(unit.parent_code, []).append(unit.code)
        self.rules = workorders.routing_rules(session)
        self.calendar = workorders.load_calendar(session)
        self.wrap_ups = list(
            session.scalars(sa.select(WrapUpReason.code).where(WrapUpReason.active))
        )
        self.statuses: dict[str, int] = {}
        self.counters: dict[str, int] = {
            day: last
            for day, last in session.execute(sa.select(TicketCounter.day, TicketCounter.last))
        }
        self.assignment = cache(self._assign)

    def _assign(self, code: str, district: str | None, street: str | None):
        category = next(c for c in self.leaves if c.code == code)
        rule = CategoryRule(category.code, category.name, category.routing, category.unit_code)
        return assign(self.rules, rule, district, street)

    def number(self, moment: datetime) -> str:
        day = moment.astimezone(LOCAL).strftime("%Y%m%d")
        self.counters[day] = self.counters.get(day, 0) + 1
        return f"{day}-{self.counters[day]:06d}"

    def save_counters(self) -> None:
        known = set(self.session.scalars(sa.select(TicketCounter.day)))
        for day, last in self.counters.items():
            if day in known:
                self.session.execute(
                    sa.update(TicketCounter).where(TicketCounter.day == day).values(last=last)
                )
            else:
                self.session.add(TicketCounter(day=day, last=last))
        self.session.flush()


def _weighted_minutes(rng: random.Random, count: int) -> list[int]:
    """``count`` minutes of a local day, spread as the calls of a day are."""
    hours = rng.choices(range(24), weights=HOURLY, k=count)
    return sorted(hour * 60 + rng.randrange(60) for hour in hours)


def _one_day(
    session: orm.Session,
    day: datetime,
    now: datetime,
    rng: random.Random,
    floor: list[_Seat],
    world: _World,
    ids: _Ids,
    writer: _Writer,
    calls_per_day: int,
    order_share: float,
) -> None:
    skills = [code for code in SKILL_WEIGHTS if any(code in seat.skills for seat in floor)]
    weights = [SKILL_WEIGHTS[code] for code in skills]
    count = int(calls_per_day * rng.uniform(0.85, 1.15))
    for seat in floor:
        seat.free_at = None
    for minute in _weighted_minutes(rng, count):
        started = day + timedelta(minutes=minute, seconds=rng.randrange(60))
        if started >= now - timedelta(minutes=2):
            break
        started = started.astimezone(now.tzinfo)
        skill = rng.choices(skills, weights=weights)[0]
        _one_call(session, started, now, rng, skill, floor, world, ids, writer, order_share)
    world.save_counters()


def _on_shift(seat: _Seat, moment: datetime) -> bool:
    local = moment.astimezone(LOCAL)
    hour = local.hour + local.minute / 60
    start, end = seat.shift
    return start <= hour < end or start <= hour + 24 < end


def _one_call(
    session: orm.Session,
    started: datetime,
    now: datetime,
    rng: random.Random,
    skill: str,
    floor: list[_Seat],
    world: _World,
    ids: _Ids,
    writer: _Writer,
    order_share: float,
) -> None:
    enqueued = started + timedelta(seconds=rng.randint(8, 40))
    patience = timedelta(seconds=rng.expovariate(1 / 150))
    able = [s for s in floor if skill in s.skills and _on_shift(s, enqueued)] or [
        s for s in floor if _on_shift(s, enqueued)
    ]
    seat = min(able, key=lambda s: s.free_at or enqueued, default=None)
    call_id = ids(Call)
    base = {
        "id": call_id,
        "call_sid": f"CAHIST{call_id:026d}",
        "kind": "inbound",
        "from_number": f"13{rng.randrange(10**9):09d}",
        "to_number": "12345",
        "entry": "main",
        "language": "zh" if skill != "english" else "en",
        "skill_code": skill,
        "created_at": started,
        "enqueued_at": enqueued,
        "declined_agent_ids": [],
        "transfers": 0,
        "hold_seconds": 0,
        "attempts": 0,
        "priority": 0,
        "menu_attempts": 1,
    }
    answer_at = max(enqueued, seat.free_at or enqueued) if seat else None
    if seat is None or answer_at is None or answer_at - enqueued > patience:
        ended = enqueued + patience
        writer.add(
            Call,
            **base,
            status="abandoned",
            agent_id=None,
            answered_at=None,
            ended_at=min(ended, now),
            queue_seconds=int(patience.total_seconds()),
            queue_result="hangup",
            wrap_up_seconds=None,
            wrap_up_code=None,
            resolution=None,
        )
        return
    talk = timedelta(seconds=max(40, rng.gauss(240, 90)))
    wrap = timedelta(seconds=rng.randint(10, 60))
    ended = answer_at + talk
    if ended + wrap >= now:
        return  # still going on: the history ends before the present
    files_order = rng.random() < order_share
    writer.add(
        Call,
        **base,
        status="completed",
        agent_id=seat.agent_id,
        answered_at=answer_at,
        ended_at=ended,
        queue_seconds=int((answer_at - enqueued).total_seconds()),
        queue_result="bridged",
        wrap_up_seconds=int(wrap.total_seconds()),
        wrap_up_code=_wrap_up(world, rng, files_order),
        resolution="work_order" if files_order else "kb",
    )
    _agent_states(seat, answer_at, ended, wrap, now, ids, writer)
    seat.free_at = ended + wrap
    if files_order:
        _one_order(started, ended, now, rng, skill, seat, call_id, base, world, ids, writer)


def _wrap_up(world: _World, rng: random.Random, files_order: bool) -> str | None:
    if files_order and "order_filed" in world.wrap_ups:
        return "order_filed"
    others = [code for code in world.wrap_ups if code != "order_filed"]
    return rng.choice(others) if others else None


def _agent_states(
    seat: _Seat,
    answered: datetime,
    ended: datetime,
    wrap: timedelta,
    now: datetime,
    ids: _Ids,
    writer: _Writer,
) -> None:
    """available (since the last call) → on_call → wrap_up, closed where they ended."""
    spells = []
    since = seat.last_state_end
    if since is None or answered - since > timedelta(hours=2):
        since = answered - timedelta(minutes=5)
    if since < answered:
        spells.append(("available", since, answered))
    spells.append(("on_call", answered, ended))
    spells.append(("wrap_up", ended, ended + wrap))
    for state, start, end in spells:
        if start >= now:
            break
        writer.add(
            AgentStateChange,
            id=ids(AgentStateChange),
            agent_id=seat.agent_id,
            state=state,
            reason="",
            started_at=start,
            ended_at=end if end < now else None,
        )
    seat.last_state_end = ended + wrap


def _place(rng: random.Random, world: _World) -> tuple[str | None, str | None]:
    if not world.districts or rng.random() < 0.05:
        return None, None
    district = rng.choice(world.districts)
    streets = world.streets.get(district, [])
    street = rng.choice(streets) if streets and rng.random() < 0.7 else None
    return district, street


def _one_order(
    started: datetime,
    ended: datetime,
    now: datetime,
    rng: random.Random,
    skill: str,
    seat: _Seat,
    call_id: int,
    call: dict,
    world: _World,
    ids: _Ids,
    writer: _Writer,
) -> None:
    fitting = [c for c in world.leaves if c.skill_code == skill] or world.leaves
    category = rng.choice(fitting)
    district, street = _place(rng, world)
    if category.routing == "territorial" and district is None:
        district = rng.choice(world.districts) if world.districts else None
    opened = ended + timedelta(seconds=rng.randint(5, 120))
    if opened >= now:
        return
    order_id = ids(WorkOrder)
    urgent = bool(category.urgent)
    road = rng.choice(ROADS)
    row: dict[str, Any] = {
        "id": order_id,
        "number": world.number(opened),
        "channel": rng.choices(("phone", "sms", "console", "api"), weights=(86, 8, 4, 2))[0],
        "status": "new",
        "citizen_name": rng.choice(("", "", "陈先生", "李女士", "王先生", "张女士")),
        "citizen_phone": call["from_number"],
        "category_code": category.code,
        "description": rng.choice(PHRASES).format(name=category.name, road=road),
        "district_code": district,
        "street_code": street,
        "address": f"{road}{rng.randint(1, 400)}号",
        "latitude": None,
        "longitude": None,
        "urgent": urgent,
        "unit_code": None,
        "assignment_reason": "",
        "call_id": call_id,
        "recording_url": None,
        "external_ref": None,
        "parent_id": None,
        "created_by_id": seat.user_id,
        "created_at": opened,
        "dispatched_at": None,
        "sign_deadline": None,
        "reply_deadline": None,
        "deadline_provisional_year": None,
        "signed_at": None,
        "replied_at": None,
        "callback_started_at": None,
        "closed_at": None,
        "reply_text": "",
        "satisfaction": None,
        "urge_count": 0,
        "notified_at": None,
        "publish": True,
        "version": 1,
    }
    agent = (seat.name, seat.user_id, None)
    trail = _Trail(order_id, row, ids, writer, now)
    trail.add(opened, agent, "create", None, "new")
    assignment = world.assignment(category.code, district, street)
    row["assignment_reason"] = assignment.reason
    held = rng.random() < 0.03  # kept for a dispatcher to decide
    if assignment.unit_code is None or held:
        if held and assignment.unit_code and now - opened > timedelta(hours=3):
            moment = opened + timedelta(minutes=rng.randint(10, 170))
            _dispatch(trail, world, moment, assignment.unit_code, ("值班长", None, None), rng)
        else:
            world.statuses["new"] = world.statuses.get("new", 0) + 1
            writer.add(WorkOrder, **row)
            trail.write()
            return
    else:
        _dispatch(trail, world, opened, assignment.unit_code, ("system", None, None), rng)
    _life(trail, world, rng, category)
    world.statuses[row["status"]] = world.statuses.get(row["status"], 0) + 1
    writer.add(WorkOrder, **row)
    trail.write()


class _Trail:
    """One order's events, in time order; nothing at or after ``now`` happens."""

    def __init__(self, order_id: int, row: dict, ids: _Ids, writer: _Writer, now: datetime):
        self.order_id, self.row, self.ids, self.writer, self.now = order_id, row, ids, writer, now
        self.events: list[dict] = []
        self.extra: list[tuple[Any, dict]] = []

    def add(
        self,
        at: datetime,
        actor: tuple[str, int | None, str | None],
        action: str,
        from_status: str | None,
        to_status: str,
        note: str = "",
        unit_code: str | None = None,
    ) -> None:
        self.events.append(
            {
                "work_order_id": self.order_id,
                "at": at,
                "actor": actor[0],
                "actor_id": actor[1],
                "action": action,
                "from_status": from_status,
                "to_status": to_status,
                "unit_code": unit_code or actor[2],
                "note": note,
            }
        )
        self.row["status"] = to_status

    def write(self) -> None:
        # An escalation was noted when its deadline was known; it happened when the deadline
        # passed, maybe before a move noted earlier (an urgent order's reply deadline passes
        # before it is signed for): in time order, it keeps the status the order had then.
        self.events.sort(key=lambda event: event["at"])
        status = None
        for event in self.events:
            if event["action"] == "escalate":
                event["from_status"] = event["to_status"] = status
            status = event["to_status"]
        for event in self.events:
            self.writer.add(WorkOrderEvent, id=self.ids(WorkOrderEvent), **event)
        for model, row in self.extra:
            self.writer.add(model, **row)


def _dispatch(
    trail: _Trail,
    world: _World,
    moment: datetime,
    unit_code: str,
    actor: tuple[str, int | None, str | None],
    rng: random.Random,
    action: str = "dispatch",
) -> None:
    row = trail.row
    category = next(c for c in world.leaves if c.code == row["category_code"])
    due = deadlines(
        world.calendar,
        DEFAULT_POLICY,
        moment,
        reply_working_days=category.deadline_working_days,
        urgent=row["urgent"],
        urgent_reply_hours=category.urgent_reply_hours,
    )
    row.update(
        unit_code=unit_code,
        dispatched_at=moment,
        sign_deadline=due.sign,
        reply_deadline=due.reply,
        deadline_provisional_year=due.provisional_year,
        signed_at=None,
    )
    trail.add(
        moment, actor, action, row["status"], "dispatched", row["assignment_reason"], unit_code
    )
    trail.extra.append(
        (
            WorkOrderNotice,
            {
                "id": trail.ids(WorkOrderNotice),
                "work_order_id": trail.order_id,
                "kind": "assigned",
                "due_at": moment,
                "unit_code": unit_code,
                "created_at": moment,
                "sent_at": moment,
                "channel": "sms",
            },
        )
    )
    if action == "dispatch" and rng.random() < 0.04 and world.districts:
        co = rng.choice(world.districts)
        if co != unit_code:
            trail.extra.append(
                (WorkOrderCoUnit, {"work_order_id": trail.order_id, "unit_code": co})
            )


def _escalate(
    trail: _Trail,
    kind: str,
    deadline: datetime,
    rng: random.Random,
    before: datetime | None = None,
) -> None:
    """The sweep's escalation of a deadline that passed, a few minutes after it did (none
    when the unit acted ``before`` the sweep came by)."""
    at = deadline + timedelta(minutes=rng.randint(1, 5))
    if at >= min(trail.now, before or trail.now):
        return
    status = trail.row["status"]
    what = "sign-for" if kind == "sign_overdue" else "reply"
    local = deadline.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")
    trail.add(
        at,
        ("system", None, None),
        "escalate",
        status,
        status,
        f"the {what} deadline passed at {local}",
        trail.row["unit_code"],
    )
    trail.extra.append(
        (
            WorkOrderNotice,
            {
                "id": trail.ids(WorkOrderNotice),
                "work_order_id": trail.order_id,
                "kind": kind,
                "due_at": deadline,
                "unit_code": trail.row["unit_code"],
                "created_at": at,
                "sent_at": at,
                "channel": "email",
            },
        )
    )


def _life(trail: _Trail, world: _World, rng: random.Random, category: Category) -> None:
    """What the unit, the dispatcher and the citizen did with a dispatched order, until now."""
    row, now = trail.row, trail.now
    for round_ in range(3):
        unit = world.units.get(row["unit_code"])
        liaison = (f"{unit.name} 联络员" if unit else "联络员", None, row["unit_code"])
        moment = row["dispatched_at"]
        if (
            round_ < 2 and rng.random() < 0.05
        ):  # not theirs: returned, then determined by the dispatcher
            returned = moment + timedelta(hours=rng.uniform(0.5, 12))
            if returned >= now:
                return
            trail.add(returned, liaison, "return", row["status"], "disputed", "不属于本单位职责")
            decided = returned + timedelta(hours=rng.uniform(1, 30))
            if decided >= now:
                return
            other = rng.choice([c for c in world.units if c != row["unit_code"]])
            row["assignment_reason"] = f"联合审定：由{world.units[other].name}承办"
            _dispatch(trail, world, decided, other, ("值班长", None, None), rng, "determine")
            continue
        break
    if rng.random() < 0.03:  # never signed for: overdue with the unit
        _escalate(trail, "sign_overdue", row["sign_deadline"], rng)
        return
    signed = moment + timedelta(hours=rng.uniform(0.2, 20) if rng.random() < 0.93 else 30)
    if signed > row["sign_deadline"]:
        _escalate(trail, "sign_overdue", row["sign_deadline"], rng, before=signed)
    if signed >= now:
        return
    trail.add(signed, liaison, "sign", "dispatched", "signed")
    row["signed_at"] = signed
    step = signed
    if rng.random() < 0.6:
        step = signed + timedelta(hours=rng.uniform(0.5, 24))
        if step >= now:
            return
        trail.add(step, liaison, "start", "signed", "in_progress")
    if rng.random() < 0.03 and row["status"] == "in_progress":
        asked = step + timedelta(hours=rng.uniform(2, 48))
        if asked >= now:
            return
        extension_id = trail.ids(ExtensionRequest)
        trail.add(asked, liaison, "request_extension", "in_progress", "extension_requested")
        decided = asked + timedelta(hours=rng.uniform(1, 20))
        request = {
            "id": extension_id,
            "work_order_id": trail.order_id,
            "unit_code": row["unit_code"],
            "working_days": 5,
            "reason": "需协调多个部门现场处理",
            "requested_by": liaison[0],
            "requested_at": asked,
            "state": "pending",
            "decided_by": None,
            "decided_at": None,
            "decision_note": "",
            "previous_deadline": row["reply_deadline"],
            "new_deadline": None,
        }
        trail.extra.append((ExtensionRequest, request))
        if decided >= now:
            return
        new_deadline = world.calendar.deadline(row["reply_deadline"], 5)
        request.update(
            state="approved", decided_by="值班长", decided_at=decided, new_deadline=new_deadline
        )
        row["reply_deadline"] = new_deadline
        trail.add(
            decided, ("值班长", None, None), "approve_extension", row["status"], "in_progress"
        )
        step = decided
    late = rng.random() < 0.08
    span = (row["reply_deadline"] - step).total_seconds()
    if late:
        replied = row["reply_deadline"] + timedelta(hours=rng.uniform(1, 72))
    else:
        replied = step + timedelta(seconds=max(1800.0, span * rng.uniform(0.05, 0.95)))
    if replied > row["reply_deadline"]:
        _escalate(trail, "reply_overdue", row["reply_deadline"], rng, before=replied)
    if replied >= now:
        return
    row["reply_text"] = "已核实并处理完毕，已电话告知市民。"
    row["replied_at"] = replied
    trail.add(replied, liaison, "reply", row["status"], "replied", row["reply_text"])
    asked = replied + timedelta(hours=rng.uniform(0.5, 20))
    if asked >= now:
        return
    row["callback_started_at"] = asked
    trail.add(asked, ("system", None, None), "start_callback", "replied", "callback")
    answered = asked + timedelta(hours=rng.uniform(0.1, 30))
    if answered >= now:
        return
    satisfaction = rng.choices(
        ("satisfied", "basically_satisfied", "unsatisfied", "no_response"),
        weights=(72, 14, 6, 8),
    )[0]
    row["satisfaction"] = satisfaction
    row["closed_at"] = answered
    trail.add(answered, ("system", None, None), "close", "callback", "closed", satisfaction)


def _texts(
    session: orm.Session,
    first: datetime,
    now: datetime,
    rng: random.Random,
    floor: list[_Seat],
    ids: _Ids,
    writer: _Writer,
    days: int,
    per_day: int = 150,
) -> None:
    """Text threads: citizens write, the triage or an agent answers."""
    taken = set(session.scalars(sa.select(Conversation.phone)))
    for _index in range(days * per_day):
        phone = f"15{rng.randrange(10**9):09d}"
        if phone in taken:
            continue
        taken.add(phone)
        moment = first + timedelta(seconds=rng.uniform(0, (now - first).total_seconds()))
        moment = moment.astimezone(now.tzinfo)
        conversation_id = ids(Conversation)
        agent = rng.choice(floor).agent_id if rng.random() < 0.3 else None
        last = moment
        bodies = []
        for turn in range(rng.randint(1, 6)):
            inbound = turn % 2 == 0
            last = last + timedelta(minutes=rng.uniform(0.2, 30))
            if last >= now:
                break
            bodies.append((inbound, last))
        if not bodies:
            continue
        waiting = bodies[-1][0] and now - bodies[-1][1] < timedelta(hours=6) and rng.random() < 0.3
        writer.add(
            Conversation,
            id=conversation_id,
            phone=phone,
            language="zh",
            script="hans",
            opted_out_at=None,
            needs_agent=waiting,
            agent_id=agent,
            last_message_at=bodies[-1][1],
            flood_warned_at=None,
        )
        for inbound, at in bodies:
            message_id = ids(Message)
            writer.add(
                Message,
                id=message_id,
                conversation_id=conversation_id,
                direction="in" if inbound else "out",
                body=rng.choice(TEXTS_IN if inbound else TEXTS_OUT),
                sid=f"SMHIST{message_id:026d}",
                status="received" if inbound else "delivered",
                error="",
                attempts=0 if inbound else 1,
                claimed_at=None,
                claimed_by=None,
                agent_id=None if inbound else agent,
                created_at=at,
            )


def _fix_sequences(session: orm.Session) -> None:
    """On PostgreSQL, move each id sequence past the ids written here."""
    if session.get_bind().dialect.name != "postgresql":
        return
    tables: Iterable[str] = (
        model.__tablename__
        for model in _Writer.ORDER
        if "id" in model.__table__.c and model is not WorkOrderCoUnit
    )
    for table in tables:
        session.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        )
