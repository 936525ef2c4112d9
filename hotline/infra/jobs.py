"""One way to run background work: rq on Redis when configured, in-process otherwise.

Services call :func:`enqueue` inside their transaction; the job is sent only once that
transaction commits (and dropped if it rolls back), with ids as arguments, never rows.

Every job is also written to the ``job_outbox`` table in that same transaction and removed
once it has FINISHED: run in-process, or run by rq (:func:`run_job` removes its row). A job
that could not be handed over (Redis down, the process killed right after the commit, an
in-process job that failed) waits there, and :func:`relay` hands it over later. A job handed
to rq is marked ``handed_at``; once its lease (HOTLINE_JOB_LEASE_SECONDS) is over the relay
asks rq about it and hands it over again if its rq job is gone (Redis restarted empty) or its
worker died with it (SIGKILL): so a committed change never loses its job. Every job is safe to
run twice.
"""

from __future__ import annotations

import logging
import os
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


def job_lease() -> timedelta:
    """How long a job handed to rq may go unconfirmed before the relay checks on it."""
    try:
        return timedelta(seconds=context.settings().job_lease_seconds)
    except RuntimeError:  # outside the application
        return timedelta(seconds=30)


def _function(name: str):
    module, _, function = JOBS[name].function.rpartition(".")
    return getattr(import_module(module), function)


def run_job(outbox_id: str, name: str, *args: int | str) -> None:
    """What rq runs: the job, then its outbox row removed (it has finished)."""
    _function(name)(*args)
    try:
        with context.autocommit_engine().connect() as connection:
            connection.execute(sa.delete(OutboxJob).where(OutboxJob.id == outbox_id))
    except sa.exc.SQLAlchemyError as exc:  # the relay finds it finished in rq and removes it
        log.warning("job %s finished, its outbox row not removed: %s", outbox_id, exc)


class InProcessRunner:
    """Runs each job right after the commit that asked for it, in this process."""

    def submit(self, name: str, args: tuple, outbox_id: str | None = None) -> str | None:
        """Runs the job; None: it has finished."""
        try:
            _function(name)(*args)
        except Exception as exc:
            log.exception("job %s%r failed", name, args)
            raise JobFailed(f"{type(exc).__name__}: {exc}") from exc
        return None

    def state(self, job_id: str) -> str:
        return "gone"


class RqRunner:
    """Puts each job on its named rq queue, with retries."""

    def __init__(self, redis_url: str):
        from redis import Redis

        # Short timeouts: with Redis unreachable a commit's jobs wait in the outbox at once
        # instead of holding up the request.
        self.connection = Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)

    def submit(self, name: str, args: tuple, outbox_id: str | None = None) -> str | None:
        """Queues the job; returns its rq job id (its outbox row stays until it finishes)."""
        from rq import Queue, Retry

        spec = JOBS[name]
        queue = Queue(spec.queue, connection=self.connection)
        if outbox_id is None:
            function, call_args = spec.function, args
        else:
            function, call_args = "hotline.infra.jobs.run_job", (outbox_id, name, *args)
        job = queue.enqueue_call(
            function,
            args=call_args,
            timeout=spec.timeout,
            retry=Retry(max=spec.retries, interval=BACKOFF[: spec.retries]),
            description=f"{name}{args!r}",
        )
        return job.id

    def state(self, job_id: str) -> str:
        """What became of rq job ``job_id``: ``live`` (waiting, scheduled for a retry, or
        running in a worker whose heartbeat is recent), ``finished``, ``failed`` (rq gave up),
        or ``gone`` (Redis lost it, or the worker running it died). Raises when Redis does
        not answer."""
        from rq import Worker
        from rq.exceptions import NoSuchJobError
        from rq.job import Job, JobStatus

        try:
            job = Job.fetch(job_id, connection=self.connection)
        except NoSuchJobError:
            return "gone"
        status = job.get_status(refresh=False)
        if status == JobStatus.FINISHED:
            return "finished"
        if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
            return "failed"
        if status != JobStatus.STARTED:
            return "live"
        if not job.worker_name:
            return "gone"
        worker = Worker.find_by_key(
            Worker.redis_worker_namespace_prefix + job.worker_name, connection=self.connection
        )
        if worker is None or worker.last_heartbeat is None:
            return "gone"
        beat = worker.last_heartbeat
        if beat.tzinfo is None:
            beat = beat.replace(tzinfo=utcnow().tzinfo)
        return "live" if utcnow() - beat < job_lease() else "gone"


def still_running(job_id: str | None) -> bool:
    """Whether the job that claimed something may still be at it (when unsure: yes)."""
    if job_id is None:
        return True
    runner = _current_runner()
    if not isinstance(runner, RqRunner):
        return True
    try:
        return runner.state(job_id) == "live"
    except Exception:
        return True


def hand_over(session: orm.Session) -> None:
    """After the session's (outermost) commit: hand its jobs over, or leave them to the relay."""
    pending = session.info.pop("pending_jobs", [])
    outbox_ids = session.info.pop("pending_outbox", [])
    if not pending:
        return
    runner = session.info.get("job_runner") or _current_runner()
    done, handed, left = [], {}, []
    for (name, args), job_id in zip(pending, outbox_ids, strict=True):
        try:
            rq_id = runner.submit(name, args, job_id)
        except Exception as exc:  # the change is committed: its job waits in the outbox
            log.warning("job %s%r left in the outbox for the relay: %s", name, args, exc)
            left.append(job_id)
        else:
            if rq_id is None:
                done.append(job_id)
            else:
                handed[job_id] = rq_id
    if done or handed or left:
        _settle(session.get_bind(), done, handed, left)


def drop_pending(session: orm.Session) -> None:
    """After the session's (outermost) rollback: its jobs are not to be sent."""
    session.info.pop("pending_jobs", None)
    session.info.pop("pending_outbox", None)


def _settle(
    bind: sa.Engine | sa.Connection, done: list[str], handed: dict[str, str], left: list[str]
) -> None:
    """Remove the finished jobs from the outbox, mark the ones handed to rq (the relay checks
    on them after their lease) and make the others due for the relay.

    If this fails the relay hands the jobs over (again) later, which jobs tolerate: each is
    safe to run twice.
    """
    engine = bind.engine if isinstance(bind, sa.Connection) else bind
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            if done:
                connection.execute(sa.delete(OutboxJob).where(OutboxJob.id.in_(done)))
            if handed:
                _mark_handed(connection, handed, utcnow())
            if left:
                connection.execute(
                    sa.update(OutboxJob)
                    .where(OutboxJob.id.in_(left))
                    .values(next_attempt_at=utcnow())
                )
    except sa.exc.SQLAlchemyError as exc:
        count = len(done) + len(handed) + len(left)
        log.warning("could not settle %d jobs in the outbox: %s", count, exc)


def _mark_handed(connection, handed: dict[str, str], now: datetime) -> None:
    for job_id, rq_id in handed.items():
        connection.execute(
            sa.update(OutboxJob)
            .where(OutboxJob.id == job_id)
            .values(handed_at=now, handed_job=rq_id, next_attempt_at=now + job_lease())
        )


def relay(
    factory: orm.sessionmaker, runner=None, now: datetime | None = None, limit: int = 200
) -> tuple[int, int]:
    """Hand over the jobs waiting in the outbox; returns (handed over, still waiting).

    Jobs are claimed for a lease in a short transaction (``FOR UPDATE SKIP LOCKED``: any number
    of relays at once), then handed over outside it (an in-process job opens its own
    transaction), then removed or rescheduled. A job already handed to rq whose lease is over
    is the reaper's: left alone while rq still has it (waiting, retrying, or running in a live
    worker), handed over again when its rq job is gone or its worker died, removed once rq
    finished it, and kept as failed once rq gave up on it.
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
        claimed = [(job.id, job.name, tuple(job.args), job.attempts, job.handed_job) for job in due]
        for job in due:
            job.next_attempt_at = now + RELAY_LEASE
        session.commit()
    done, handed, waiting = [], {}, 0
    for job_id, name, args, attempts, rq_id in claimed:
        try:
            if rq_id is not None:
                state = runner.state(rq_id)
                if state == "live":
                    _set(factory, job_id, next_attempt_at=now + job_lease())
                    continue
                if state == "finished":
                    done.append(job_id)
                    continue
                if state == "failed":
                    _set(factory, job_id, failed_at=now, last_error="rq gave up on the job")
                    continue
                log.warning("job %s%r lost by rq (%s): handed over again", name, args, rq_id)
            new_id = runner.submit(name, args, job_id)
        except Exception as exc:
            waiting += 1
            _reschedule(factory, job_id, name, attempts, exc, now)
        else:
            if new_id is None:
                done.append(job_id)
            else:
                handed[job_id] = new_id
    with factory() as session:
        if done:
            session.execute(sa.delete(OutboxJob).where(OutboxJob.id.in_(done)))
        if handed:
            _mark_handed(session, handed, now)
        session.commit()
    return len(done) + len(handed), waiting


def _set(factory, job_id: str, **values) -> None:
    with factory() as session:
        session.execute(sa.update(OutboxJob).where(OutboxJob.id == job_id).values(**values))
        session.commit()


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


def start_relay(app, every_seconds: float = 5.0, first_pass_now: bool = True) -> threading.Event:
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

    if first_pass_now:
        one_pass()  # what waits already goes before anything else (even in a burst)

    threading.Thread(target=loop, name="hotline-outbox-relay", daemon=True).start()
    return stop


_web_relay_pid: int | None = None
_web_relay_lock = threading.Lock()


def start_relay_once(app) -> None:
    """Start this process's relay if it has none yet (a web server's worker processes: each
    forked worker starts its own at its first request)."""
    global _web_relay_pid
    if _web_relay_pid == os.getpid():
        return
    with _web_relay_lock:
        if _web_relay_pid != os.getpid():
            _web_relay_pid = os.getpid()
            start_relay(app, first_pass_now=False)


def _current_runner():
    return context.jobs_runner()
