"""`hotline workorders`: the deadline sweep (reminders, escalation, unanswered callbacks) and
the check of the working calendar."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from hotline.cli.common import database_errors
from hotline.infra import context


@click.group(help="Work orders: deadlines, reminders and escalation.")
def workorders() -> None:
    pass


@workorders.command(
    "sweep",
    help="Remind units of coming deadlines, escalate overdue orders to the supervisors and "
    "close callbacks nobody answered. Run it every few minutes (e.g. from cron); each "
    "reminder is sent once per order and deadline however often it runs. With --every it "
    "also schedules itself on the rq worker every N seconds (needs HOTLINE_REDIS_URL).",
)
@click.option(
    "--every",
    type=click.IntRange(60, 86400),
    help="Keep sweeping every N seconds on the rq worker.",
)
@database_errors
@with_appcontext
def sweep(every: int | None) -> None:
    from hotline.infra.database import get_session
    from hotline.services.workorders import sweep_work_orders
    from hotline.tasks.workorders import schedule_sweep

    if every and not context.settings().redis_url:
        raise click.ClickException(
            "--every needs HOTLINE_REDIS_URL and `hotline worker`; without Redis, run "
            "`hotline workorders sweep` from cron"
        )
    result = sweep_work_orders(get_session())
    click.echo(
        f"{len(result.reminded)} reminded, {len(result.escalated)} escalated, "
        f"{len(result.closed)} closed without an answer"
    )
    if every:
        job_id = schedule_sweep(every)
        click.echo(f"next sweep scheduled on the rq worker ({job_id})")


@workorders.command(
    "calendar",
    help="Say where the working calendar comes from and which years it knows. From 1 "
    "November on it warns, and exits 1, when next year's official holidays are not in the "
    "chinesecalendar package yet: upgrade the package then (README, 'The working calendar').",
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Check as on this local day (YYYY-MM-DD) instead of today.",
)
@click.pass_context
def calendar(ctx: click.Context, today) -> None:
    from hotline.db import utcnow
    from workorders.calendar import LOCAL, missing_official_year, official_calendar

    official = official_calendar()
    day = today.date() if today else utcnow().astimezone(LOCAL).date()
    click.echo(
        f"official holidays and make-up working days: chinesecalendar {official.version}, "
        f"years {official.first_year}–{official.last_year}; the admins' overrides apply on top"
    )
    missing = missing_official_year(day, official)
    if missing is not None:
        click.echo(
            f"warning: no official {missing} holiday arrangement yet: upgrade the package "
            "(pip install --upgrade chinesecalendar) and restart the service; until then "
            f"deadlines in {missing} count Monday to Friday and are marked provisional",
            err=True,
        )
        ctx.exit(1)


@workorders.command(
    "publish",
    help="Show (--on, the default) or withhold (--off) a work order, or with --category a "
    "whole category, in the public Open311 lists. A withheld order is absent from "
    "`requests` and its own GET answers 404.",
)
@click.argument("target")
@click.option("--category", is_flag=True, help="TARGET is a category code, not an order.")
@click.option("--on/--off", "publish", default=True)
@database_errors
@with_appcontext
def publish(target: str, category: bool, publish: bool) -> None:
    from hotline.infra.database import get_session
    from hotline.services.open311 import set_published
    from workorders.errors import NotFound

    where = {"category_code": target} if category else {"number": target}
    try:
        click.echo(set_published(get_session(), publish=publish, **where))
    except NotFound as error:
        raise click.ClickException(str(error)) from error
