"""`hotline reports rollup`: bring the report roll-ups up to date, or rebuild days."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import click
from flask.cli import with_appcontext

from hotline.cli.common import database_errors


@click.group(help="Report roll-ups.")
def reports() -> None:
    pass


@reports.command(
    "rollup",
    help="Refresh the daily work-order roll-ups the reports read, and tally the call figures "
    "of the hours whose calls have settled. Without options, only the days changed since the "
    "last refresh (run it every few minutes from cron); --days N rebuilds the last N days, "
    "--from/--to any range.",
)
@click.option("--days", type=click.IntRange(1, 3660), help="Rebuild the last N local days.")
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), help="First day to rebuild.")
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), help="Last day to rebuild.")
@database_errors
@with_appcontext
def rollup(days: int | None, first, last) -> None:
    from hotline.db import utcnow
    from hotline.infra.database import allow_long_statements, get_session
    from hotline.infra.rollups import refresh_call_rollups
    from workorders import rollups
    from workorders.calendar import LOCAL

    session = get_session()
    allow_long_statements(session)  # a rebuild of many days may take a while
    today = utcnow().astimezone(LOCAL).date()
    if days or first or last:
        first_day: date = first.date() if first else today - timedelta(days=(days or 1) - 1)
        last_day: date = last.date() if last else today
        if last_day < first_day:
            raise click.ClickException("--to is before --from")
        result = rollups.rebuild(session, first_day, last_day)
        call_hours = refresh_call_rollups(
            session,
            rebuild=(
                datetime.combine(first_day, time.min, tzinfo=LOCAL),
                datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=LOCAL),
            ),
        )
    else:
        result = rollups.refresh(session)
        call_hours = refresh_call_rollups(session)
    session.commit()
    click.echo(f"roll-ups refreshed: {result.days} days, {result.rows} rows")
    click.echo(f"call figures tallied: {call_hours} settled hours")
