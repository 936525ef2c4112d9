"""One way to run background work: rq on Redis when configured, in-process otherwise.

Services call :func:`enqueue` inside their transaction; the job is sent only once that
transaction commits (and dropped if it rolls back), with ids as arguments, never rows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import import_module

from sqlalchemy import event, orm

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
    "notify_work_order_filed": JobSpec("hotline.tasks.notify_work_order_filed", "messages"),
    "send_text": JobSpec("hotline.tasks.send_text", "messages", retries=5),
    "text_kb_answer": JobSpec("hotline.kb_tasks.text_kb_answer", "messages"),
    "send_work_order_notice": JobSpec(
        "hotline.tasks.send_work_order_notice", "workorders", retries=5
    ),
    "sweep_work_orders": JobSpec("hotline.tasks.sweep_work_orders", "workorders", timeout=300),
    "refresh_report_rollups": JobSpec(
        "hotline.rollups.refresh_report_rollups", "reports", timeout=900, retries=1
    ),
}


def enqueue(session: orm.Session, name: str, *args: int | str) -> None:
    """Send job ``name`` with ``args`` once ``session`` commits."""
    if name not in JOBS:
        raise KeyError(f"unknown job {name!r}")
    session.info.setdefault("pending_jobs", []).append((name, args))


def attach_job_dispatch(factory: orm.sessionmaker) -> None:
    event.listen(factory, "after_commit", _after_commit)
    event.listen(factory, "after_soft_rollback", _after_rollback)


class InProcessRunner:
    """Runs each job right after the commit that asked for it, in this process."""

    def submit(self, name: str, args: tuple) -> None:
        spec = JOBS[name]
        module, _, function = spec.function.rpartition(".")
        try:
            getattr(import_module(module), function)(*args)
        except Exception:
            log.exception("job %s%r failed", name, args)


class RqRunner:
    """Puts each job on its named rq queue, with retries."""

    def __init__(self, redis_url: str):
        from redis import Redis

        self.connection = Redis.from_url(redis_url)

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


def _after_commit(session: orm.Session) -> None:
    # SQLAlchemy also calls this when a SAVEPOINT (begin_nested) is released: the jobs wait
    # for the outermost commit.
    if session.in_nested_transaction():
        return
    pending = session.info.pop("pending_jobs", [])
    if not pending:
        return
    runner = session.info.get("job_runner") or _current_runner()
    for name, args in pending:
        runner.submit(name, args)


def _after_rollback(session: orm.Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop("pending_jobs", None)


def _current_runner():
    from flask import current_app

    return current_app.extensions["hotline.jobs"]
