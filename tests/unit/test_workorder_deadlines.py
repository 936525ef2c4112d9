"""Deadlines on the official 2026 calendar: National Day, a make-up Saturday, urgent hours."""

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from workorders.calendar import LOCAL, WorkingCalendar
from workorders.deadlines import DeadlinePolicy, deadlines, extended, reminder_due

REFERENCE = Path(__file__).resolve().parents[2] / "hotline" / "data" / "reference.json"
POLICY = DeadlinePolicy()


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    """The calendar the hotline ships: 1–7 October off, Saturday 10 October a working day."""
    days = json.loads(REFERENCE.read_text(encoding="utf-8"))["calendar"]
    return WorkingCalendar({date.fromisoformat(d["day"]): d["working"] for d in days})


def local(moment: datetime) -> datetime:
    return moment.astimezone(LOCAL)


def at(year, month, day, hour=10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=LOCAL).astimezone(UTC)


def test_an_order_dispatched_before_national_day_is_signed_for_after_it(calendar):
    due = deadlines(calendar, POLICY, at(2026, 9, 30), reply_working_days=5, urgent=False)
    # 1–7 October are holidays: the next working day is Thursday 8 October.
    assert local(due.sign).date() == date(2026, 10, 8)
    assert (local(due.sign).hour, local(due.sign).minute) == (23, 59)
    # 8, 9, 10 (the make-up Saturday), 12, 13 October.
    assert local(due.reply).date() == date(2026, 10, 13)


def test_the_make_up_saturday_counts_and_the_sunday_after_it_does_not(calendar):
    due = deadlines(calendar, POLICY, at(2026, 10, 9), reply_working_days=1, urgent=False)
    assert local(due.reply).date() == date(2026, 10, 10)  # Saturday, a working day
    due = deadlines(calendar, POLICY, at(2026, 10, 10), reply_working_days=1, urgent=False)
    assert local(due.reply).date() == date(2026, 10, 12)  # Sunday 11th is off


def test_an_order_dispatched_during_the_holiday_starts_counting_after_it(calendar):
    due = deadlines(calendar, POLICY, at(2026, 10, 3), reply_working_days=3, urgent=False)
    assert local(due.reply).date() == date(2026, 10, 10)


def test_an_urgent_order_is_due_in_hours_even_over_the_holiday(calendar):
    start = at(2026, 10, 1, 9)
    due = deadlines(calendar, POLICY, start, reply_working_days=1, urgent=True)
    assert due.reply == start + timedelta(hours=24)
    # Never longer to sign for than to reply.
    assert due.sign == due.reply
    quicker = deadlines(
        calendar, POLICY, start, reply_working_days=1, urgent=True, urgent_reply_hours=4
    )
    assert quicker.reply == start + timedelta(hours=4)


def test_the_hotline_default_applies_without_a_category_deadline(calendar):
    due = deadlines(calendar, POLICY, at(2026, 11, 2), reply_working_days=None, urgent=False)
    assert local(due.reply).date() == date(2026, 11, 16)  # ten working days


def test_an_extension_counts_working_days_from_the_old_deadline(calendar):
    old = datetime(2026, 9, 30, 23, 59, 59, tzinfo=LOCAL).astimezone(UTC)
    assert local(extended(calendar, old, 3)).date() == date(2026, 10, 10)


def test_the_reminder_window_opens_before_the_deadline_and_closes_at_it():
    deadline = at(2026, 11, 20, 18)
    policy = DeadlinePolicy(reminder_hours=4)
    assert not reminder_due(deadline, deadline - timedelta(hours=5), policy)
    assert reminder_due(deadline, deadline - timedelta(hours=3), policy)
    assert not reminder_due(deadline, deadline, policy)
    assert not reminder_due(None, deadline, policy)
