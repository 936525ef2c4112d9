"""Who sees what: a unit's staff see and act on the orders of their unit and the units below."""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from sqlalchemy import orm

from workorders.errors import NotFound, NotResponsible
from workorders.models import Unit, WorkOrder, WorkOrderCoUnit
from workorders.services.trail import Actor


def get_work_order(session: orm.Session, number: str) -> WorkOrder:
    order = session.scalar(sa.select(WorkOrder).where(WorkOrder.number == number))
    if order is None:
        raise NotFound("没有工单 {number}", number=number)
    return order


NUMBER = re.compile(r"\d{8}-\d{6}")
MAX_TERMS = 5


def search_orders(
    session: orm.Session, text: str, *, created_by_id: int | None = None, limit: int = 50
) -> list[WorkOrder]:
    """Orders found by what an agent types: a ticket number (whole, or its digits), a
    phone number in any writing (matched on its last 11 digits), or words, each of which
    must occur in the description, the address or the citizen's name. ``created_by_id``
    keeps only the orders that login filed. Newest first."""
    query = sa.select(WorkOrder)
    if created_by_id is not None:
        query = query.where(WorkOrder.created_by_id == created_by_id)
    text = unicodedata.normalize("NFKC", text).strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if NUMBER.fullmatch(text) or (len(digits) == 14 and not text.strip("0123456789- ")):
        number = f"{digits[:8]}-{digits[8:]}"
        query = query.where(WorkOrder.number == number)
    elif len(digits) >= 7 and not text.strip("0123456789+-. ()"):
        tail = digits[-11:]
        query = query.where(WorkOrder.citizen_phone.like(f"%{tail}"))
    elif text:
        for term in text.split()[:MAX_TERMS]:
            pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where(
                sa.or_(
                    WorkOrder.description.like(pattern, escape="\\"),
                    WorkOrder.address.like(pattern, escape="\\"),
                    WorkOrder.citizen_name.like(pattern, escape="\\"),
                    WorkOrder.number.like(pattern, escape="\\"),
                )
            )
    elif created_by_id is None:
        return []
    query = query.order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc()).limit(limit)
    return list(session.scalars(query))


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
    """The orders a unit's staff may see (its own, its co-units', those of units below it),
    the most pressing deadline first."""
    return list(session.scalars(unit_orders_query(session, unit_code, open_only=open_only)))


def unit_orders_query(
    session: orm.Session, unit_code: str, *, open_only: bool = False
) -> sa.Select[WorkOrder]:
    """The query of ``orders_for_unit``, ordered, for a caller that reads a page of it: the
    deadline the unit works against (sign-for, then reply; else the reply deadline), orders
    without one last, then by id."""
    codes = unit_subtree(session, unit_code)
    co = sa.select(WorkOrderCoUnit.work_order_id).where(WorkOrderCoUnit.unit_code.in_(codes))
    query = sa.select(WorkOrder).where(sa.or_(WorkOrder.unit_code.in_(codes), WorkOrder.id.in_(co)))
    if open_only:
        query = query.where(WorkOrder.status.not_in(("closed", "cancelled", "merged")))
    deadline = sa.func.coalesce(
        sa.case(
            (WorkOrder.status == "dispatched", WorkOrder.sign_deadline),
            else_=WorkOrder.reply_deadline,
        ),
        WorkOrder.reply_deadline,
    )
    return query.options(orm.selectinload(WorkOrder.co_units)).order_by(
        deadline.is_(None), deadline, WorkOrder.id
    )


def unit_role(
    session: orm.Session,
    order: WorkOrder,
    unit_code: str | None,
    *,
    subtree: set[str] | None = None,
) -> str | None:
    """ "lead" when ``unit_code`` (or a unit above it) handles the order, "co" when it
    assists, else None. ``subtree`` saves reloading the units for a list of orders."""
    if unit_code is None:
        return None
    codes = subtree if subtree is not None else unit_subtree(session, unit_code)
    if order.unit_code in codes:
        return "lead"
    if any(code in codes for code in order.co_unit_codes):
        return "co"
    return None


def get_work_order_for_unit(session: orm.Session, number: str, unit_code: str | None) -> WorkOrder:
    """The order, if ``unit_code`` (or a unit above it) leads or assists; else NotFound."""
    order = get_work_order(session, number)
    if unit_role(session, order, unit_code) is None:
        # Same message as a missing order, so guessing numbers reveals nothing.
        raise NotFound("没有工单 {number}", number=number)
    return order


def order_for_lead_unit(session: orm.Session, number: str, actor: Actor) -> WorkOrder:
    """The order, if the actor's unit leads it; a co-unit may see it but not act on it."""
    order = get_work_order(session, number)
    role = unit_role(session, order, actor.unit_code)
    if role is None:
        raise NotFound("没有工单 {number}", number=number)
    if role != "lead":
        raise NotResponsible(
            "{unit} 是工单 {number} 的协办单位，只有主办单位 {lead_unit} 可以办理",
            unit=actor.unit_code,
            number=number,
            lead_unit=order.unit_code,
        )
    return order
