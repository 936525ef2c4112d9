"""Oversight of deadlines: reminders, escalation, closing unanswered callbacks, and the
notices that tell units and citizens, each claimed once whoever claims it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm.exc import StaleDataError

from hotline.db import affected_rows, utcnow
from workorders.calendar import LOCAL
from workorders.deadlines import DeadlinePolicy, reminder_due
from workorders.models import WorkOrder, WorkOrderNotice
from workorders.services.trail import SYSTEM, close, record
from workorders.states import WITH_UNIT

_NOTICES = "workorder_notices"


@dataclass
class SweepResult:
    reminded: list[str] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)


def sweep(
    session: orm.Session, *, now: datetime | None = None, policy: DeadlinePolicy
) -> SweepResult:
    """Remind units before deadlines, escalate what is overdue, close unanswered callbacks.

    Safe to run as often as wanted: each reminder and escalation exists once per order and
    deadline, whoever runs the sweep.
    """
    now = now or utcnow()
    result = SweepResult()
    horizon = now + timedelta(hours=policy.reminder_hours)
    running = session.scalars(
        sa.select(WorkOrder)
        .where(
            WorkOrder.status.in_(WITH_UNIT),
            sa.or_(WorkOrder.reply_deadline <= horizon, WorkOrder.sign_deadline < now),
        )
        .order_by(WorkOrder.id)
    ).all()
    for order in running:
        if (
            order.status == "dispatched"
            and order.sign_deadline is not None
            and order.sign_deadline < now
            and _escalate(session, order, "sign_overdue", order.sign_deadline, now)
        ):
            result.escalated.append(order.number)
        if order.reply_deadline and order.reply_deadline < now:
            if _escalate(session, order, "reply_overdue", order.reply_deadline, now):
                result.escalated.append(order.number)
        elif (
            order.reply_deadline is not None
            and reminder_due(order.reply_deadline, now, policy)
            and claim_notice(session, order, "reply_due", order.reply_deadline, order.unit_code)
        ):
            result.reminded.append(order.number)

    silent_since = now - timedelta(days=policy.callback_days)
    waiting = session.scalars(
        sa.select(WorkOrder)
        .where(WorkOrder.status.in_(("replied", "callback")), WorkOrder.replied_at <= silent_since)
        .order_by(WorkOrder.id)
    ).all()
    for order in waiting:
        try:
            with session.begin_nested():
                order.satisfaction = "no_response"
                close(
                    session,
                    order,
                    SYSTEM,
                    "close",
                    f"no answer within {policy.callback_days} days",
                    now,
                )
        except StaleDataError:
            continue  # someone recorded the callback at the same moment: theirs stands
        result.closed.append(order.number)
    session.flush()
    return result


def claim_notice(
    session: orm.Session,
    order: WorkOrder,
    kind: str,
    due_at: datetime,
    unit_code: str | None,
) -> WorkOrderNotice | None:
    """The notice of ``kind`` for this order and due time, if this is the first to claim it."""
    if order.id is None:
        session.flush()
    query = sa.select(WorkOrderNotice.id).where(
        WorkOrderNotice.work_order_id == order.id,
        WorkOrderNotice.kind == kind,
        WorkOrderNotice.due_at == due_at,
    )
    if session.scalar(query) is not None:
        return None
    notice = WorkOrderNotice(work_order_id=order.id, kind=kind, due_at=due_at, unit_code=unit_code)
    try:
        with session.begin_nested():
            session.add(notice)
    except sa.exc.IntegrityError:
        return None  # another sweep claimed it at the same moment
    session.info.setdefault(_NOTICES, []).append(notice)
    return notice


def take_new_notices(session: orm.Session) -> list[int]:
    """Ids of the notices claimed in this session since the last call, to send after commit."""
    session.flush()
    claimed = session.info.pop(_NOTICES, [])
    return [n.id for n in claimed if sa.inspect(n).persistent]


def claim_notice_for_sending(session: orm.Session, notice_id: int, now: datetime) -> bool:
    """Mark the notice sent; False when another worker got there first."""
    done = session.execute(
        sa.update(WorkOrderNotice)
        .where(WorkOrderNotice.id == notice_id, WorkOrderNotice.sent_at.is_(None))
        .values(sent_at=now)
    )
    return affected_rows(done) == 1


def _escalate(
    session: orm.Session, order: WorkOrder, kind: str, deadline: datetime, now: datetime
) -> bool:
    if claim_notice(session, order, kind, deadline, order.unit_code) is None:
        return False
    what = "sign-for" if kind == "sign_overdue" else "reply"
    local = deadline.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")
    record(
        session,
        order,
        SYSTEM,
        "escalate",
        order.status,
        order.status,
        f"the {what} deadline passed at {local}",
        now,
        order.unit_code,
    )
    return True
