"""Call figures: offered, answered, abandoned, first-contact resolution."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from routing.models import Call


@dataclass(frozen=True)
class CallTotals:
    offered: int
    answered: int
    abandoned: int
    resolved_first_contact: int

    @property
    def answer_rate(self) -> float | None:
        return self.answered / self.offered if self.offered else None

    @property
    def first_contact_resolution(self) -> float | None:
        """Answered calls resolved without a work order / answered calls."""
        return self.resolved_first_contact / self.answered if self.answered else None


def call_totals(
    session: orm.Session, start: datetime | None = None, end: datetime | None = None
) -> CallTotals:
    """Calls that reached a queue in [start, end): offered, answered, abandoned, resolved."""
    conditions = [Call.enqueued_at.is_not(None)]
    if start is not None:
        conditions.append(Call.enqueued_at >= start)
    if end is not None:
        conditions.append(Call.enqueued_at < end)
    resolved = sa.and_(Call.answered_at.is_not(None), Call.resolution.in_(("kb", "on_call")))
    query = sa.select(
        sa.func.count(Call.id),
        sa.func.count(Call.answered_at),
        sa.func.count(sa.case((Call.status == "abandoned", 1))),
        sa.func.count(sa.case((resolved, 1))),
    ).where(*conditions)
    return CallTotals(*session.execute(query).one())
