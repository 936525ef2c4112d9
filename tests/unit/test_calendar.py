from datetime import UTC, date, datetime

import pytest

from workorders.calendar import LOCAL, WorkingCalendar

# 2026: National Day holiday 1–7 October, make-up working days Sun 20 Sep and Sat 10 Oct.
NATIONAL_DAY = WorkingCalendar(
    {
        **{date(2026, 10, d): False for d in range(1, 8)},
        date(2026, 9, 20): True,
        date(2026, 10, 10): True,
    }
)


def test_weekends_are_off_and_weekdays_on():
    calendar = WorkingCalendar()
    assert calendar.is_working_day(date(2026, 11, 26))  # Thursday
    assert not calendar.is_working_day(date(2026, 11, 28))  # Saturday


def test_a_holiday_is_off_and_a_make_up_saturday_is_on():
    assert not NATIONAL_DAY.is_working_day(date(2026, 10, 5))
    assert NATIONAL_DAY.is_working_day(date(2026, 10, 10))
    assert NATIONAL_DAY.is_working_day(date(2026, 9, 20))


def test_counting_skips_the_weekend():
    # Thursday + 2 working days = Monday.
    assert WorkingCalendar().add_working_days(date(2026, 11, 26), 2) == date(2026, 11, 30)


def test_counting_skips_the_holiday_and_counts_the_make_up_day():
    # Wed 30 Sep + 1 working day: 1–7 Oct off, Thu 8 Oct is the first working day.
    assert NATIONAL_DAY.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    # Thu 8, Fri 9, Sat 10 (make-up) are working days.
    assert NATIONAL_DAY.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    # Without the make-up day the third would be Monday 12 October.
    plain = WorkingCalendar({date(2026, 10, d): False for d in range(1, 8)})
    assert plain.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 12)


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
