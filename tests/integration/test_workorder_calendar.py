"""Work orders on the official calendar (the chinesecalendar package) with the admins'
overrides from the database, and orders whose deadlines the package cannot know yet."""

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.factories import open_order
from workorders import rules, services
from workorders.calendar import LOCAL, official_calendar
from workorders.deadlines import DEFAULT_POLICY

DISPATCHER = services.Actor("supervisor")
RSJ = services.Actor("rsj", None, "GZ-RSJ")
LAST_YEAR = official_calendar().last_year


def local_time(year, month, day, hour=10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=LOCAL).astimezone(UTC)


def local_day(moment: datetime) -> date:
    return moment.astimezone(LOCAL).date()


def weekdays_after(day: date, count: int) -> date:
    """The ``count``-th Monday-to-Friday day after ``day``: how a year with no official
    arrangement is counted."""
    while count:
        day += timedelta(days=1)
        count -= day.weekday() < 5
    return day


def test_an_order_over_the_2025_spring_festival_counts_the_official_days(session):
    # Monday 27 January 2025; 28 January–4 February off, Saturday 8 February worked.
    order = open_order(session, category_code="SOCINS.CARD", now=local_time(2025, 1, 27))
    assert local_day(order.sign_deadline) == date(2025, 2, 5)
    # 5, 6, 7, 8 (the make-up Saturday) and 10 February.
    assert local_day(order.reply_deadline) == date(2025, 2, 10)
    assert order.deadline_provisional_year is None


@pytest.mark.parametrize(
    ("override", "sign", "reply"),
    [
        # A typhoon closes the offices on Monday 10 February: the fifth day is the 11th.
        ((date(2025, 2, 10), False, "台风停工"), date(2025, 2, 5), date(2025, 2, 11)),
        # The city declares Tuesday 4 February a working day: 4, 5, 6, 7, 8 February.
        ((date(2025, 2, 4), True, "本市宣布上班"), date(2025, 2, 4), date(2025, 2, 8)),
    ],
)
def test_an_admins_override_applies_on_top_of_the_official_calendar(session, override, sign, reply):
    rules.set_calendar_day(session, *override)
    session.flush()
    order = open_order(session, category_code="SOCINS.CARD", now=local_time(2025, 1, 27))
    assert (local_day(order.sign_deadline), local_day(order.reply_deadline)) == (sign, reply)
    rules.remove_calendar_day(session, override[0])
    session.flush()
    again = open_order(session, category_code="SOCINS.CARD", now=local_time(2025, 1, 27))
    assert local_day(again.reply_deadline) == date(2025, 2, 10)


def test_an_order_due_past_the_last_known_year_is_flagged_provisional(session):
    year = LAST_YEAR + 1
    filed = local_time(year, 12, 27)
    order = open_order(session, now=filed)  # 10 working days
    assert order.deadline_provisional_year == year
    assert local_day(order.reply_deadline) == weekdays_after(date(year, 12, 27), 10)
    # An order of the last known year is official.
    known = open_order(session, now=local_time(LAST_YEAR, 6, 1))
    assert known.deadline_provisional_year is None


def test_an_override_in_an_unknown_year_counts_but_the_deadline_stays_provisional(session):
    year = LAST_YEAR + 1
    new_year = date(year, 1, 1)
    rules.set_calendar_day(session, new_year, False, "元旦")
    session.flush()
    order = open_order(session, now=local_time(year - 1, 12, 31, 20))
    # Sign-for: the first working day after 31 December skips the admin's 1 January.
    assert local_day(order.sign_deadline) == weekdays_after(new_year, 1)
    assert order.deadline_provisional_year == year


def test_an_extension_into_an_unknown_year_flags_the_order(session):
    order = open_order(session, category_code="SOCINS.CARD", now=local_time(LAST_YEAR, 12, 1))
    assert order.deadline_provisional_year is None
    services.sign_for(session, order.number, RSJ)
    services.request_extension(
        session, order.number, RSJ, 30, "需要调取档案", policy=DEFAULT_POLICY
    )
    services.decide_extension(session, order.number, DISPATCHER, True)
    assert local_day(order.reply_deadline).year == LAST_YEAR + 1
    assert order.deadline_provisional_year == LAST_YEAR + 1
