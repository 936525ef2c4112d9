"""Agents' figures for supervisors: calls handled, AHT, first-contact resolution, ratings;
and the month's service stars (服务之星).

AHT and first-contact resolution are the call figures of :mod:`routing.metrics`, computed
per agent over the calls the agent answered (callbacks included). Ratings are the callers'
1 satisfied, 2 basically satisfied, 3 unsatisfied after the call.

Service stars: among the agents who handled at least ``min_handled`` calls and were rated at
least ``min_rated`` times in the month, the ``count`` best by satisfaction rate (ratings 1
or 2 over ratings), then first-contact resolution, then calls handled, then the shorter AHT.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from routing.metrics import CallRecord, summarize
from routing.models import Agent, Call


@dataclass(frozen=True)
class StarRule:
    min_handled: int = 20
    min_rated: int = 10
    count: int = 3


STAR_RULE = StarRule()


@dataclass(frozen=True)
class AgentFigures:
    agent_id: int
    name: str
    handled: int
    aht_seconds: float | None
    first_contact_resolution: float | None
    ratings: dict[int, int] = field(default_factory=dict)

    @property
    def rated(self) -> int:
        return sum(self.ratings.values())

    @property
    def satisfaction_rate(self) -> float | None:
        good = self.ratings.get(1, 0) + self.ratings.get(2, 0)
        return good / self.rated if self.rated else None


def agent_figures(session: orm.Session, start: datetime, end: datetime) -> list[AgentFigures]:
    """Each agent's figures over the calls they answered in [start, end), most handled first."""
    rows = session.execute(
        sa.select(
            Agent.id,
            Agent.name,
            Call.enqueued_at,
            Call.status,
            Call.answered_at,
            Call.ended_at,
            Call.wrap_up_seconds,
            Call.resolution,
            Call.rating,
        )
        .join(Agent, Agent.id == Call.agent_id)
        .where(Call.answered_at >= start, Call.answered_at < end)
    )
    records: dict[tuple[int, str], list[CallRecord]] = defaultdict(list)
    ratings: dict[int, dict[int, int]] = defaultdict(dict)
    for agent_id, name, enqueued, status, answered, ended, wrap_up, resolution, rating in rows:
        assert answered is not None  # the where clause keeps answered calls only
        records[(agent_id, name)].append(
            CallRecord(
                enqueued_at=enqueued or answered,
                status=status,
                skill="",
                line="",
                answered_at=answered,
                ended_at=ended,
                wrap_up_seconds=wrap_up,
                resolution=resolution,
            )
        )
        if rating in (1, 2, 3):
            ratings[agent_id][rating] = ratings[agent_id].get(rating, 0) + 1
    figures = []
    for (agent_id, name), calls in records.items():
        summary = summarize(str(agent_id), calls, 0, 0)
        figures.append(
            AgentFigures(
                agent_id=agent_id,
                name=name,
                handled=summary.answered,
                aht_seconds=summary.aht_seconds,
                first_contact_resolution=summary.first_contact_resolution,
                ratings=dict(sorted(ratings[agent_id].items())),
            )
        )
    return sorted(figures, key=lambda f: (-f.handled, f.name, f.agent_id))


def service_stars(
    figures: Iterable[AgentFigures], rule: StarRule = STAR_RULE
) -> list[AgentFigures]:
    """The month's service stars, best first, by the rule in this module's docstring."""
    eligible = [f for f in figures if f.handled >= rule.min_handled and f.rated >= rule.min_rated]
    eligible.sort(
        key=lambda f: (
            -(f.satisfaction_rate or 0.0),
            -(f.first_contact_resolution or 0.0),
            -f.handled,
            f.aht_seconds if f.aht_seconds is not None else float("inf"),
            f.name,
        )
    )
    return eligible[: rule.count]
