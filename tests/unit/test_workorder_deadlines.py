"""Deadlines on the official calendar (the chinesecalendar package): Spring Festival and
National Day with their make-up days in 2024, 2025 and 2026, an admin's override on top,
urgent hours, and deadlines past the last year the package knows."""

from datetime import UTC, date, datetime, timedelta

import pytest

from workorders.calendar import LOCAL, WorkingCalendar, official_calendar
from workorders.deadlines import DeadlinePolicy, deadlines, extended, reminder_due

POLICY = DeadlinePolicy()


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    """The official calendar with no override."""
    return WorkingCalendar()


def local(moment: datetime) -> datetime:
    return moment.astimezone(LOCAL)


def at(year, month, day, hour=10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=LOCAL).astimezone(UTC)


def due_dates(calendar, start, reply_working_days):
    due = deadlines(calendar, POLICY, start, reply_working_days=reply_working_days, urgent=False)
    return local(due.sign).date(), local(due.reply).date()


# Each case checked by hand against the State Council's notice for that year.
@pytest.mark.parametrize(
    ("start", "days", "sign", "reply"),
    [
        # 2024 Spring Festival: 10–17 February off; Sundays 4 and 18 February worked.
        (at(2024, 2, 3), 1, date(2024, 2, 4), date(2024, 2, 4)),
        (at(2024, 2, 9), 5, date(2024, 2, 18), date(2024, 2, 22)),
        # 2024 National Day: 1–7 October off; Sunday 29 September, Saturday 12 October worked.
        (at(2024, 9, 27), 7, date(2024, 9, 29), date(2024, 10, 12)),
        (at(2024, 9, 27), 10, date(2024, 9, 29), date(2024, 10, 16)),
        # 2025 Spring Festival: 28 January–4 February off; Sunday 26 January, Saturday
        # 8 February worked.
        (at(2025, 1, 25), 1, date(2025, 1, 26), date(2025, 1, 26)),
        (at(2025, 1, 27), 4, date(2025, 2, 5), date(2025, 2, 8)),
        (at(2025, 1, 27), 5, date(2025, 2, 5), date(2025, 2, 10)),
        # 2025 National Day with Mid-Autumn: 1–8 October off; Sunday 28 September, Saturday
        # 11 October worked.
        (at(2025, 9, 26), 6, date(2025, 9, 28), date(2025, 10, 11)),
        (at(2025, 9, 26), 10, date(2025, 9, 28), date(2025, 10, 16)),
        # 2026 Spring Festival: 15–23 February off; Saturdays 14 and 28 February worked.
        (at(2026, 2, 13), 6, date(2026, 2, 14), date(2026, 2, 28)),
        (at(2026, 2, 13), 10, date(2026, 2, 14), date(2026, 3, 5)),
        # 2026 National Day: 1–7 October off; Sunday 20 September, Saturday 10 October worked.
        (at(2026, 9, 19), 1, date(2026, 9, 20), date(2026, 9, 20)),
        (at(2026, 9, 30), 3, date(2026, 10, 8), date(2026, 10, 10)),
    ],
)
def test_deadlines_across_spring_festival_and_national_day(calendar, start, days, sign, reply):
    assert due_dates(calendar, start, days) == (sign, reply)
    due = deadlines(calendar, POLICY, start, reply_working_days=days, urgent=False)
    assert due.provisional_year is None


def test_an_override_applies_on_top_of_the_official_calendar():
    start = at(2026, 9, 30)
    # A typhoon closes the offices on Friday 9 October: 8, 10 (make-up), 12 October.
    typhoon = WorkingCalendar({date(2026, 10, 9): False})
    assert due_dates(typhoon, start, 3) == (date(2026, 10, 8), date(2026, 10, 12))
    # The city declares Wednesday 7 October a working day: it is the first one.
    declared = WorkingCalendar({date(2026, 10, 7): True})
    assert due_dates(declared, start, 3) == (date(2026, 10, 7), date(2026, 10, 9))


def test_deadlines_within_the_known_years_are_official(calendar):
    due = deadlines(calendar, POLICY, at(2026, 12, 1), reply_working_days=10, urgent=False)
    assert due.provisional_year is None


def test_a_deadline_past_the_last_known_year_is_provisional():
    # As if the package knew no year after 2026.
    older = WorkingCalendar(official=official_calendar().until(2026))
    due = deadlines(older, POLICY, at(2027, 12, 27), reply_working_days=10, urgent=False)
    # Counted Monday to Friday: no New Year's Day is known for 2028 either.
    assert local(due.reply).date() == date(2028, 1, 10)
    assert due.provisional_year == 2027
    # Late December of the last known year: 10 working days reach into the unknown one.
    due = deadlines(older, POLICY, at(2026, 12, 24), reply_working_days=10, urgent=False)
    assert local(due.reply).date() == date(2027, 1, 7)
    assert due.provisional_year == 2027
    # Only the sign-for deadline of an urgent order is counted in days; the reply in hours.
    due = deadlines(older, POLICY, at(2026, 12, 31, 9), reply_working_days=1, urgent=True)
    assert due.sign == due.reply and due.provisional_year is None
    due = deadlines(
        older, POLICY, at(2026, 12, 30, 9), reply_working_days=1, urgent=True, urgent_reply_hours=72
    )
    assert local(due.sign).date() == date(2026, 12, 31) and due.provisional_year is None


def test_the_installed_package_makes_the_year_after_its_last_provisional(calendar):
    year = calendar.official.last_year + 1
    due = deadlines(calendar, POLICY, at(year, 12, 27), reply_working_days=10, urgent=False)
    assert due.provisional_year == year


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
