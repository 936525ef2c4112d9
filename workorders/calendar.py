"""Working days on the official calendar: weekends off, holidays off, make-up days on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hotline.db import TIMEZONE

LOCAL = ZoneInfo(TIMEZONE)
END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True)
class WorkingCalendar:
    """Weekdays are working days unless ``exceptions`` says otherwise for a date."""

    exceptions: Mapping[date, bool] = field(default_factory=dict)

    def is_working_day(self, day: date) -> bool:
        if day in self.exceptions:
            return self.exceptions[day]
        return day.weekday() < 5

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (``start`` itself is not counted)."""
        if days < 0:
            raise ValueError("days must not be negative")
        current = start
        counted = 0
        while counted < days:
            current += timedelta(days=1)
            if self.is_working_day(current):
                counted += 1
        return current

    def deadline(self, start: datetime, days: int) -> datetime:
        """The end (local time) of the ``days``-th working day after ``start``, as aware UTC."""
        local_day = start.astimezone(LOCAL).date()
        last_day = self.add_working_days(local_day, days)
        return datetime.combine(last_day, END_OF_DAY, tzinfo=LOCAL).astimezone(start.tzinfo)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when ``end`` is before ``start``."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(
            1
            for offset in range(1, (end - start).days + 1)
            if self.is_working_day(start + timedelta(days=offset))
        )
