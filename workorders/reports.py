"""Closure figures: how many orders were dispatched in a period and how many are closed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from workorders.models import Unit, WorkOrder


@dataclass(frozen=True)
class ClosureRow:
    key: str
    name: str
    dispatched: int
    closed: int

    @property
    def closure_rate(self) -> float | None:
        """closed / dispatched, or None when nothing was dispatched."""
        return self.closed / self.dispatched if self.dispatched else None


def closure_totals(
    session: orm.Session, start: datetime | None = None, end: datetime | None = None
) -> ClosureRow:
    """Orders dispatched in [start, end) and how many of them are closed."""
    query = sa.select(
        sa.func.count(WorkOrder.id),
        sa.func.count(WorkOrder.closed_at),
    ).where(*_window(start, end))
    dispatched, closed = session.execute(query).one()
    return ClosureRow("all", "", dispatched, closed)


def closure_by_unit(
    session: orm.Session, start: datetime | None = None, end: datetime | None = None
) -> list[ClosureRow]:
    """The same figures per responsible unit, most dispatched first."""
    query = (
        sa.select(
            WorkOrder.unit_code,
            Unit.name,
            sa.func.count(WorkOrder.id),
            sa.func.count(WorkOrder.closed_at),
        )
        .join(Unit, Unit.code == WorkOrder.unit_code)
        .where(*_window(start, end))
        .group_by(WorkOrder.unit_code, Unit.name)
        .order_by(sa.func.count(WorkOrder.id).desc(), WorkOrder.unit_code)
    )
    return [ClosureRow(code, name, d, c) for code, name, d, c in session.execute(query)]


def _window(start: datetime | None, end: datetime | None) -> list[sa.ColumnElement[bool]]:
    conditions = [WorkOrder.dispatched_at.is_not(None)]
    if start is not None:
        conditions.append(WorkOrder.dispatched_at >= start)
    if end is not None:
        conditions.append(WorkOrder.dispatched_at < end)
    return conditions
