"""Working days on the official calendar: weekends off, holidays off, make-up days on.

The State Council's holidays and make-up working days (调休) come from the maintained
``chinesecalendar`` package, for every year it knows; the hotline carries no copy of them.
An admin's overrides (a local holiday, a typhoon day, a day declared a working day) apply on
top. Past the last year the package knows, days count Monday to Friday (plus overrides) and
a deadline that relies on such a year is provisional: it says which year is missing.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from importlib import metadata
from zoneinfo import ZoneInfo

import chinese_calendar

from hotline.db import TIMEZONE

LOCAL = ZoneInfo(TIMEZONE)
END_OF_DAY = time(23, 59, 59)
# Admins are told from this day of the year on when next year is not known yet (the State
# Council usually publishes next year's arrangement in October or November).
WARN_FROM = (11, 1)
PACKAGE = "chinesecalendar"


@dataclass(frozen=True)
class OfficialCalendar:
    """The official holidays and make-up working days of the years first_year..last_year."""

    first_year: int
    last_year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    version: str = ""

    def covers(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year

    def is_working_day(self, day: date) -> bool | None:
        """Whether ``day`` is an official working day; None for a year it does not know."""
        if not self.covers(day.year):
            return None
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def until(self, last_year: int) -> OfficialCalendar:
        """The same calendar as if it knew no year after ``last_year`` (an older package)."""
        return OfficialCalendar(
            self.first_year,
            min(last_year, self.last_year),
            frozenset(d for d in self.holidays if d.year <= last_year),
            frozenset(d for d in self.workdays if d.year <= last_year),
            self.version,
        )


@functools.cache
def official_calendar() -> OfficialCalendar:
    """The package's calendar, read once per process into sets (its own look-ups scan every
    date it knows on each call)."""
    known = set(chinese_calendar.holidays) | set(chinese_calendar.workdays)
    holidays = frozenset(chinese_calendar.holidays)
    workdays = frozenset(chinese_calendar.workdays)
    try:
        version = metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:  # pragma: no cover - installed without metadata
        version = getattr(chinese_calendar, "__version__", "")
    return OfficialCalendar(
        first_year=min(d.year for d in known),
        last_year=max(d.year for d in known),
        holidays=holidays,
        workdays=workdays,
        version=version,
    )


def missing_official_year(today: date, official: OfficialCalendar | None = None) -> int | None:
    """The year whose official arrangement admins must fetch now, else None: this year when
    the package does not know it, next year from 1 November when it does not know that."""
    official = official or official_calendar()
    if not official.covers(today.year):
        return today.year
    if (today.month, today.day) >= WARN_FROM and not official.covers(today.year + 1):
        return today.year + 1
    return None


@dataclass(frozen=True)
class WorkingCalendar:
    """The official calendar with the admin's ``overrides`` (date -> working day or not)."""

    overrides: Mapping[date, bool] = field(default_factory=dict)
    official: OfficialCalendar = field(default_factory=official_calendar)

    def is_working_day(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        official = self.official.is_working_day(day)
        if official is not None:
            return official
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

    def provisional_year(self, start: datetime, deadline: datetime) -> int | None:
        """The first year the package does not know among the days counted from ``start``
        to ``deadline`` (those days were counted Monday to Friday); None when it knows all."""
        first = start.astimezone(LOCAL).date().year
        last = deadline.astimezone(LOCAL).date().year
        return next((y for y in range(first, last + 1) if not self.official.covers(y)), None)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when ``end`` is before ``start``."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(
            1
            for offset in range(1, (end - start).days + 1)
            if self.is_working_day(start + timedelta(days=offset))
        )
