"""`hotline workorders`: the deadline sweep (reminders, escalation, unanswered callbacks)."""

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
