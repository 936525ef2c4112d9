"""Benchmark of the work-order reports over a year of orders, in PostgreSQL.

    .venv/bin/python -m bench.reports --orders 1000000 [--runs 7] [--keep]

Creates a database of its own (``bench_reports_<pid>``, on the server of
HOTLINE_BENCH_POSTGRES_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/postgres),
migrates it and loads the reference data, then generates ``--orders`` dispatched work orders
spread evenly over the year from 1 December 2025 with ``INSERT … SELECT generate_series``
(foreign-key triggers off while loading): 93 % closed, 2 % replied, 4 % still with their
unit (overdue once their ten-day deadline has passed), 1 % withdrawn; each with its trail
(created, dispatched, signed, replied, closed: about five events an order), and 3 % returned
and 2 % reopened at some point (one more event each). The database is dropped at the end unless
``--keep``.

Timed, as the reports run them (median, min and max of ``--runs``):

* building the daily roll-ups of the whole year (the first refresh), once;
* the closure report over the year (overall and per unit, from the roll-ups);
* the on-time report over the year (every figure per unit, ranked by on-time rate);
* the monthly bulletin (a month and the month before, ranked);
* the daily trend over the year;
* an incremental refresh after 1,000 orders across the last 60 days changed;
* for comparison, the closure report counted from the orders themselves.

Target: closure and on-time reports over a year under 1 s. Exit status 0 when met.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime

import sqlalchemy as sa

from hotline import db
from hotline.infra.database import upgrade
from hotline.seed.reference import seed_reference
from workorders import rollups
from workorders.bulletin import monthly_bulletin, ranks
from workorders.calendar import LOCAL
from workorders.reports import closure_by_unit, closure_totals, order_figures

ADMIN_URL = os.environ.get(
    "HOTLINE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
FIRST_DAY, END_DAY = date(2025, 12, 1), date(2026, 12, 1)
NOW = datetime(2026, 12, 1, tzinfo=LOCAL)
TARGET_SECONDS = 1.0
CHUNK = 1_000_000
CLOSURE = "closure report, a year (roll-ups)"
ON_TIME = "on-time report per unit, a year (roll-ups)"
TARGETED = (CLOSURE, ON_TIME)

# One row per (category, unit, district, street) an order may have: municipal categories
# in every district, territorial ones at every street.
TARGETS = """
CREATE TABLE bench_targets AS
SELECT row_number() OVER (ORDER BY category, unit, district) - 1 AS idx, *
FROM (
    SELECT c.code AS category, c.unit_code AS unit, d.code AS district, NULL AS street
    FROM categories c CROSS JOIN units d
    WHERE c.parent_code IS NOT NULL AND c.routing = 'municipal' AND d.kind = 'district'
    UNION ALL
    SELECT c.code, s.code, s.parent_code, s.code
    FROM categories c CROSS JOIN units s
    WHERE c.parent_code IS NOT NULL AND c.routing = 'territorial' AND s.kind = 'street'
) AS t
"""
ORDERS = """
INSERT INTO work_orders (
    number, channel, status, citizen_name, citizen_phone, category_code, description,
    district_code, street_code, address, urgent, unit_code, assignment_reason, created_at,
    dispatched_at, sign_deadline, reply_deadline, signed_at, replied_at, closed_at,
    reply_text, satisfaction, urge_count, version)
SELECT
    'B' || lpad(g.i::text, 12, '0'),
    (ARRAY['phone','phone','phone','sms','console','api','open311'])[1 + g.i % 7],
    CASE WHEN g.r < 0.93 THEN 'closed' WHEN g.r < 0.95 THEN 'replied'
         WHEN g.r < 0.99 THEN 'signed' ELSE 'cancelled' END,
    '', '', t.category, 'bench', t.district, t.street, '', false, t.unit, 'bench',
    g.dispatched - interval '20 minutes', g.dispatched, g.dispatched + interval '1 day',
    g.dispatched + interval '10 days', g.dispatched + interval '2 hours',
    CASE WHEN g.r < 0.95 THEN g.dispatched + g.answer * interval '14 days' END,
    CASE WHEN g.r < 0.93 THEN g.dispatched + g.answer * interval '14 days' + interval '1 day'
         WHEN g.r >= 0.99 THEN g.dispatched + interval '1 day' END,
    '',
    CASE WHEN g.r >= 0.93 THEN NULL WHEN g.s < 0.80 THEN 'satisfied'
         WHEN g.s < 0.92 THEN 'basically_satisfied' WHEN g.s < 0.96 THEN 'unsatisfied'
         ELSE 'no_answer' END,
    0, 1
FROM (
    SELECT i, random() AS r, random() AS s, power(random(), 2) AS answer,
           CAST(:first AS timestamp)
             + (i - 0.5) / :orders * (CAST(:end AS timestamp) - CAST(:first AS timestamp))
             AS dispatched,
           (hashint4(CAST(i AS integer))::bigint % :targets + :targets) % :targets AS target
    FROM generate_series(CAST(:low AS bigint), CAST(:high AS bigint)) AS i
) AS g
JOIN bench_targets t ON t.idx = g.target
"""
TRAIL = """
INSERT INTO work_order_events (work_order_id, at, actor, action, from_status, to_status, note)
SELECT w.id, w.dispatched_at + s.shift, 'bench', s.action, s.before, s.after, ''
FROM work_orders w CROSS JOIN (VALUES
    ('create', NULL, 'new', interval '-20 minutes'),
    ('dispatch', 'new', 'dispatched', interval '0 minutes'),
    ('sign', 'dispatched', 'signed', interval '2 hours')) AS s(action, before, after, shift)
WHERE w.id BETWEEN :low AND :high
UNION ALL
SELECT id, replied_at, 'bench', 'reply', 'signed', 'replied', ''
FROM work_orders WHERE id BETWEEN :low AND :high AND replied_at IS NOT NULL
UNION ALL
SELECT id, closed_at, 'bench', CASE WHEN status = 'closed' THEN 'close' ELSE 'cancel' END,
       'replied', status, ''
FROM work_orders WHERE id BETWEEN :low AND :high AND closed_at IS NOT NULL
"""
EVENTS = """
INSERT INTO work_order_events (work_order_id, at, actor, action, from_status, to_status, note)
SELECT id, dispatched_at + interval '1 day', 'bench', :action, 'signed', :to_status, ''
FROM work_orders WHERE random() < :share
"""
TOUCH = """
INSERT INTO work_order_events (work_order_id, at, actor, action, from_status, to_status, note)
SELECT id, CAST(:at AS timestamp), 'bench', 'urge', status, status, ''
FROM work_orders WHERE dispatched_at >= CAST(:since AS timestamp)
ORDER BY random() LIMIT 1000
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reports")
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="Do not drop the database.")
    args = parser.parse_args(argv)

    name = f"bench_reports_{os.getpid()}"
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(ADMIN_URL).set(database=name).render_as_string(False)
    try:
        return run(url, args)
    finally:
        if not args.keep:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(url: str, args) -> int:
    results: list[tuple[str, list[float]]] = []
    upgrade(url)
    engine = db.create_engine(url)
    sessions = db.session_factory(engine)
    with sessions() as session:
        seed_reference(session)
        session.commit()

    results.append(
        ("generate orders and trails (INSERT … SELECT)", [_generate(engine, args.orders)])
    )
    with sessions() as session:
        began = time.perf_counter()
        rollups.refresh(session, now=NOW)
        session.commit()
        results.append(("build the roll-ups of the year (first refresh)", [_since(began)]))
    with engine.begin() as connection:
        connection.execute(sa.text("ANALYZE"))

    year = (FIRST_DAY, END_DAY)
    october = date(2026, 10, 1)
    reports: list[tuple[str, Callable[[sa.orm.Session], object], int]] = [
        (CLOSURE, lambda s: _closure(s, *year), args.runs),
        (ON_TIME, lambda s: _on_time(s, *year), args.runs),
        ("monthly bulletin, with last month", lambda s: monthly_bulletin(s, october), args.runs),
        ("daily trend, a year (roll-ups)", lambda s: order_figures(s, "day", *year), args.runs),
        ("closure report, a year (counting orders)", lambda s: _live_closure(s), 3),
    ]
    with sessions() as session:
        for label, report, runs in reports:
            results.append((label, _time(session, report, runs)))
    results.insert(-1, ("incremental refresh, 1,000 orders changed", _incremental(sessions, 3)))

    with engine.connect() as connection:
        counts = {
            table: connection.scalar(sa.text(f"SELECT count(*) FROM {table}"))
            for table in ("work_orders", "work_order_events", "work_order_rollups")
        }
        size = connection.scalar(sa.text("SELECT pg_database_size(current_database())"))
    engine.dispose()
    return _print(args.orders, counts, size, results)


def _generate(engine: sa.Engine, orders: int) -> float:
    began = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(sa.text(TARGETS))
        targets = connection.scalar(sa.text("SELECT count(*) FROM bench_targets"))
    for low in range(1, orders + 1, CHUNK):
        high = min(orders, low + CHUNK - 1)
        with engine.begin() as connection:
            connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
            connection.execute(sa.text("SELECT setseed(:seed)"), {"seed": low / (orders + 1)})
            connection.execute(
                sa.text(ORDERS),
                {
                    "first": _utc(FIRST_DAY),
                    "end": _utc(END_DAY),
                    "orders": orders,
                    "targets": targets,
                    "low": low,
                    "high": high,
                },
            )
        print(f"  {high:,} orders ({_since(began):.0f} s)", file=sys.stderr, flush=True)
    for low in range(1, orders + 1, CHUNK):
        with engine.begin() as connection:
            connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
            connection.execute(sa.text(TRAIL), {"low": low, "high": low + CHUNK - 1})
        print(
            f"  trail of {min(orders, low + CHUNK - 1):,} orders ({_since(began):.0f} s)",
            file=sys.stderr,
            flush=True,
        )
    with engine.begin() as connection:
        connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
        for action, status, share in (("return", "disputed", 0.03), ("reopen", "dispatched", 0.02)):
            connection.execute(
                sa.text(EVENTS), {"action": action, "to_status": status, "share": share}
            )
        connection.execute(sa.text("DROP TABLE bench_targets"))
    return _since(began)


def _closure(session, start, end):
    return order_figures(session, "total", start, end), order_figures(session, "unit", start, end)


def _on_time(session, start, end):
    units = order_figures(session, "unit", start, end)
    return ranks(units, lambda f: f.on_time_rate)


def _live_closure(session):
    start, end = (datetime.combine(d, datetime.min.time(), LOCAL) for d in (FIRST_DAY, END_DAY))
    return closure_totals(session, start, end), closure_by_unit(session, start, end)


def _incremental(sessions, runs: int) -> list[float]:
    timings = []
    for run in range(runs):
        moment = datetime(2026, 11, 30, 12, run, tzinfo=LOCAL)
        with sessions() as session:
            session.execute(
                sa.text(TOUCH), {"at": _utc_moment(moment), "since": _utc(date(2026, 10, 2))}
            )
            session.commit()
            began = time.perf_counter()
            rollups.refresh(session, now=NOW)
            session.commit()
            timings.append(_since(began))
    return timings


def _time(session, report, runs: int) -> list[float]:
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        report(session)
        timings.append(_since(began))
        session.rollback()
    return timings


def _utc(day: date) -> datetime:
    return _utc_moment(datetime.combine(day, datetime.min.time(), LOCAL))


def _utc_moment(moment: datetime) -> datetime:
    """Naive UTC, as the columns store it (the SQL above writes them directly)."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def _since(began: float) -> float:
    return time.perf_counter() - began


def _seconds(value: float) -> str:
    return f"{value * 1000:8.1f} ms" if value < 1 else f"{value:8.2f} s "


def _print(orders, counts, size, results) -> int:
    print(
        f"\norders {counts['work_orders']:,} · trail events {counts['work_order_events']:,} · "
        f"roll-up rows {counts['work_order_rollups']:,} · database {size / 2**30:.2f} GiB"
    )
    print(f"{'step':<48} {'runs':>4} {'median':>11} {'min':>11} {'max':>11}")
    for label, timings in results:
        print(
            f"{label:<48} {len(timings):>4} {_seconds(statistics.median(timings))} "
            f"{_seconds(min(timings))} {_seconds(max(timings))}"
        )
    worst = max(statistics.median(t) for label, t in results if label in TARGETED)
    met = worst < TARGET_SECONDS
    print(
        f"\ntarget: closure and on-time reports over a year under {TARGET_SECONDS:.0f} s: "
        f"{'met' if met else 'NOT met'} (slowest median {worst * 1000:.1f} ms)"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
