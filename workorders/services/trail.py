"""The audit trail: every move of an order is an event naming who made it, and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from workorders.models import ExtensionRequest, WorkOrder, WorkOrderEvent
from workorders.states import next_status


@dataclass(frozen=True)
class Actor:
    """Who acts: a name for the audit trail, the user's id, and the unit they act for."""

    name: str
    user_id: int | None = None
    unit_code: str | None = None


SYSTEM = Actor("system")


def transition(
    session: orm.Session,
    order: WorkOrder,
    actor: Actor,
    action: str,
    status: str,
    note: str,
    now: datetime,
    unit_code: str | None = None,
) -> None:
    """Move the order to ``status`` and record the move."""
    previous = order.status
    order.status = status
    record(session, order, actor, action, previous, status, note, now, unit_code)


def record(
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
    """Add an event to the order's trail; the unit is the actor's unless one is given."""
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
            reply_deadline=order.reply_deadline,
        )
    )


def close(
    session: orm.Session, order: WorkOrder, actor: Actor, action: str, note: str, now: datetime
) -> None:
    """Close the order; the duplicates merged into it close with it, each in its own trail."""
    transition(session, order, actor, action, next_status(order.status, action), note, now)
    order.closed_at = now
    for child in merged_children(session, order):
        transition(
            session,
            child,
            SYSTEM,
            "follow_parent",
            next_status(child.status, "follow_parent"),
            f"closed with {order.number}",
            now,
        )
        child.closed_at = now


def merged_children(session: orm.Session, order: WorkOrder) -> list[WorkOrder]:
    """The duplicates merged into the order and waiting for it to close."""
    if order.id is None:
        return []
    return list(
        session.scalars(
            sa.select(WorkOrder)
            .where(WorkOrder.parent_id == order.id, WorkOrder.status == "merged")
            .order_by(WorkOrder.id)
        )
    )


def pending_extension(order: WorkOrder) -> ExtensionRequest | None:
    return next((r for r in reversed(order.extensions) if r.state == "pending"), None)


def last_return(order: WorkOrder) -> WorkOrderEvent | None:
    return next((e for e in reversed(order.events) if e.action == "return"), None)
