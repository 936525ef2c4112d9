"""The monthly service-quality bulletin (每月通报): units ranked by on-time rate and by
satisfaction, with the change from the month before.

The rule: every unit with orders dispatched in the month is listed. Its on-time rank is one
more than the number of units with a strictly higher on-time rate, so equal rates share a
rank (1, 2, 2, 4); a unit without an on-time rate yet (nothing closed, nothing overdue) has
no rank. The satisfaction rank is made the same way from the satisfaction rate. The table
is ordered by on-time rank, then satisfaction rank, then unit code. The change from last
month is the difference of the rates, and of the ranks (positive: moved up).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import orm

from workorders.reports import OrderFigures, order_figures


@dataclass(frozen=True)
class BulletinRow:
    figures: OrderFigures
    previous: OrderFigures | None
    on_time_rank: int | None
    satisfaction_rank: int | None
    previous_on_time_rank: int | None
    previous_satisfaction_rank: int | None

    @property
    def unit(self) -> str:
        return self.figures.key

    @property
    def on_time_change(self) -> float | None:
        return _difference(self.figures.on_time_rate, self.previous, "on_time_rate")

    @property
    def satisfaction_change(self) -> float | None:
        return _difference(self.figures.satisfaction_rate, self.previous, "satisfaction_rate")

    @property
    def on_time_rank_change(self) -> int | None:
        return _rank_change(self.on_time_rank, self.previous_on_time_rank)

    @property
    def satisfaction_rank_change(self) -> int | None:
        return _rank_change(self.satisfaction_rank, self.previous_satisfaction_rank)

    def as_dict(self) -> dict:
        figures = self.figures
        return {
            "unit": figures.key,
            "name": figures.name,
            "dispatched": figures.dispatched,
            "closed": figures.closed,
            "closed_on_time": figures.closed_on_time,
            "open_overdue": figures.open_overdue,
            "on_time_rate": figures.on_time_rate,
            "on_time_rank": self.on_time_rank,
            "previous_on_time_rate": self.previous.on_time_rate if self.previous else None,
            "on_time_change": self.on_time_change,
            "previous_on_time_rank": self.previous_on_time_rank,
            "rated": figures.rated,
            "satisfied": figures.satisfied,
            "satisfaction_rate": figures.satisfaction_rate,
            "satisfaction_rank": self.satisfaction_rank,
            "previous_satisfaction_rate": (
                self.previous.satisfaction_rate if self.previous else None
            ),
            "satisfaction_change": self.satisfaction_change,
            "previous_satisfaction_rank": self.previous_satisfaction_rank,
            "closure_rate": figures.closure_rate,
        }


@dataclass(frozen=True)
class Bulletin:
    month: date
    previous_month: date
    totals: OrderFigures
    previous_totals: OrderFigures
    rows: list[BulletinRow]


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def last_complete_month(today: date) -> date:
    """The month a bulletin is published for by default: the one before ``today``'s."""
    return previous_month(month_start(today))


def ranks(
    figures: Iterable[OrderFigures], rate: Callable[[OrderFigures], float | None]
) -> dict[str, int | None]:
    """Competition ranks by ``rate``, highest first; None for a unit without the rate."""
    rates = {f.key: rate(f) for f in figures}
    rated = [value for value in rates.values() if value is not None]
    return {
        key: None if value is None else 1 + sum(other > value for other in rated)
        for key, value in rates.items()
    }


def build_rows(
    current: Iterable[OrderFigures], previous: Iterable[OrderFigures]
) -> list[BulletinRow]:
    """The ranked rows of a month from its units' figures and the month before's."""
    current = [f for f in current if f.dispatched]
    previous = [f for f in previous if f.dispatched]
    on_time, satisfaction = _both_ranks(current)
    before_on_time, before_satisfaction = _both_ranks(previous)
    previous_by_unit = {f.key: f for f in previous}
    rows = [
        BulletinRow(
            figures=f,
            previous=previous_by_unit.get(f.key),
            on_time_rank=on_time[f.key],
            satisfaction_rank=satisfaction[f.key],
            previous_on_time_rank=before_on_time.get(f.key),
            previous_satisfaction_rank=before_satisfaction.get(f.key),
        )
        for f in current
    ]
    last = len(rows) + 1
    return sorted(
        rows,
        key=lambda r: (r.on_time_rank or last, r.satisfaction_rank or last, r.unit),
    )


def monthly_bulletin(session: orm.Session, month: date) -> Bulletin:
    """The bulletin of the month that ``month`` falls in, from the roll-ups."""
    month = month_start(month)
    before = previous_month(month)
    current = order_figures(session, "unit", month, next_month(month))
    previous = order_figures(session, "unit", before, month)
    return Bulletin(
        month=month,
        previous_month=before,
        totals=order_figures(session, "total", month, next_month(month))[0],
        previous_totals=order_figures(session, "total", before, month)[0],
        rows=build_rows(current, previous),
    )


def _both_ranks(figures: list[OrderFigures]):
    return (
        ranks(figures, lambda f: f.on_time_rate),
        ranks(figures, lambda f: f.satisfaction_rate),
    )


def _difference(now: float | None, previous: OrderFigures | None, name: str) -> float | None:
    before = getattr(previous, name) if previous is not None else None
    return None if now is None or before is None else now - before


def _rank_change(now: int | None, before: int | None) -> int | None:
    return None if now is None or before is None else before - now
