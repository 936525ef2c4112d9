"""One way to run background work: rq on Redis when configured, in-process otherwise.

Services call :func:`enqueue` inside their transaction; the job is sent only once that
transaction commits (and dropped if it rolls back), with ids as arguments, never rows.

Every job is also written to the ``job_outbox`` table in that same transaction and removed
once it has been handed over (to rq, or run in-process). A job that could not be handed over
(Redis down, the process killed right after the commit, an in-process job that failed) waits
there, and :func:`relay` hands it over later, so a committed change never loses its job.
"""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.db import utcnow
from hotline.infra import context, spool
from hotline.models import OutboxJob

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSpec:
    function: str
    queue: str
    timeout: int = 60
    retries: int = 3


QUEUES = ("calls", "messages", "workorders", "reports")
# Seconds before each retry: quick at first, then backing off.
BACKOFF = [5, 30, 120, 600, 1800]
JOBS: dict[str, JobSpec] = {
    "notify_work_order_filed": JobSpec(
        "hotline.tasks.workorders.notify_work_order_filed", "messages"
    ),
    "send_text": JobSpec("hotline.tasks.texts.send_text", "messages", retries=5),
    "text_kb_answer": JobSpec("hotline.tasks.kb.text_kb_answer", "messages"),
    "send_work_order_notice": JobSpec(
        "hotline.tasks.workorders.send_work_order_notice", "workorders", retries=5
    ),
    "sweep_work_orders": JobSpec(
        "hotline.tasks.workorders.sweep_work_orders", "workorders", timeout=300
    ),
    "refresh_report_rollups": JobSpec(
        "hotline.infra.rollups.refresh_report_rollups", "reports", timeout=900, retries=1
    ),
}


# A job is first handed over right after its commit; the relay leaves it alone this long.
HANDOVER_GRACE = timedelta(seconds=30)
# How long a relay's claim on a job lasts (another relay takes over after it).
RELAY_LEASE = timedelta(seconds=60)
# When the runner itself is unavailable (Redis down), try again after this long.
RUNNER_RETRY = timedelta(seconds=10)


class JobFailed(Exception):
    """An in-process job raised: it counts as an attempt of the job itself."""


def enqueue(session: orm.Session, name: str, *args: int | str) -> None:
    """Send job ``name`` with ``args`` once ``session`` commits."""
    if name not in JOBS:
        raise KeyError(f"unknown job {name!r}")
    job_id = secrets.token_hex(16)
    session.add(
        OutboxJob(id=job_id, name=name, args=list(args), next_attempt_at=utcnow() + HANDOVER_GRACE)
    )
    session.info.setdefault("pending_jobs", []).append((name, args))
    session.info.setdefault("pending_outbox", []).append(job_id)


class InProcessRunner:
    """Runs each job right after the commit that asked for it, in this process."""

    def submit(self, name: str, args: tuple) -> None:
        spec = JOBS[name]
        module, _, function = spec.function.rpartition(".")
        try:
            getattr(import_module(module), function)(*args)
        except Exception as exc:
            log.exception("job %s%r failed", name, args)
            raise JobFailed(f"{type(exc).__name__}: {exc}") from exc


class RqRunner:
    """Puts each job on its named rq queue, with retries."""

    def __init__(self, redis_url: str):
        from redis import Redis

        # Short timeouts: with Redis unreachable a commit's jobs wait in the outbox at once
        # instead of holding up the request.
        self.connection = Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)

    def submit(self, name: str, args: tuple) -> None:
        from rq import Queue, Retry

        spec = JOBS[name]
        queue = Queue(spec.queue, connection=self.connection)
        queue.enqueue_call(
            spec.function,
            args=args,
            timeout=spec.timeout,
            retry=Retry(max=spec.retries, interval=BACKOFF[: spec.retries]),
            description=f"{name}{args!r}",
        )


def hand_over(session: orm.Session) -> None:
    """After the session's (outermost) commit: hand its jobs over, or leave them to the relay."""
    pending = session.info.pop("pending_jobs", [])
    outbox_ids = session.info.pop("pending_outbox", [])
    if not pending:
        return
    runner = session.info.get("job_runner") or _current_runner()
    handed, left = [], []
    for (name, args), job_id in zip(pending, outbox_ids, strict=True):
        try:
            runner.submit(name, args)
        except Exception as exc:  # the change is committed: its job waits in the outbox
            log.warning("job %s%r left in the outbox for the relay: %s", name, args, exc)
            left.append(job_id)
        else:
            handed.append(job_id)
    if handed or left:
        _settle(session.get_bind(), handed, left)


def drop_pending(session: orm.Session) -> None:
    """After the session's (outermost) rollback: its jobs are not to be sent."""
    session.info.pop("pending_jobs", None)
    session.info.pop("pending_outbox", None)


def _settle(bind: sa.Engine | sa.Connection, handed: list[str], left: list[str]) -> None:
    """Remove the handed-over jobs from the outbox and make the others due for the relay.

    If this fails the relay hands the jobs over (again) later, which jobs tolerate: each is
    safe to run twice.
    """
    engine = bind.engine if isinstance(bind, sa.Connection) else bind
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            if handed:
                connection.execute(sa.delete(OutboxJob).where(OutboxJob.id.in_(handed)))
            if left:
                connection.execute(
                    sa.update(OutboxJob)
                    .where(OutboxJob.id.in_(left))
                    .values(next_attempt_at=utcnow())
                )
    except sa.exc.SQLAlchemyError as exc:
        log.warning("could not settle %d jobs in the outbox: %s", len(handed) + len(left), exc)


def relay(
    factory: orm.sessionmaker, runner=None, now: datetime | None = None, limit: int = 200
) -> tuple[int, int]:
    """Hand over the jobs waiting in the outbox; returns (handed over, still waiting).

    Jobs are claimed for a lease in a short transaction, then handed over outside it (an
    in-process job opens its own transaction), then removed or rescheduled.
    """
    now = now or utcnow()
    runner = runner or _current_runner()
    with factory() as session:
        due = session.scalars(
            sa.select(OutboxJob)
            .where(OutboxJob.next_attempt_at <= now, OutboxJob.failed_at.is_(None))
            .order_by(OutboxJob.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        claimed = [(job.id, job.name, tuple(job.args), job.attempts) for job in due]
        for job in due:
            job.next_attempt_at = now + RELAY_LEASE
        session.commit()
    handed, waiting = [], 0
    for job_id, name, args, attempts in claimed:
        try:
            runner.submit(name, args)
        except Exception as exc:
            waiting += 1
            _reschedule(factory, job_id, name, attempts, exc, now)
        else:
            handed.append(job_id)
    if handed:
        with factory() as session:
            session.execute(sa.delete(OutboxJob).where(OutboxJob.id.in_(handed)))
            session.commit()
    return len(handed), waiting


def _reschedule(factory, job_id: str, name: str, attempts: int, exc: Exception, now) -> None:
    values: dict = {"last_error": f"{type(exc).__name__}: {exc}"[:300]}
    if isinstance(exc, JobFailed):  # the job ran and failed: back off, then give up
        spec = JOBS.get(name)
        values["attempts"] = attempts + 1
        if spec is None or attempts + 1 > spec.retries:
            values["failed_at"] = now
        values["next_attempt_at"] = now + timedelta(seconds=BACKOFF[min(attempts, 4)])
    else:  # the runner is unavailable (Redis down): not the job's fault, try again soon
        values["next_attempt_at"] = now + RUNNER_RETRY
    with factory() as session:
        session.execute(sa.update(OutboxJob).where(OutboxJob.id == job_id).values(**values))
        session.commit()


def start_relay(app, every_seconds: float = 5.0) -> threading.Event:
    """Relay the outbox (and replay the webhooks spooled on this machine) every few seconds
    in a daemon thread; set the returned event to stop.

    The thread has its own connection pool: an rq worker forks a process per job, and a
    forked job must never share a connection with this thread.
    """
    from hotline.db import session_factory
    from hotline.infra.database import create_engine

    engine = create_engine(context.settings(app))
    factory = session_factory(engine)
    stop = threading.Event()

    def one_pass() -> None:
        try:
            with app.app_context():
                handed, waiting = relay(factory)
            if handed or waiting:
                log.info("outbox: %d jobs handed over, %d still waiting", handed, waiting)
            # Webhooks kept on disk while the database was down, now that it answers.
            spool.replay(app)
        except Exception:  # the database may be down too: try again next round
            log.exception("outbox relay failed")

    def loop() -> None:
        while not stop.wait(every_seconds):
            one_pass()
        engine.dispose()

    one_pass()  # what waits already goes before anything else (even in a burst)

    threading.Thread(target=loop, name="hotline-outbox-relay", daemon=True).start()
    return stop


def _current_runner():
    return context.jobs_runner()
