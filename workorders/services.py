"""Work-order services: load state, apply the domain rules, record the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.db import utcnow
from workorders.assignment import CategoryRule, choose_unit
from workorders.calendar import LOCAL, WorkingCalendar
from workorders.errors import InvalidWorkOrder, NotFound
from workorders.models import CalendarDay, Category, TicketCounter, Unit, WorkOrder, WorkOrderEvent
from workorders.states import next_status

CHANNELS = ("phone", "sms", "console", "api", "open311")
SIGN_DEADLINE_WORKING_DAYS = 1
DEFAULT_REPLY_WORKING_DAYS = 10
MAX_DESCRIPTION = 4000


@dataclass(frozen=True)
class Actor:
    """Who acts: a name for the audit trail, the user's id, and the unit they act for."""

    name: str
    user_id: int | None = None
    unit_code: str | None = None


SYSTEM = Actor("system")


def load_calendar(session: orm.Session) -> WorkingCalendar:
    """The working calendar with every holiday and make-up day from the calendar table."""
    rows = session.execute(sa.select(CalendarDay.day, CalendarDay.working)).all()
    return WorkingCalendar({day: working for day, working in rows})


def next_ticket_number(session: orm.Session, now: datetime) -> str:
    """A readable, unique number such as 20261126-000123, counted per local day."""
    day = now.astimezone(LOCAL).strftime("%Y%m%d")
    bump = (
        sa.update(TicketCounter)
        .where(TicketCounter.day == day)
        .values(last=TicketCounter.last + 1)
        .returning(TicketCounter.last)
    )
    last = session.execute(bump).scalar_one_or_none()
    if last is None:
        try:
            with session.begin_nested():
                session.add(TicketCounter(day=day, last=1))
            last = 1
        except sa.exc.IntegrityError:
            last = session.execute(bump).scalar_one()
    return f"{day}-{last:06d}"


def get_work_order(session: orm.Session, number: str) -> WorkOrder:
    order = session.scalar(sa.select(WorkOrder).where(WorkOrder.number == number))
    if order is None:
        raise NotFound(f"no work order {number}")
    return order


def open_work_order(
    session: orm.Session,
    *,
    channel: str,
    category_code: str,
    description: str,
    actor: Actor,
    citizen_phone: str = "",
    citizen_name: str = "",
    district_code: str | None = None,
    street_code: str | None = None,
    address: str = "",
    urgent: bool | None = None,
    call_id: int | None = None,
    now: datetime | None = None,
) -> WorkOrder:
    """File a work order and, when the rules name a unit, dispatch it with its deadlines."""
    now = now or utcnow()
    if channel not in CHANNELS:
        raise InvalidWorkOrder(f"unknown channel {channel!r}")
    description = description.strip()
    if not description:
        raise InvalidWorkOrder("a description is required")
    if len(description) > MAX_DESCRIPTION:
        raise InvalidWorkOrder(f"the description is longer than {MAX_DESCRIPTION} characters")
    category = session.get(Category, category_code)
    if category is None or not category.is_leaf:
        raise InvalidWorkOrder(f"unknown category {category_code!r}")
    district_code, street_code = _check_location(session, district_code, street_code)

    order = WorkOrder(
        number=next_ticket_number(session, now),
        channel=channel,
        status="new",
        citizen_phone=citizen_phone.strip(),
        citizen_name=citizen_name.strip(),
        category_code=category.code,
        description=description,
        district_code=district_code,
        street_code=street_code,
        address=address.strip(),
        urgent=category.urgent if urgent is None else urgent,
        call_id=call_id,
        created_by_id=actor.user_id,
        created_at=now,
    )
    session.add(order)
    _record(session, order, actor, "create", None, "new", "", now)

    rule = CategoryRule(category.code, category.name, category.routing, category.unit_code)
    assignment = choose_unit(rule, district_code, street_code)
    order.assignment_reason = assignment.reason
    if assignment.unit_code is not None:
        dispatch(session, order, assignment.unit_code, actor, assignment.reason, now=now)
    session.flush()
    return order


def dispatch(
    session: orm.Session,
    order: WorkOrder,
    unit_code: str,
    actor: Actor,
    note: str,
    *,
    now: datetime | None = None,
) -> None:
    """Assign the order to ``unit_code`` and start its sign-for and reply deadlines."""
    now = now or utcnow()
    if session.get(Unit, unit_code) is None:
        raise InvalidWorkOrder(f"unknown unit {unit_code!r}")
    status = next_status(order.status, "dispatch")
    category = session.get(Category, order.category_code)
    calendar = load_calendar(session)
    days = category.deadline_working_days or DEFAULT_REPLY_WORKING_DAYS
    order.unit_code = unit_code
    order.dispatched_at = now
    order.sign_deadline = calendar.deadline(now, SIGN_DEADLINE_WORKING_DAYS)
    order.reply_deadline = calendar.deadline(now, days)
    _transition(session, order, actor, "dispatch", status, note, now, unit_code=unit_code)


def sign_for(
    session: orm.Session, number: str, actor: Actor, *, now: datetime | None = None
) -> WorkOrder:
    """The responsible unit acknowledges the order (签收)."""
    order = _order_for_unit(session, number, actor)
    now = now or utcnow()
    _transition(session, order, actor, "sign", next_status(order.status, "sign"), "", now)
    order.signed_at = now
    return order


def reply(
    session: orm.Session, number: str, actor: Actor, text: str, *, now: datetime | None = None
) -> WorkOrder:
    """The responsible unit answers; the order then waits for the citizen's callback."""
    text = text.strip()
    if not text:
        raise InvalidWorkOrder("a reply needs text")
    order = _order_for_unit(session, number, actor)
    now = now or utcnow()
    _transition(session, order, actor, "reply", next_status(order.status, "reply"), text, now)
    order.replied_at = now
    order.reply_text = text
    return order


def record_callback(
    session: orm.Session,
    number: str,
    actor: Actor,
    satisfaction: str,
    note: str = "",
    *,
    now: datetime | None = None,
) -> WorkOrder:
    """Record the callback (回访): satisfied or no answer closes, unsatisfied reopens."""
    if satisfaction not in ("satisfied", "basically_satisfied", "unsatisfied", "no_answer"):
        raise InvalidWorkOrder(f"unknown satisfaction {satisfaction!r}")
    order = get_work_order(session, number)
    now = now or utcnow()
    action = "reopen" if satisfaction == "unsatisfied" else "close"
    status = next_status(order.status, action)
    order.satisfaction = satisfaction
    _transition(session, order, actor, action, status, note or satisfaction, now)
    if status == "closed":
        order.closed_at = now
    else:
        order.replied_at = None
    return order


def unit_subtree(session: orm.Session, unit_code: str) -> set[str]:
    """The unit and every unit below it (a district and its streets)."""
    rows = session.execute(sa.select(Unit.code, Unit.parent_code)).all()
    children: dict[str | None, list[str]] = {}
    for code, parent in rows:
        children.setdefault(parent, []).append(code)
    found, stack = set(), [unit_code]
    while stack:
        code = stack.pop()
        if code not in found:
            found.add(code)
            stack.extend(children.get(code, []))
    return found


def orders_for_unit(
    session: orm.Session, unit_code: str, *, open_only: bool = False
) -> list[WorkOrder]:
    """The orders a unit's staff may see: its own and those of the units below it."""
    query = sa.select(WorkOrder).where(WorkOrder.unit_code.in_(unit_subtree(session, unit_code)))
    if open_only:
        query = query.where(WorkOrder.status != "closed")
    return list(session.scalars(query.order_by(WorkOrder.reply_deadline, WorkOrder.id)))


def orders_for_phone(
    session: orm.Session, phone: str, *, open_only: bool = True, limit: int = 10
) -> list[WorkOrder]:
    """A citizen's work orders by their phone number, newest first."""
    if not phone:
        return []
    query = sa.select(WorkOrder).where(WorkOrder.citizen_phone == phone)
    if open_only:
        query = query.where(WorkOrder.status != "closed")
    return list(session.scalars(query.order_by(WorkOrder.created_at.desc()).limit(limit)))


def get_work_order_for_unit(session: orm.Session, number: str, unit_code: str | None) -> WorkOrder:
    """The order, if ``unit_code`` (or a unit above it) is responsible; else NotFound."""
    order = get_work_order(session, number)
    if unit_code is None or order.unit_code not in unit_subtree(session, unit_code):
        # Same message as a missing order, so guessing numbers reveals nothing.
        raise NotFound(f"no work order {number}")
    return order


def _order_for_unit(session: orm.Session, number: str, actor: Actor) -> WorkOrder:
    return get_work_order_for_unit(session, number, actor.unit_code)


def _check_location(
    session: orm.Session, district_code: str | None, street_code: str | None
) -> tuple[str | None, str | None]:
    district_code = district_code or None
    street_code = street_code or None
    if district_code is not None:
        district = session.get(Unit, district_code)
        if district is None or district.kind != "district":
            raise InvalidWorkOrder(f"unknown district {district_code!r}")
    if street_code is not None:
        street = session.get(Unit, street_code)
        if street is None or street.kind != "street":
            raise InvalidWorkOrder(f"unknown street {street_code!r}")
        if district_code is not None and street.parent_code != district_code:
            raise InvalidWorkOrder(f"street {street_code} is not in district {district_code}")
        district_code = street.parent_code
    return district_code, street_code


def _transition(
    session: orm.Session,
    order: WorkOrder,
    actor: Actor,
    action: str,
    status: str,
    note: str,
    now: datetime,
    unit_code: str | None = None,
) -> None:
    previous = order.status
    order.status = status
    _record(session, order, actor, action, previous, status, note, now, unit_code)


def _record(
    session: orm.Session,
    order: WorkOrder,
    actor: Actor,
    action: str,
    from_status: str | None,
    to_status: str,
    note: str,
    now: datetime,
    unit_code: str | None = None,
) -> None:
    session.add(
        WorkOrderEvent(
            work_order=order,
            at=now,
            actor=actor.name,
            actor_id=actor.user_id,
            action=action,
            from_status=from_status,
            to_status=to_status,
            unit_code=unit_code or actor.unit_code,
            note=note,
        )
    )
