"""Deadlines of a work order: sign-for and reply, on the working calendar or in hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from workorders.calendar import WorkingCalendar


@dataclass(frozen=True)
class DeadlinePolicy:
    """The hotline's timing rules; categories may override the reply time."""

    sign_working_days: int = 1
    default_reply_working_days: int = 10
    urgent_reply_hours: int = 24
    reminder_hours: int = 24
    callback_days: int = 3
    max_extension_working_days: int = 30


DEFAULT_POLICY = DeadlinePolicy()


@dataclass(frozen=True)
class Deadlines:
    sign: datetime
    reply: datetime
    # The first year without an official holiday arrangement that the working days were
    # counted across (Monday to Friday there): the deadlines are provisional. None: official.
    provisional_year: int | None = None


def deadlines(
    calendar: WorkingCalendar,
    policy: DeadlinePolicy,
    start: datetime,
    *,
    reply_working_days: int | None,
    urgent: bool,
    urgent_reply_hours: int | None = None,
) -> Deadlines:
    """Sign-for and reply deadlines for an order dispatched at ``start``.

    Working days count on the calendar; an urgent order must be answered within hours,
    round the clock, and is never given longer to sign for than to reply.
    """
    counted: list[datetime] = []
    if urgent:
        reply = start + timedelta(hours=urgent_reply_hours or policy.urgent_reply_hours)
    else:
        reply = calendar.deadline(start, reply_working_days or policy.default_reply_working_days)
        counted.append(reply)
    sign = calendar.deadline(start, policy.sign_working_days)
    if sign < reply:
        counted.append(sign)
    provisional = [calendar.provisional_year(start, due) for due in counted]
    return Deadlines(
        sign=min(sign, reply),
        reply=reply,
        provisional_year=earliest(*provisional),
    )


def extended(calendar: WorkingCalendar, deadline: datetime, working_days: int) -> datetime:
    """``deadline`` moved by ``working_days`` working days (to the end of that day)."""
    return calendar.deadline(deadline, working_days)


def earliest(*years: int | None) -> int | None:
    """The earliest of the years given, ignoring None; None when there is none."""
    return min((year for year in years if year is not None), default=None)


def remaining(deadline: datetime | None, now: datetime) -> timedelta | None:
    """Time left until ``deadline`` (negative once it has passed), or None without one."""
    return None if deadline is None else deadline - now


def reminder_due(deadline: datetime | None, now: datetime, policy: DeadlinePolicy) -> bool:
    """Whether ``now`` is in the reminder window before ``deadline`` (not yet past it)."""
    if deadline is None:
        return False
    return deadline - timedelta(hours=policy.reminder_hours) <= now < deadline
