"""What the application does around each transaction of its sessions, in one order.

:func:`attach` hooks it onto the application's sessionmaker (the factory does, once):

1. after every flush, a change to a work order or its trail asks for one refresh of the
   report roll-ups (a job), and a change to the reference tables is noted; every ORM
   statement notes a bulk UPDATE, DELETE or INSERT on them;
2. before the commit, the work-order notices claimed in the transaction become jobs, so
   they are in the outbox in that same transaction;
3. after the commit, the process first forgets what it keeps of the data that changed (the
   reference cache, the search index), then hands the jobs over: a job run in-process at
   once reads what was just committed, never a stale copy; last, the live pages are told
   which topics changed (:mod:`hotline.infra.live`);
4. after a rollback, the jobs and notes of the transaction are dropped.

A released or rolled-back SAVEPOINT (``begin_nested``) fires the same events: only the
outermost transaction counts. The domain's own rules about its rows (a work order's trail
is never changed) stay with its models.
"""

from __future__ import annotations

from sqlalchemy import event, orm

from hotline.infra import jobs, live, reference, rollups
from knowledge_base import index as kb_index
from workorders import services as workorders


def attach(factory: orm.sessionmaker) -> None:
    """Attach the application's transaction listeners to ``factory``, in the order above."""
    event.listen(factory, "after_flush", rollups.note_changes)
    event.listen(factory, "after_flush", reference.note_changes)
    event.listen(factory, "after_flush", live.note_changes)
    event.listen(factory, "do_orm_execute", reference.note_bulk_changes)
    event.listen(factory, "do_orm_execute", live.note_bulk_changes)
    event.listen(factory, "before_commit", _notices_to_jobs)
    event.listen(factory, "after_commit", _committed)
    event.listen(factory, "after_soft_rollback", _rolled_back)


def _notices_to_jobs(session: orm.Session) -> None:
    for notice_id in workorders.take_new_notices(session):
        jobs.enqueue(session, "send_work_order_notice", notice_id)


def _committed(session: orm.Session) -> None:
    if session.in_nested_transaction():  # a SAVEPOINT released: wait for the real commit
        return
    reference.committed(session)
    kb_index.committed(session)
    jobs.hand_over(session)
    live.committed(session)


def _rolled_back(session: orm.Session, previous_transaction: orm.SessionTransaction) -> None:
    if previous_transaction.parent is not None:  # a SAVEPOINT: the transaction goes on
        return
    reference.rolled_back(session)
    kb_index.rolled_back(session)
    jobs.drop_pending(session)
    live.rolled_back(session)
