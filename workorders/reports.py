"""Work-order figures: closure, on-time, satisfaction, return and reopen rates.

Every figure counts the orders dispatched in the period (an order reopened or re-assigned
by joint determination counts from its latest dispatch), leaving out withdrawn orders and
duplicates merged into another order:

- closure rate = closed / dispatched;
- on-time rate = closed on time / (closed + open overdue): closed on time when the unit's
  (last) reply came by the reply deadline; open overdue when the unit still holds the order
  past its reply deadline, so overdue open orders count against the unit;
- satisfaction rate = satisfied or basically satisfied / orders with a callback rating;
- return rate = orders returned (退回) at least once / dispatched; reopen rate likewise.

Reports read the daily roll-ups (:mod:`workorders.rollups`); :func:`closure_totals` and
:func:`closure_by_unit` count from the orders themselves, to check the roll-ups against.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.db import utcnow
from workorders.models import Category, Unit, WorkOrder, WorkOrderRollup
from workorders.rollups import counted_orders, figure_columns

GROUPINGS = ("total", "unit", "category", "district", "channel", "day", "month")
CHANNEL_NAMES = {
    "phone": "电话",
    "sms": "短信",
    "console": "坐席录入",
    "api": "接口",
    "open311": "Open311",
}
NO_DISTRICT = "未指定区"


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class OrderFigures:
    """The counts of one group of orders and the rates defined from them."""

    key: str
    name: str = ""
    dispatched: int = 0
    closed: int = 0
    closed_on_time: int = 0
    open_overdue: int = 0
    rated: int = 0
    satisfied: int = 0
    returned: int = 0
    reopened: int = 0

    @property
    def closure_rate(self) -> float | None:
        return _ratio(self.closed, self.dispatched)

    @property
    def on_time_rate(self) -> float | None:
        return _ratio(self.closed_on_time, self.closed + self.open_overdue)

    @property
    def satisfaction_rate(self) -> float | None:
        return _ratio(self.satisfied, self.rated)

    @property
    def return_rate(self) -> float | None:
        return _ratio(self.returned, self.dispatched)

    @property
    def reopen_rate(self) -> float | None:
        return _ratio(self.reopened, self.dispatched)

    def plus(self, other: OrderFigures) -> OrderFigures:
        """The figures of both groups together, under this group's key and name."""
        counts = {name: getattr(self, name) + getattr(other, name) for name in COUNTS}
        return OrderFigures(self.key, self.name, **counts)

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "name": self.name,
            **{name: getattr(self, name) for name in COUNTS},
            **{name: getattr(self, name) for name in RATES},
        }


COUNTS = tuple(f.name for f in fields(OrderFigures) if f.name not in ("key", "name"))
RATES = ("closure_rate", "on_time_rate", "satisfaction_rate", "return_rate", "reopen_rate")


def order_figures(
    session: orm.Session,
    by: str = "total",
    start: date | None = None,
    end: date | None = None,
) -> list[OrderFigures]:
    """Figures per group of the orders dispatched on local days in [start, end), from the
    roll-ups: one ``total`` row; units, categories, districts and channels most dispatched
    first; days (YYYY-MM-DD) and months (YYYY-MM) in order."""
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}")
    dimension = "all" if by in ("total", "day", "month") else by
    group = WorkOrderRollup.day if by in ("day", "month") else WorkOrderRollup.key
    query = (
        sa.select(group, *(sa.func.sum(getattr(WorkOrderRollup, name)) for name in COUNTS))
        .where(WorkOrderRollup.dimension == dimension)
        .group_by(group)
    )
    if start is not None:
        query = query.where(WorkOrderRollup.day >= start)
    if end is not None:
        query = query.where(WorkOrderRollup.day < end)
    rows = [(key, [int(n) for n in counts]) for key, *counts in session.execute(query)]

    if by == "total":
        counts = rows[0][1] if rows else [0] * len(COUNTS)
        return [OrderFigures("total", "", *counts)]
    if by in ("day", "month"):
        merged: dict[str, OrderFigures] = {}
        for day, counts in sorted(rows):
            label = day.isoformat() if by == "day" else day.strftime("%Y-%m")
            figures = OrderFigures(label, label, *counts)
            merged[label] = merged[label].plus(figures) if label in merged else figures
        return list(merged.values())
    names = _names(session, by)
    units = [OrderFigures(key, names.get(key, key), *counts) for key, counts in rows]
    return sorted(units, key=lambda f: (-f.dispatched, f.key))


def _names(session: orm.Session, by: str) -> dict[str, str]:
    if by in ("unit", "district"):
        names = dict(session.execute(sa.select(Unit.code, Unit.name)).all())
        return {**names, "": NO_DISTRICT} if by == "district" else names
    if by == "category":
        return dict(session.execute(sa.select(Category.code, Category.name)).all())
    return dict(CHANNEL_NAMES)


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
    """Orders dispatched in [start, end) and how many of them are closed, from the orders."""
    dispatched, closed = session.execute(
        sa.select(*figure_columns(utcnow())[:2]).where(*_window(start, end))
    ).one()
    return ClosureRow("all", "", dispatched, closed)


def closure_by_unit(
    session: orm.Session, start: datetime | None = None, end: datetime | None = None
) -> list[ClosureRow]:
    """The same figures per responsible unit, most dispatched first, from the orders."""
    dispatched, closed = figure_columns(utcnow())[:2]
    query = (
        sa.select(WorkOrder.unit_code, Unit.name, dispatched, closed)
        .join(Unit, Unit.code == WorkOrder.unit_code)
        .where(*_window(start, end))
        .group_by(WorkOrder.unit_code, Unit.name)
        .order_by(dispatched.desc(), WorkOrder.unit_code)
    )
    return [ClosureRow(code, name, d, c) for code, name, d, c in session.execute(query)]


def _window(start: datetime | None, end: datetime | None) -> list[sa.ColumnElement[bool]]:
    conditions = counted_orders()
    if start is not None:
        conditions.append(WorkOrder.dispatched_at >= start)
    if end is not None:
        conditions.append(WorkOrder.dispatched_at < end)
    return conditions
