"""Daily roll-ups of the work-order figures, so that a report over a year reads a few
thousand summed rows instead of every order.

A roll-up row holds the figures of the orders whose latest dispatch fell on one local day,
for one value of a dimension (unit, category, district, channel; ``all`` for every order).
A refresh recomputes whole days: those the work-order trail touched since the last refresh
(the day an order is dispatched on now, and the days it was dispatched on before), and the
days of open orders whose reply deadline has passed since, because an order becomes
overdue without any event.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.db import UTCDateTime, affected_rows, utcnow
from workorders.calendar import LOCAL
from workorders.models import (
    RollupRefresh,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderRollup,
)
from workorders.states import WITH_UNIT

NAME = "work_orders"
# Event ids are handed out when rows are written but seen only once they commit: a refresh
# reads this many events back from its mark, so a slow transaction's events are not missed.
OVERLAP_EVENTS = 1000
# The actions that set an order's dispatch time; the days they happened on lose the order.
DISPATCH_ACTIONS = ("dispatch", "determine", "reopen")
RATINGS = ("satisfied", "basically_satisfied", "unsatisfied")
SATISFIED = ("satisfied", "basically_satisfied")

_KEYS: dict[str, sa.ColumnElement[str] | orm.QueryableAttribute[str]] = {
    "unit": sa.func.coalesce(WorkOrder.unit_code, ""),
    "category": WorkOrder.category_code,
    "district": sa.func.coalesce(WorkOrder.district_code, ""),
    "channel": WorkOrder.channel,
}
_COUNTS = (
    "dispatched",
    "closed",
    "closed_on_time",
    "open_overdue",
    "rated",
    "satisfied",
    "returned",
    "reopened",
)


@dataclass(frozen=True)
class RefreshResult:
    days: int
    rows: int
    last_event_id: int


def local_day(moment: datetime) -> date:
    return moment.astimezone(LOCAL).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The local day as a [start, end) range of aware datetimes."""
    start = datetime.combine(day, time.min, tzinfo=LOCAL)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=LOCAL)


def counted_orders() -> list[sa.ColumnElement[bool]]:
    """The orders the figures count: dispatched, not withdrawn, not merged into another."""
    return [
        WorkOrder.dispatched_at.is_not(None),
        WorkOrder.parent_id.is_(None),
        WorkOrder.status != "cancelled",
    ]


def figure_columns(now: datetime) -> list[sa.ColumnElement]:
    """The eight counts, as aggregates over work_orders, in the order of the roll-up columns."""

    def count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    def has_event(action: str) -> sa.ColumnElement[bool]:
        return (
            sa.select(WorkOrderEvent.id)
            .where(WorkOrderEvent.work_order_id == WorkOrder.id, WorkOrderEvent.action == action)
            .exists()
        )

    closed = WorkOrder.status == "closed"
    answered_at = sa.func.coalesce(WorkOrder.replied_at, WorkOrder.closed_at)
    return [
        sa.func.count(WorkOrder.id),
        count_if(closed),
        count_if(sa.and_(closed, answered_at <= WorkOrder.reply_deadline)),
        count_if(sa.and_(WorkOrder.status.in_(WITH_UNIT), WorkOrder.reply_deadline < now)),
        count_if(WorkOrder.satisfaction.in_(RATINGS)),
        count_if(WorkOrder.satisfaction.in_(SATISFIED)),
        count_if(has_event("return")),
        count_if(has_event("reopen")),
    ]


def refresh_days(session: orm.Session, days: Iterable[date], now: datetime | None = None) -> int:
    """Recompute the roll-up rows of ``days`` from the orders; returns the rows written.

    Each run of consecutive days is one statement: the orders are counted once per (day,
    unit, category, district, channel), and each dimension sums those counts.
    """
    now = now or utcnow()
    written = 0
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # The estimated cost of the trail look-ups sets off JIT compilation, which takes
        # longer than the query it compiles.
        session.execute(sa.text("SET LOCAL jit = off"))
    for first, last in _runs(sorted(set(days))):
        start, end = day_bounds(first)[0], day_bounds(last)[1]
        offset = start.utcoffset()
        if offset is None:
            raise ValueError(f"{start} has no UTC offset")
        session.execute(
            sa.delete(WorkOrderRollup).where(
                WorkOrderRollup.day >= first, WorkOrderRollup.day <= last
            )
        )
        day = _local_day(WorkOrder.dispatched_at, offset, dialect).label("day")
        keys = [key.label(dimension) for dimension, key in _KEYS.items()]
        counts = [
            column.label(name) for column, name in zip(figure_columns(now), _COUNTS, strict=True)
        ]
        finest = (
            sa.select(day, *keys, *counts)
            .where(
                WorkOrder.dispatched_at >= start,
                WorkOrder.dispatched_at < end,
                *counted_orders(),
            )
            .group_by(day, *keys)
            .cte("finest")
        )
        sums = [sa.func.sum(finest.c[name]) for name in _COUNTS]
        moment = sa.literal(now, UTCDateTime)
        parts = [
            sa.select(
                sa.literal(dimension), finest.c.day, finest.c[dimension], *sums, moment
            ).group_by(finest.c.day, finest.c[dimension])
            for dimension in _KEYS
        ]
        parts.append(
            sa.select(sa.literal("all"), finest.c.day, sa.literal(""), *sums, moment).group_by(
                finest.c.day
            )
        )
        columns = ["dimension", "day", "key", *_COUNTS, "refreshed_at"]
        query = sa.union_all(*parts)
        result = session.execute(sa.insert(WorkOrderRollup).from_select(columns, query))
        written += max(affected_rows(result), 0)
    return written


def _runs(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) runs; a run never spans a change of UTC offset."""
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and runs[-1][1] + timedelta(days=1) == day and _same_offset(runs[-1][0], day):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _same_offset(first: date, last: date) -> bool:
    return day_bounds(first)[0].utcoffset() == day_bounds(last)[1].utcoffset()


def _local_day(
    column: orm.QueryableAttribute[datetime | None], offset: timedelta, dialect: str
) -> sa.ColumnElement[date]:
    """The local date of a stored (naive UTC) timestamp, for a zone at ``offset``."""
    seconds = int(offset.total_seconds())
    if dialect == "sqlite":
        return sa.func.date(column, f"{seconds:+d} seconds")
    shifted = column + sa.literal_column(f"INTERVAL '{seconds} seconds'")
    return sa.cast(shifted, sa.Date)


def refresh(session: orm.Session, now: datetime | None = None) -> RefreshResult:
    """Bring the roll-ups up to date with the trail; the first refresh builds every day.

    Refreshes take turns on the row that records how far they have read.
    """
    now = now or utcnow()
    state = _claim_state(session)
    last_id = session.scalar(sa.select(sa.func.max(WorkOrderEvent.id))) or 0
    if state.refreshed_at is None:
        days = _every_day(session)
    else:
        days = _touched_days(session, state.last_event_id, last_id)
        days |= _newly_overdue_days(session, state.refreshed_at, now)
    rows = refresh_days(session, days, now)
    state.last_event_id = last_id
    state.refreshed_at = now
    return RefreshResult(len(days), rows, last_id)


def rebuild(
    session: orm.Session, first: date, last: date, now: datetime | None = None
) -> RefreshResult:
    """Recompute every day from ``first`` to ``last`` (both included)."""
    state = _claim_state(session)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return RefreshResult(len(days), refresh_days(session, days, now), state.last_event_id)


def last_refreshed(session: orm.Session) -> datetime | None:
    return session.scalar(sa.select(RollupRefresh.refreshed_at).where(RollupRefresh.name == NAME))


def _claim_state(session: orm.Session) -> RollupRefresh:
    query = sa.select(RollupRefresh).where(RollupRefresh.name == NAME).with_for_update()
    state = session.scalar(query)
    if state is None:
        try:
            with session.begin_nested():
                session.add(RollupRefresh(name=NAME, last_event_id=0))
        except sa.exc.IntegrityError:
            pass
        state = session.scalars(query.execution_options(populate_existing=True)).one()
    return state


def _every_day(session: orm.Session) -> set[date]:
    first, last = session.execute(
        sa.select(sa.func.min(WorkOrder.dispatched_at), sa.func.max(WorkOrder.dispatched_at))
    ).one()
    if first is None or last is None:
        return set()
    first_day, last_day = local_day(first), local_day(last)
    return {first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)}


def _touched_days(session: orm.Session, since_id: int, last_id: int) -> set[date]:
    if last_id <= since_id:
        return set()
    touched = sa.select(WorkOrderEvent.work_order_id).where(
        WorkOrderEvent.id > since_id - OVERLAP_EVENTS, WorkOrderEvent.id <= last_id
    )
    moments = session.scalars(
        sa.select(WorkOrder.dispatched_at).where(
            WorkOrder.id.in_(touched), WorkOrder.dispatched_at.is_not(None)
        )
    ).all()
    earlier = session.scalars(
        sa.select(WorkOrderEvent.at).where(
            WorkOrderEvent.work_order_id.in_(touched),
            WorkOrderEvent.action.in_(DISPATCH_ACTIONS),
        )
    ).all()
    # The query leaves out orders not dispatched; the test on None tells the type.
    return {local_day(moment) for moment in [*moments, *earlier] if moment is not None}


def _newly_overdue_days(session: orm.Session, since: datetime, now: datetime) -> set[date]:
    moments = session.scalars(
        sa.select(WorkOrder.dispatched_at).where(
            WorkOrder.status.in_(WITH_UNIT),
            WorkOrder.reply_deadline > since,
            WorkOrder.reply_deadline <= now,
            WorkOrder.dispatched_at.is_not(None),
        )
    ).all()
    return {local_day(moment) for moment in moments if moment is not None}
