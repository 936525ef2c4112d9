"""Call figures: offered, answered, abandoned, service level, ASA, AHT, occupancy.

Definitions (also in the README):

- offered: inbound calls that reached a queue in the period;
- short abandons: callers who hung up in the queue within the short-abandon time; they
  are counted apart and left out of the rates' denominators;
- answered: offered calls an agent answered, directly or through the callback the caller
  asked for; a call is answered when the agent's leg connects (the <Dial> action says the
  agent picked up), not when the agent accepts it, so a leg the agent did not answer is no
  answer and the wait goes on; abandoned: the other callers who hung up in the queue;
- callbacks unreached: callers who asked for a callback (or left a message) whom every
  attempt failed to reach; counted apart, neither answered nor abandoned;
- answer rate = answered / (offered − short abandons); abandonment rate likewise;
- service level = calls answered within T seconds / (offered − short abandons);
- ASA = mean wait of directly answered calls; AHT = mean talk plus wrap-up time;
- occupancy = time agents spent reserved, on calls or wrapping up / that time plus the
  time they were available.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from math import fsum
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.db import TIMEZONE
from routing.models import AgentStateChange, Call, CallHourRollup

LOCAL = ZoneInfo(TIMEZONE)
GROUPINGS = ("total", "skill", "line", "15min", "hour", "day")
# How long after its day a call may still be waiting, talking or wrapping up, beyond the
# callbacks' own attempts: its day is settled only then.
SETTLE_MARGIN = timedelta(hours=2)
ONE_HOUR = timedelta(hours=1)
BUSY_STATES = ("reserved", "on_call", "wrap_up")
# Resolutions that need no work order: an article read out, or an answer on the call.
RESOLVED_ON_CONTACT = ("kb", "on_call")


@dataclass(frozen=True)
class CallRecord:
    """The facts of one offered call that the figures are computed from."""

    enqueued_at: datetime
    status: str
    skill: str
    line: str
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    wrap_up_seconds: int | None = None
    queue_seconds: int | None = None
    callback_answered_at: datetime | None = None
    resolution: str | None = None
    callback_unreached: bool = False
    callback_resolution: str | None = None  # how the agent resolved the answered callback

    @property
    def wait_seconds(self) -> float | None:
        if self.answered_at is not None:
            return (self.answered_at - self.enqueued_at).total_seconds()
        if self.queue_seconds is not None:
            return float(self.queue_seconds)
        if self.ended_at is not None:
            return (self.ended_at - self.enqueued_at).total_seconds()
        return None


@dataclass(frozen=True)
class CallFigures:
    key: str
    offered: int
    answered: int
    abandoned: int
    short_abandoned: int
    callbacks_requested: int
    answered_within_target: int
    asa_seconds: float | None
    aht_seconds: float | None
    resolved_first_contact: int = 0
    occupancy: float | None = None
    callbacks_unreached: int = 0

    @property
    def counted(self) -> int:
        return self.offered - self.short_abandoned

    @property
    def answer_rate(self) -> float | None:
        return self.answered / self.counted if self.counted else None

    @property
    def abandonment_rate(self) -> float | None:
        return self.abandoned / self.counted if self.counted else None

    @property
    def service_level(self) -> float | None:
        return self.answered_within_target / self.counted if self.counted else None

    @property
    def first_contact_resolution(self) -> float | None:
        """Answered calls resolved without a work order / answered calls."""
        return self.resolved_first_contact / self.answered if self.answered else None

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "offered": self.offered,
            "answered": self.answered,
            "abandoned": self.abandoned,
            "short_abandoned": self.short_abandoned,
            "callbacks_requested": self.callbacks_requested,
            "callbacks_unreached": self.callbacks_unreached,
            "answer_rate": self.answer_rate,
            "abandonment_rate": self.abandonment_rate,
            "service_level": self.service_level,
            "asa_seconds": self.asa_seconds,
            "aht_seconds": self.aht_seconds,
            "first_contact_resolution": self.first_contact_resolution,
            "occupancy": self.occupancy,
        }


def summarize(
    key: str,
    records: Iterable[CallRecord],
    short_abandon_seconds: int,
    service_level_seconds: int,
    occupancy: float | None = None,
) -> CallFigures:
    """The figures of a group of offered calls."""
    return tally(records, short_abandon_seconds, service_level_seconds).figures(key, occupancy)


@dataclass
class CallTally:
    """The counts and sums the figures of a group of calls are made of; tallies of parts of
    a group (its days, say) add up to the group's."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    callbacks_requested: int = 0
    answered_within_target: int = 0
    resolved_first_contact: int = 0
    callbacks_unreached: int = 0
    waits: int = 0
    wait_seconds: float = 0.0
    handles: int = 0
    handle_seconds: float = 0.0

    COUNTS = (
        "offered",
        "answered",
        "abandoned",
        "short_abandoned",
        "callbacks_requested",
        "answered_within_target",
        "resolved_first_contact",
        "callbacks_unreached",
        "waits",
        "wait_seconds",
        "handles",
        "handle_seconds",
    )

    def add(self, other: CallTally) -> None:
        for name in self.COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def figures(self, key: str, occupancy: float | None = None) -> CallFigures:
        return CallFigures(
            key=key,
            offered=self.offered,
            answered=self.answered,
            abandoned=self.abandoned,
            short_abandoned=self.short_abandoned,
            callbacks_requested=self.callbacks_requested,
            answered_within_target=self.answered_within_target,
            asa_seconds=round(self.wait_seconds / self.waits, 1) if self.waits else None,
            aht_seconds=round(self.handle_seconds / self.handles, 1) if self.handles else None,
            resolved_first_contact=self.resolved_first_contact,
            occupancy=occupancy,
            callbacks_unreached=self.callbacks_unreached,
        )


def tally(
    records: Iterable[CallRecord], short_abandon_seconds: int, service_level_seconds: int
) -> CallTally:
    """What the figures of these calls are made of (the means as exact sums: fsum)."""
    offered = answered = abandoned = short = callbacks = within = resolved = unreached = 0
    waits: list[float] = []
    handles: list[float] = []
    for record in records:
        offered += 1
        if record.answered_at is not None or record.callback_answered_at is not None:
            answered += 1
            # Resolved on the contact that answered the caller: the call, or its callback.
            how = record.resolution if record.answered_at is not None else None
            resolved += (how or record.callback_resolution) in RESOLVED_ON_CONTACT
            if record.answered_at is not None:
                wait = (record.answered_at - record.enqueued_at).total_seconds()
                waits.append(wait)
                within += wait <= service_level_seconds
                if record.ended_at is not None:
                    talk = (record.ended_at - record.answered_at).total_seconds()
                    handles.append(talk + (record.wrap_up_seconds or 0))
        elif record.status == "abandoned":
            held = record.wait_seconds
            if held is not None and held < short_abandon_seconds:
                short += 1
            else:
                abandoned += 1
        if record.status == "left":
            callbacks += 1
            unreached += record.callback_unreached and record.callback_answered_at is None
    return CallTally(
        offered=offered,
        answered=answered,
        abandoned=abandoned,
        short_abandoned=short,
        callbacks_requested=callbacks,
        answered_within_target=within,
        resolved_first_contact=resolved,
        callbacks_unreached=unreached,
        waits=len(waits),
        wait_seconds=fsum(waits),
        handles=len(handles),
        handle_seconds=fsum(handles),
    )


def bucket(by: str) -> Callable[[CallRecord], str]:
    """The grouping key of a record for ``by`` (intervals in local time)."""
    if by == "total":
        return lambda r: "total"
    if by == "skill":
        return lambda r: r.skill
    if by == "line":
        return lambda r: r.line
    if by == "day":
        return lambda r: r.enqueued_at.astimezone(LOCAL).strftime("%Y-%m-%d")
    if by == "hour":
        return lambda r: r.enqueued_at.astimezone(LOCAL).strftime("%Y-%m-%d %H:00")
    if by == "15min":

        def quarter(r: CallRecord) -> str:
            local = r.enqueued_at.astimezone(LOCAL)
            return local.replace(minute=local.minute // 15 * 15).strftime("%Y-%m-%d %H:%M")

        return quarter
    raise ValueError(f"by must be one of {', '.join(GROUPINGS)}")


def occupancy(
    spells: Iterable[tuple[str, datetime, datetime | None]], start: datetime, end: datetime
) -> float | None:
    """Busy time / (busy + available time) of agents' state spells within [start, end)."""
    busy = available = 0.0
    for state, began, ended in spells:
        overlap = (min(ended or end, end) - max(began, start)).total_seconds()
        if overlap <= 0:
            continue
        if state in BUSY_STATES:
            busy += overlap
        elif state == "available":
            available += overlap
    return busy / (busy + available) if busy + available else None


def call_records(session: orm.Session, start: datetime, end: datetime) -> list[CallRecord]:
    """The inbound calls offered in [start, end), with the answer time of their callback
    and whether it was closed unreached.

    The callbacks (a few calls in a hundred) are read apart, once for the period, not
    looked up call by call."""
    offered = sa.and_(Call.kind == "inbound", Call.enqueued_at >= start, Call.enqueued_at < end)
    rows = session.execute(
        sa.select(
            Call.id,
            Call.enqueued_at,
            Call.status,
            Call.skill_code,
            Call.legacy_line_number,
            Call.answered_at,
            Call.ended_at,
            Call.wrap_up_seconds,
            Call.queue_seconds,
            Call.resolution,
        ).where(offered)
    ).all()
    parent = orm.aliased(Call)
    callbacks = session.execute(
        sa.select(Call.parent_call_id, Call.answered_at, Call.resolution, Call.status)
        .join(parent, parent.id == Call.parent_call_id)
        .where(
            Call.kind == "callback",
            parent.kind == "inbound",
            parent.enqueued_at >= start,
            parent.enqueued_at < end,
        )
        .order_by(Call.answered_at, Call.id)
    ).all()
    # Per call: its first answered callback (when, and how it was resolved), and whether
    # one of them was closed unreached.
    first_answer: dict[int, tuple[datetime, str | None]] = {}
    unreached: set[int] = set()
    for parent_id, answered_at, resolution, status in callbacks:
        if parent_id is None:  # never, by the join; this tells the type
            continue
        if answered_at is not None and parent_id not in first_answer:
            first_answer[parent_id] = (answered_at, resolution)
        if status == "unreached":
            unreached.add(parent_id)
    records = []
    for row in rows:
        if row[1] is None:  # never, by the period's bounds; this tells the type
            continue
        answer = first_answer.get(row[0])
        records.append(
            CallRecord(
                enqueued_at=row[1],
                status=row[2],
                skill=row[3] or "general",
                line=row[4] or "12345",
                answered_at=row[5],
                ended_at=row[6],
                wrap_up_seconds=row[7],
                queue_seconds=row[8],
                callback_answered_at=answer[0] if answer else None,
                resolution=row[9],
                callback_unreached=row[0] in unreached,
                callback_resolution=answer[1] if answer else None,
            )
        )
    return records


def agent_spells(
    session: orm.Session, start: datetime, end: datetime
) -> list[tuple[str, datetime, datetime | None]]:
    """The state spells that overlap [start, end): those still open, and those that ended
    after ``start``; asked as two queries on the end's index (one with an OR would read
    every spell begun before ``end``, the whole history)."""
    columns = (AgentStateChange.state, AgentStateChange.started_at, AgentStateChange.ended_at)
    still_open = sa.select(*columns).where(
        AgentStateChange.ended_at.is_(None), AgentStateChange.started_at < end
    )
    ended_after = sa.select(*columns).where(
        AgentStateChange.ended_at > start, AgentStateChange.started_at < end
    )
    return [
        (state, started_at, ended_at)
        for query in (still_open, ended_after)
        for state, started_at, ended_at in session.execute(query)
    ]


def call_report(
    session: orm.Session,
    start: datetime,
    end: datetime,
    by: str = "total",
    short_abandon_seconds: int = 5,
    service_level_seconds: int = 20,
) -> list[CallFigures]:
    """Figures per group (skill, entry line, or interval), in key order."""
    key_of = bucket(by)
    groups: dict[str, list[CallRecord]] = defaultdict(list)
    for record in call_records(session, start, end):
        groups[key_of(record)].append(record)
    spells = agent_spells(session, start, end) if by in ("total", "day", "hour", "15min") else []
    figures = []
    for key in sorted(groups):
        share = None
        if by == "total":
            share = occupancy(spells, start, end)
        elif by in ("day", "hour", "15min"):
            begin = datetime.strptime(key[:16] if by != "day" else key, _FORMATS[by])
            begin = begin.replace(tzinfo=LOCAL)
            share = occupancy(spells, begin, begin + _LENGTHS[by])
        figures.append(
            summarize(key, groups[key], short_abandon_seconds, service_level_seconds, share)
        )
    return figures


_FORMATS = {"day": "%Y-%m-%d", "hour": "%Y-%m-%d %H:%M", "15min": "%Y-%m-%d %H:%M"}
_LENGTHS = {"day": timedelta(days=1), "hour": timedelta(hours=1), "15min": timedelta(minutes=15)}


def call_totals(
    session: orm.Session,
    start: datetime | None = None,
    end: datetime | None = None,
    short_abandon_seconds: int = 5,
    service_level_seconds: int = 20,
) -> CallFigures:
    """All calls offered in [start, end) (the whole history when not given) as one group."""
    start = start or datetime(2000, 1, 1, tzinfo=LOCAL)
    end = end or datetime(2100, 1, 1, tzinfo=LOCAL)
    records = call_records(session, start, end)
    return summarize("total", records, short_abandon_seconds, service_level_seconds)


def settled_until(now: datetime, callback_attempts: int, callback_retry_minutes: float) -> datetime:
    """The start of the first hour whose calls may still change at ``now``: a call offered
    in it may still be going on, or a callback be placed for its caller (every attempt).
    The hours before it are settled."""
    window = timedelta(minutes=callback_attempts * callback_retry_minutes)
    return hour_of(now - window - SETTLE_MARGIN)


def hour_of(moment: datetime) -> datetime:
    """The start of the (UTC) hour ``moment`` falls in."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def stored_hours(
    session: orm.Session,
    start: datetime,
    end: datetime,
    short_abandon_seconds: int,
    service_level_seconds: int,
) -> dict[datetime, CallTally]:
    """The tallies kept for the hours in [start, end) under these two settings."""
    rows = session.scalars(
        sa.select(CallHourRollup).where(
            CallHourRollup.hour >= start,
            CallHourRollup.hour < end,
            CallHourRollup.short_abandon_seconds == short_abandon_seconds,
            CallHourRollup.service_level_seconds == service_level_seconds,
        )
    )
    return {
        row.hour: CallTally(**{name: getattr(row, name) for name in CallTally.COUNTS})
        for row in rows
    }


def refresh_hours(
    session: orm.Session,
    settled: datetime,
    short_abandon_seconds: int,
    service_level_seconds: int,
    *,
    rebuild: tuple[datetime, datetime] | None = None,
    now: datetime | None = None,
) -> int:
    """Keep the tally of every settled hour (before ``settled``) that has none yet, from the
    first hour with calls; ``rebuild`` ([start, end)) drops the rows of those hours, under
    every setting, first. How many hours were tallied."""
    now = now or datetime.now(UTC)
    if rebuild is not None:
        session.execute(
            sa.delete(CallHourRollup).where(
                CallHourRollup.hour >= rebuild[0], CallHourRollup.hour < rebuild[1]
            )
        )
    first_call = session.scalar(
        sa.select(sa.func.min(Call.enqueued_at)).where(Call.kind == "inbound")
    )
    if first_call is None:
        return 0
    hour = hour_of(first_call)
    kept = stored_hours(session, hour, settled, short_abandon_seconds, service_level_seconds)
    missing = []
    while hour < settled:
        if hour not in kept:
            missing.append(hour)
        hour += ONE_HOUR
    # Each run of missing hours is read at once, then tallied hour by hour.
    for run_start, run_end in _runs(missing):
        by_hour: dict[datetime, list[CallRecord]] = defaultdict(list)
        for record in call_records(session, run_start, run_end):
            by_hour[hour_of(record.enqueued_at)].append(record)
        hour = run_start
        while hour < run_end:
            counts = tally(by_hour.get(hour, []), short_abandon_seconds, service_level_seconds)
            session.add(
                CallHourRollup(
                    hour=hour,
                    short_abandon_seconds=short_abandon_seconds,
                    service_level_seconds=service_level_seconds,
                    computed_at=now,
                    **{name: getattr(counts, name) for name in CallTally.COUNTS},
                )
            )
            hour += ONE_HOUR
    session.flush()
    return len(missing)


def _runs(hours: list[datetime]) -> list[tuple[datetime, datetime]]:
    """Consecutive hours as [start, end) runs."""
    runs: list[tuple[datetime, datetime]] = []
    for hour in hours:
        if runs and runs[-1][1] == hour:
            runs[-1] = (runs[-1][0], hour + ONE_HOUR)
        else:
            runs.append((hour, hour + ONE_HOUR))
    return runs
