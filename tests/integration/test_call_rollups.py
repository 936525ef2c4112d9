"""The call figures of settled hours are read from their tallies, and are the same figures
as counted from the calls: per day and per month, with callbacks, short abandons and
unreached callers among them; the hours that may still change are always counted."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from hotline.db import utcnow
from hotline.infra.rollups import refresh_call_rollups
from hotline.seed.history import make_history
from hotline.services.reports import call_trend, settled_until
from routing import metrics
from routing.metrics import LOCAL
from routing.models import Call, CallHourRollup
from tests.factories import make_call


def test_settled_days_read_from_their_tallies_give_the_figures_of_their_calls(app, session):
    with app.app_context():
        now = utcnow()
        make_history(session, 6, now=now, calls_per_day=120, orders_per_day=20, agents=8)
        # A caller who asked for a callback and was reached, one never reached, a short
        # abandon: four days ago, settled.
        asked = now - timedelta(days=4)
        left = make_call(
            session, status="left", enqueued_at=asked, created_at=asked, ended_at=asked
        )
        make_call(
            session,
            kind="callback",
            parent_call_id=left.id,
            status="completed",
            enqueued_at=asked + timedelta(minutes=5),
            answered_at=asked + timedelta(minutes=6),
            ended_at=asked + timedelta(minutes=9),
            resolution="kb",
        )
        unreached = make_call(
            session, status="left", enqueued_at=asked, created_at=asked, ended_at=asked
        )
        make_call(
            session,
            kind="callback",
            parent_call_id=unreached.id,
            status="unreached",
            enqueued_at=asked + timedelta(minutes=5),
        )
        make_call(
            session,
            status="abandoned",
            enqueued_at=asked,
            ended_at=asked + timedelta(seconds=2),
            queue_seconds=2,
        )
        session.commit()
        today = now.astimezone(LOCAL).date()
        start, end = today - timedelta(days=8), today + timedelta(days=1)
        counted = {by: call_trend(session, start, end, by, 5, 20) for by in ("day", "month")}

        assert refresh_call_rollups(session) > 0
        session.commit()
        kept = session.scalars(sa.select(CallHourRollup.hour)).all()
        assert kept and max(kept) < settled_until() <= now
        for by in ("day", "month"):
            assert call_trend(session, start, end, by, 5, 20) == counted[by]
        assert refresh_call_rollups(session) == 0  # nothing new to tally

        # Other settings are counted from the calls, never from another setting's tallies.
        assert call_trend(session, start, end, "day", 30, 60) == [
            metrics.summarize(key, records, 30, 60)
            for key, records in sorted(_by_day(session, start, end).items())
        ]
        # A rebuild replaces the tallies of its hours.
        first = min(kept).astimezone(LOCAL).date() + timedelta(days=1)
        session.execute(sa.update(Call).values(wrap_up_seconds=0))
        span = (_midnight(first), _midnight(first + timedelta(days=1)))
        assert refresh_call_rollups(session, rebuild=span) == 24
        assert call_trend(session, first, first + timedelta(days=1), "day", 5, 20) == [
            metrics.summarize(key, records, 5, 20)
            for key, records in sorted(_by_day(session, first, first + timedelta(days=1)).items())
        ]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=LOCAL)


def _by_day(session, start: date, end: date) -> dict[str, list]:
    groups: dict[str, list] = {}
    for record in metrics.call_records(session, _midnight(start), _midnight(end)):
        groups.setdefault(record.enqueued_at.astimezone(LOCAL).strftime("%Y-%m-%d"), []).append(
            record
        )
    return groups
