"""Keeping the report roll-ups current: the job, and what enqueues it.

Any transaction that changes a work order enqueues one refresh, sent once it commits: with
Redis it runs on the ``reports`` queue; on the embedded default right after the commit.
`hotline reports rollup` runs the same refresh (from cron, say, so that orders that became
overdue without any change are counted soon) and rebuilds ranges of days.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import orm

from hotline.db import utcnow
from hotline.infra import context
from hotline.infra.database import allow_long_statements, new_session
from hotline.infra.jobs import enqueue
from routing import metrics
from workorders import rollups
from workorders.models import WorkOrder, WorkOrderEvent

JOB = "refresh_report_rollups"


def refresh_report_rollups() -> None:
    """Refresh the roll-ups of the days the work-order trail touched since the last run,
    and tally the hours whose calls have settled since."""
    with new_session() as session:
        allow_long_statements(session)
        rollups.refresh(session)
        refresh_call_rollups(session)


def refresh_call_rollups(
    session: orm.Session, rebuild: tuple[datetime, datetime] | None = None
) -> int:
    """Tally the settled hours not tallied yet, under the configured figures' settings."""
    config = context.settings()
    return metrics.refresh_hours(
        session,
        metrics.settled_until(utcnow(), config.callback_attempts, config.callback_retry_minutes),
        config.short_abandon_seconds,
        config.service_level_seconds,
        rebuild=rebuild,
    )


def note_changes(session: orm.Session, _flush_context) -> None:
    """After a flush: one refresh for the transaction, if it changed a work order."""
    changed = (*session.new, *session.dirty)
    if not any(isinstance(row, WorkOrder | WorkOrderEvent) for row in changed):
        return
    if (JOB, ()) not in session.info.get("pending_jobs", []):
        enqueue(session, JOB)
