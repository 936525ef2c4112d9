"""The working calendar is the chinesecalendar package's for every year it knows, with the
admins' overrides on top; past its last year it counts Monday to Friday and says so."""

import time
from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest

from workorders.calendar import (
    LOCAL,
    OfficialCalendar,
    WorkingCalendar,
    missing_official_year,
    official_calendar,
)

# The years the package itself says it knows (its own look-ups refuse any other year).
PACKAGE_YEARS = range(
    min(d.year for d in chinese_calendar.holidays),
    max(d.year for d in chinese_calendar.holidays) + 1,
)


def days_of(year: int):
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


@pytest.mark.parametrize("year", PACKAGE_YEARS)
def test_every_day_of_every_year_the_package_knows_is_as_the_package_says(year):
    calendar = WorkingCalendar()
    wrong = [
        day
        for day in days_of(year)
        if calendar.is_working_day(day) != chinese_calendar.is_workday(day)
    ]
    assert wrong == []


def test_the_last_year_is_the_last_the_package_knows():
    official = official_calendar()
    assert (official.first_year, official.last_year) == (PACKAGE_YEARS[0], PACKAGE_YEARS[-1])
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(official.last_year + 1, 1, 1))
    assert official.version == chinese_calendar.__version__
    # Read once per process.
    assert official_calendar() is official


def test_overrides_apply_on_top_of_the_package_and_nowhere_else():
    typhoon = date(2025, 7, 18)  # a Friday: a working day on the official calendar
    declared = date(2025, 10, 8)  # the last day of the National Day holiday
    calendar = WorkingCalendar({typhoon: False, declared: True})
    assert chinese_calendar.is_workday(typhoon) and not calendar.is_working_day(typhoon)
    assert not chinese_calendar.is_workday(declared) and calendar.is_working_day(declared)
    differ = [
        day
        for day in days_of(2025)
        if calendar.is_working_day(day) != chinese_calendar.is_workday(day)
    ]
    assert differ == [typhoon, declared]


def test_a_year_the_package_does_not_know_counts_monday_to_friday():
    year = official_calendar().last_year + 1
    calendar = WorkingCalendar()
    assert all(calendar.is_working_day(day) == (day.weekday() < 5) for day in days_of(year))
    # Unless an admin says otherwise.
    new_year = date(year, 1, 1)
    assert not WorkingCalendar({new_year: False}).is_working_day(new_year)


def test_counting_skips_the_weekend():
    # Thursday + 2 working days = Monday.
    assert WorkingCalendar().add_working_days(date(2026, 11, 26), 2) == date(2026, 11, 30)


def test_counting_skips_the_holiday_and_counts_the_make_up_day():
    # 2026: National Day 1–7 October off, Saturday 10 October a make-up working day.
    calendar = WorkingCalendar()
    assert calendar.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert calendar.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    # A typhoon closes Friday 9 October: the third working day is Monday 12 October.
    typhoon = WorkingCalendar({date(2026, 10, 9): False})
    assert typhoon.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 12)


def test_zero_days_is_the_same_day_and_negative_is_refused():
    assert WorkingCalendar().add_working_days(date(2026, 11, 26), 0) == date(2026, 11, 26)
    with pytest.raises(ValueError):
        WorkingCalendar().add_working_days(date(2026, 11, 26), -1)


def test_deadline_is_the_end_of_the_local_working_day_in_utc():
    # 20:00 UTC on Friday 27 Nov is already Saturday 04:00 in Guangzhou.
    start = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)
    deadline = WorkingCalendar().deadline(start, 1)
    assert deadline.tzinfo == UTC
    local = deadline.astimezone(LOCAL)
    assert (local.date(), local.hour, local.minute) == (date(2026, 11, 30), 23, 59)


def test_working_days_between_is_signed():
    calendar = WorkingCalendar()
    assert calendar.working_days_between(date(2026, 11, 26), date(2026, 11, 30)) == 2
    assert calendar.working_days_between(date(2026, 11, 30), date(2026, 11, 26)) == -2


def local_start(year, month, day, hour=10):
    return datetime(year, month, day, hour, tzinfo=LOCAL).astimezone(UTC)


def test_a_deadline_past_the_last_known_year_is_provisional_and_says_which_year():
    # As if the package knew no year after 2026.
    calendar = WorkingCalendar(official=official_calendar().until(2026))
    start = local_start(2027, 12, 27)  # a Monday
    deadline = calendar.deadline(start, 10)
    # Monday to Friday only: 28–31 December, then 3–7 and 10 January 2028.
    assert deadline.astimezone(LOCAL).date() == date(2028, 1, 10)
    assert calendar.provisional_year(start, deadline) == 2027
    # From the last known year into the next: the missing year is the next one.
    start = local_start(2026, 12, 24)
    deadline = calendar.deadline(start, 10)
    assert deadline.astimezone(LOCAL).date() == date(2027, 1, 7)  # 1 January counted
    assert calendar.provisional_year(start, deadline) == 2027
    # Within the years it knows: official.
    start = local_start(2026, 12, 10)
    deadline = calendar.deadline(start, 10)
    assert deadline.astimezone(LOCAL).date() == date(2026, 12, 24)
    assert calendar.provisional_year(start, deadline) is None


def test_the_installed_package_flags_the_year_after_its_last():
    calendar = WorkingCalendar()
    year = calendar.official.last_year + 1
    start = local_start(year, 3, 2)
    assert calendar.provisional_year(start, calendar.deadline(start, 10)) == year
    start = local_start(year - 1, 3, 2)
    assert calendar.provisional_year(start, calendar.deadline(start, 10)) is None


def covering(last_year: int) -> OfficialCalendar:
    return OfficialCalendar(2004, last_year, frozenset(), frozenset())


def test_admins_are_warned_from_november_when_next_year_is_missing():
    official = covering(2026)
    assert missing_official_year(date(2026, 10, 31), official) is None
    assert missing_official_year(date(2026, 11, 1), official) == 2027
    assert missing_official_year(date(2026, 12, 31), official) == 2027
    # Once the package knows next year, no warning.
    assert missing_official_year(date(2026, 11, 1), covering(2027)) is None
    # A year that has begun without its arrangement is warned about all year.
    assert missing_official_year(date(2027, 3, 1), official) == 2027
    # With the installed package: its last year's November.
    last = official_calendar().last_year
    assert missing_official_year(date(last, 11, 1)) == last + 1
    assert missing_official_year(date(last, 6, 1)) is None


def test_counting_is_fast_enough_for_sweeps():
    calendar = WorkingCalendar({date(2026, 10, 9): False})
    start = local_start(2026, 1, 5)
    began = time.perf_counter()
    for offset in range(2000):
        calendar.deadline(start + timedelta(hours=4 * offset), 10)
    # Set look-ups: a few milliseconds. Asking the package day by day takes over a second.
    assert time.perf_counter() - began < 0.5
