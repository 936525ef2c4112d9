"""The supervisor's wallboard as plain data: queues, agents, today's figures, staffing."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.db import utcnow
from routing import services as routing
from routing.metrics import LOCAL, call_records, call_report
from routing.models import Agent, Call, Skill
from routing.staffing import agents_needed

STAFFING_INTERVAL = 900


def wallboard(session: orm.Session, settings: routing.RouterSettings) -> dict:
    now = utcnow()
    day_start = datetime.combine(now.astimezone(LOCAL).date(), time.min, tzinfo=LOCAL)
    waiting = routing.waiting_calls(session)
    skills = session.scalars(sa.select(Skill).order_by(Skill.code)).all()
    queues: list[dict[str, Any]] = []  # JSON for the wallboard page
    for skill in skills:
        calls = [c for c in waiting if c.skill_code == skill.code]
        queues.append(
            {
                "skill": skill.code,
                "name": skill.name,
                "waiting": len(calls),
                "callbacks": sum(c.kind == "callback" for c in calls),
                "longest_wait_seconds": max(
                    (
                        round((now - c.enqueued_at).total_seconds())
                        for c in calls
                        if c.enqueued_at is not None
                    ),
                    default=0,
                ),
            }
        )
    agents = session.scalars(sa.select(Agent).order_by(Agent.name)).all()
    rated = session.execute(
        sa.select(Call.agent_id, Call.rating).where(
            Call.rating.is_not(None), Call.created_at >= day_start
        )
    ).all()
    ratings = Counter(rating for _, rating in rated)
    by_agent: dict[int, Counter] = {}
    for agent_id, rating in rated:
        if agent_id is not None:
            by_agent.setdefault(agent_id, Counter())[rating] += 1
    report = call_report(
        session,
        day_start,
        now + timedelta(seconds=1),
        "total",
        settings.short_abandon_seconds,
        settings.service_level_seconds,
    )
    today = report[0] if report else None
    return {
        "at": now.isoformat(),
        "queues": queues,
        "waiting": len(waiting),
        "longest_wait_seconds": max((q["longest_wait_seconds"] for q in queues), default=0),
        "agents": [
            {
                "name": a.name,
                "state": a.state,
                "reason": a.state_reason,
                "seconds_in_state": round((now - a.state_since).total_seconds()),
                "ratings_today": {
                    str(k): by_agent.get(a.id, Counter()).get(k, 0) for k in (1, 2, 3)
                },
            }
            for a in agents
        ],
        "agents_by_state": dict(Counter(a.state for a in agents)),
        "today": today.as_dict() if today else None,
        "ratings_today": {str(k): ratings.get(k, 0) for k in (1, 2, 3)},
        "staffing": _staffing_now(session, now, today.aht_seconds if today else None),
        "service_level_seconds": settings.service_level_seconds,
    }


def _staffing_now(session: orm.Session, now: datetime, aht: float | None) -> dict:
    """Agents needed for the next interval at the arrival rate of the last hour (Erlang C)."""
    recent = call_records(session, now - timedelta(hours=1), now + timedelta(seconds=1))
    calls = len(recent) * STAFFING_INTERVAL / 3600
    handle = aht or routing.DEFAULT_HANDLE_SECONDS
    plan = agents_needed(calls, handle, STAFFING_INTERVAL)
    logged_in = session.scalar(sa.select(sa.func.count(Agent.id)).where(Agent.state != "offline"))
    return {
        "calls_per_interval": round(calls, 1),
        "aht_seconds": round(handle),
        "agents_needed": plan.agents,
        "agents_logged_in": logged_in,
        "expected_service_level": round(plan.service_level, 3),
    }
