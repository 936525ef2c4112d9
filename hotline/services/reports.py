"""What the report pages and the monitor API share: the definitions as shown and the call
figures per day or month."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time

from sqlalchemy import orm

from hotline.db import utcnow
from hotline.infra import context
from routing import metrics
from routing.metrics import LOCAL, CallFigures, CallTally, call_records, tally

# (figure, definition) as written on the report pages, in the PDF and in the README.
DEFINITIONS: list[tuple[str, str]] = [
    (
        "统计范围",
        "工单按派发时间（重新派发、重办的按最近一次派发）归入统计期；市民撤回的工单和被合并的重复工单不计。",
    ),
    ("办结率", "已办结 / 已派发"),
    (
        "按期办结率",
        "按期办结 / (已办结 + 超期未办结)。按期办结：承办单位最后一次答复不晚于答复期限；"
        "超期未办结：仍在承办单位手中且已过答复期限，超期工单计入分母，对承办单位不利。",
    ),
    ("满意率", "(满意 + 基本满意) / 有回访评价的工单；未接通不计。"),
    ("退回率", "被退回过的工单 / 已派发，按工单当前的承办单位统计。"),
    ("重办率", "因不满意而重办过的工单 / 已派发。"),
    (
        "接通率",
        "接通（含市民选择的回拨）/ (呼入 - 短时放弃)；短时放弃单独统计。",
    ),
    ("放弃率", "排队中挂机 / (呼入 - 短时放弃)。"),
    ("服务水平", "在规定秒数内接通 / (呼入 - 短时放弃)。"),
    (
        "一次性解答率",
        "接通后以知识库条目或当场解答、未转工单 / 接通。",
    ),
]
TREND_GROUPINGS = ("day", "month")


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL)


def settled_until(now: datetime | None = None) -> datetime:
    """The first hour whose calls may still change (see ``metrics.settled_until``)."""
    config = context.settings()
    return metrics.settled_until(
        now or utcnow(), config.callback_attempts, config.callback_retry_minutes
    )


def call_trend(
    session: orm.Session,
    start: date,
    end: date,
    by: str,
    short_abandon_seconds: int,
    service_level_seconds: int,
) -> list[CallFigures]:
    """The call figures of routing.metrics per local day or month in [start, end): the
    settled days from their roll-ups where kept, the others counted from their calls."""
    trend, _ = call_trend_and_total(
        session, start, end, by, short_abandon_seconds, service_level_seconds
    )
    return trend


def call_trend_and_total(
    session: orm.Session,
    start: date,
    end: date,
    by: str,
    short_abandon_seconds: int,
    service_level_seconds: int,
) -> tuple[list[CallFigures], CallFigures]:
    """``call_trend``, and the figures of the whole period, from the same reading."""
    if by not in TREND_GROUPINGS:
        raise ValueError("by must be day or month")
    pattern = "%Y-%m-%d" if by == "day" else "%Y-%m"
    groups = _tallies(session, start, end, pattern, short_abandon_seconds, service_level_seconds)
    total = CallTally()
    for counts in groups.values():
        total.add(counts)
    return [groups[key].figures(key) for key in sorted(groups)], total.figures("total")


def _tallies(
    session: orm.Session,
    start: date,
    end: date,
    pattern: str,
    short_abandon_seconds: int,
    service_level_seconds: int,
) -> dict[str, CallTally]:
    """The tallies per key (the local day of the call written with ``pattern``): the
    settled hours' kept tallies, and the calls of the other hours counted."""
    settings = (short_abandon_seconds, service_level_seconds)
    first, last = local_midnight(start), local_midnight(end)
    kept = metrics.stored_hours(session, first, min(last, settled_until()), *settings)
    groups: dict[str, CallTally] = defaultdict(CallTally)
    for hour, counts in kept.items():
        if counts.offered:
            groups[hour.astimezone(LOCAL).strftime(pattern)].add(counts)
    hour = metrics.hour_of(first)
    while hour < last:
        if hour in kept:
            hour += metrics.ONE_HOUR
            continue
        run_end = hour
        while run_end < last and run_end not in kept:
            run_end += metrics.ONE_HOUR
        records = defaultdict(list)
        for record in call_records(session, max(hour, first), min(run_end, last)):
            records[record.enqueued_at.astimezone(LOCAL).strftime(pattern)].append(record)
        for key, group in records.items():
            groups[key].add(tally(group, *settings))
        hour = run_end
    return groups
