"""The work-order figures on a hand-made history (tests/report_fixtures.py works out the
answers), read from the daily roll-ups, kept current as orders change."""

from datetime import date, datetime

import pytest

from tests.report_fixtures import DISPATCHER, RSJ, at, build_history
from workorders import rollups, services
from workorders.bulletin import monthly_bulletin
from workorders.calendar import LOCAL
from workorders.deadlines import DEFAULT_POLICY
from workorders.reports import closure_by_unit, closure_totals, order_figures

NOW = at(11, 20)
OCTOBER = (date(2026, 10, 1), date(2026, 11, 1))


@pytest.fixture
def history(session):
    orders = build_history(session)
    rollups.refresh(session, now=NOW)
    return orders


def by_key(rows):
    return {row.key: row for row in rows}


def test_each_figure_per_unit(session, history):
    units = by_key(order_figures(session, "unit", *OCTOBER))
    rsj, spj = units["GZ-RSJ"], units["GZ-TH-SPJ"]
    assert (rsj.dispatched, rsj.closed, rsj.closed_on_time, rsj.open_overdue) == (5, 3, 2, 1)
    assert rsj.closure_rate == 3 / 5
    assert rsj.on_time_rate == 2 / (3 + 1)  # the overdue open a3 counts against the unit
    assert (rsj.rated, rsj.satisfied, rsj.satisfaction_rate) == (2, 2, 1.0)
    assert (rsj.return_rate, rsj.reopen_rate) == (0.0, 1 / 5)
    assert (spj.dispatched, spj.closed, spj.closed_on_time, spj.open_overdue) == (2, 1, 1, 1)
    assert (spj.closure_rate, spj.on_time_rate, spj.satisfaction_rate) == (0.5, 0.5, 0.5)
    assert (spj.return_rate, spj.reopen_rate) == (0.5, 0.5)
    assert list(units) == ["GZ-RSJ", "GZ-TH-SPJ"]  # most dispatched first
    assert rsj.name == "市人力资源和社会保障局"


def test_totals_and_the_other_groupings(session, history):
    (total,) = order_figures(session, "total", *OCTOBER)
    assert (total.dispatched, total.closed, total.closed_on_time, total.open_overdue) == (
        7,
        4,
        3,
        2,
    )
    assert (total.on_time_rate, total.satisfaction_rate) == (0.5, 3 / 4)
    assert (total.returned, total.reopened) == (1, 2)
    channels = by_key(order_figures(session, "channel", *OCTOBER))
    assert {k: c.dispatched for k, c in channels.items()} == {"console": 4, "sms": 2, "phone": 1}
    assert channels["sms"].name == "短信"
    categories = by_key(order_figures(session, "category", *OCTOBER))
    assert {k: c.dispatched for k, c in categories.items()} == {
        "SOCINS.PENSION": 5,
        "URBAN.MANHOLE": 2,
    }
    (district,) = order_figures(session, "district", *OCTOBER)
    assert (district.key, district.dispatched) == ("GZ-TH", 7)
    # Reopened and re-determined orders count on the day of their latest dispatch.
    days = {d.key: d.dispatched for d in order_figures(session, "day", *OCTOBER)}
    assert days == {
        "2026-10-05": 2,
        "2026-10-06": 2,
        "2026-10-07": 1,
        "2026-10-08": 1,
        "2026-10-09": 1,
    }
    months = {m.key: m.dispatched for m in order_figures(session, "month")}
    assert months == {"2026-09": 2, "2026-10": 7}


def test_the_rollups_agree_with_counting_the_orders(session, history):
    start, end = (datetime(2026, 10, 1, tzinfo=LOCAL), datetime(2026, 11, 1, tzinfo=LOCAL))
    live = closure_totals(session, start, end)
    (rolled,) = order_figures(session, "total", *OCTOBER)
    assert (live.dispatched, live.closed) == (rolled.dispatched, rolled.closed) == (7, 4)
    live_units = {
        row.key: (row.dispatched, row.closed) for row in closure_by_unit(session, start, end)
    }
    rolled_units = {
        row.key: (row.dispatched, row.closed) for row in order_figures(session, "unit", *OCTOBER)
    }
    assert live_units == rolled_units


def test_a_refresh_follows_changes_moved_days_and_newly_overdue_orders(session, history):
    a3, a4 = history["a3"], history["a4"]
    services.reply(session, a3.number, RSJ, "已补发", now=at(11, 21))
    services.record_callback(
        session, a3.number, DISPATCHER, "satisfied", now=at(11, 21, 12), policy=DEFAULT_POLICY
    )
    # a4 is returned and re-assigned to the same unit on 21 November: it leaves 6 October.
    services.return_order(session, a4.number, RSJ, "需核实", now=at(11, 21))
    services.determine(
        session,
        a4.number,
        DISPATCHER,
        "GZ-RSJ",
        "仍由人社局办理",
        now=at(11, 21),
        policy=DEFAULT_POLICY,
    )
    a4.reply_deadline = datetime(2099, 12, 31, tzinfo=LOCAL)
    session.flush()
    result = rollups.refresh(session, now=at(11, 22))
    assert result.days >= 2  # 6 October (a3, a4) and 21 November (a4)
    rsj = by_key(order_figures(session, "unit", *OCTOBER))["GZ-RSJ"]
    assert (rsj.dispatched, rsj.closed, rsj.closed_on_time, rsj.open_overdue) == (4, 4, 2, 0)
    november = by_key(order_figures(session, "unit", date(2026, 11, 1), date(2026, 12, 1)))
    assert november["GZ-RSJ"].dispatched == 1 and november["GZ-RSJ"].returned == 1

    # Nothing changes, but time passes a4's deadline: the next refresh counts it overdue.
    assert rollups.refresh(session, now=at(11, 23)).days == 0
    later = datetime(2100, 1, 2, tzinfo=LOCAL)
    assert rollups.refresh(session, now=later).days == 1
    assert november_overdue(session) == 1


def november_overdue(session):
    return order_figures(session, "unit", date(2026, 11, 1), date(2026, 12, 1))[0].open_overdue


def test_a_rebuild_recomputes_a_range_of_days(session, history):
    result = rollups.rebuild(session, date(2026, 10, 1), date(2026, 10, 31), now=NOW)
    assert result.days == 31
    (total,) = order_figures(session, "total", *OCTOBER)
    assert (total.dispatched, total.closed) == (7, 4)


def test_the_bulletin_ranks_units_with_the_change_from_last_month(session, history):
    bulletin = monthly_bulletin(session, date(2026, 10, 15))
    assert (bulletin.month, bulletin.previous_month) == (date(2026, 10, 1), date(2026, 9, 1))
    rsj, spj = bulletin.rows
    assert (rsj.unit, spj.unit) == ("GZ-RSJ", "GZ-TH-SPJ")
    # Equal on-time rates share the first rank; satisfaction decides the order.
    assert (rsj.on_time_rank, spj.on_time_rank) == (1, 1)
    assert (rsj.satisfaction_rank, spj.satisfaction_rank) == (1, 2)
    # September: GZ-RSJ on time 1/1 (rank 1), GZ-TH-SPJ 0/1 (rank 2); both fully satisfied.
    assert rsj.on_time_change == 0.5 - 1.0 and rsj.on_time_rank_change == 0
    assert spj.on_time_change == 0.5 - 0.0 and spj.on_time_rank_change == 1
    assert spj.satisfaction_change == 0.5 - 1.0 and spj.satisfaction_rank_change == -1
    assert (bulletin.totals.dispatched, bulletin.previous_totals.dispatched) == (7, 2)
