"""Background jobs. Each takes ids, reloads its rows, and is safe to run again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from hotline.db import utcnow
from hotline.infra import context, jobs
from hotline.infra.database import new_session
from hotline.infra.mail import record_email
from hotline.services import texts
from hotline.services import workorders as services
from workorders import services as workorders
from workorders.calendar import LOCAL
from workorders.models import Unit, WorkOrder, WorkOrderNotice
from workorders.states import WITH_UNIT


def notify_work_order_filed(order_id: int) -> None:
    """Text the citizen the number and deadline of the work order filed for them, once."""
    with new_session() as session:
        order = session.get(WorkOrder, order_id)
        if order is None or not order.citizen_phone:
            return
        # The order is marked notified in the transaction that records the text: a retry
        # finds both or neither. A statement, not an ORM change: bookkeeping must not bump
        # the order's version, which would make the page someone has open look stale.
        claimed = session.execute(
            sa.update(WorkOrder)
            .where(WorkOrder.id == order.id, WorkOrder.notified_at.is_(None))
            .values(notified_at=utcnow())
        )
        if claimed.rowcount != 1:
            return  # notified already, or another attempt got there first
        deadline = (
            order.reply_deadline.astimezone(LOCAL).strftime("%Y-%m-%d")
            if order.reply_deadline
            else "待分派"
        )
        body = (
            f"【12345】您反映的问题已受理，工单号 {order.number}，"
            f"承办期限 {deadline}。回复“查询 {order.number}”可查进度。"
        )
        texts.send(session, order.citizen_phone, body)


UNIT_NOTICES = {
    "assigned": (
        "【12345】新工单 {number}（{category}）已派给贵单位，请于 {sign} 前签收、{reply} 前答复。"
    ),
    "urged": "【12345】督办：工单 {number} 请抓紧办理，答复期限 {reply}。",
    "reply_due": "【12345】提醒：工单 {number} 将于 {reply} 到期，请及时答复。",
    "sign_overdue": "【12345】工单 {number} 已超过签收期限 {sign}，已报值班长。",
    "reply_overdue": "【12345】工单 {number} 已超过答复期限 {reply}，已报值班长。",
}
SURVEY = (
    "【12345】您的工单 {number} 已答复：{reply}。请回复数字评价本次办理："
    "1 满意，2 基本满意，3 不满意。"
)
# A notice about something that happened (an assignment, an urge, a reply) is not sent
# once it is this old: the order has moved on (e.g. history loaded as demo data).
STALE_AFTER = timedelta(days=1)
SWEEP_JOB = "workorders-sweep-{every}-{slot}"


def send_work_order_notice(notice_id: int) -> None:
    """Tell the unit (text, else e-mail), the citizen (the satisfaction survey) or the
    supervisors (an overdue order) what a notice is about; never twice, skipped once stale."""
    with new_session() as session:
        notice = session.get(WorkOrderNotice, notice_id)
        if notice is None or notice.sent_at is not None:
            return
        if not workorders.claim_notice_for_sending(session, notice.id, utcnow()):
            return
        order = session.get(WorkOrder, notice.work_order_id)
        if not _still_relevant(notice, order):
            notice.channel = "skipped"
        elif notice.kind == "survey":
            notice.channel = _send_survey(session, order)
        else:
            notice.channel = _tell_unit(session, notice, order)


def _still_relevant(notice: WorkOrderNotice, order: WorkOrder) -> bool:
    if notice.kind in ("assigned", "urged", "survey") and (
        notice.created_at - notice.due_at > STALE_AFTER
    ):
        return False
    if notice.kind == "survey":
        return order.status == "replied" and order.replied_at == notice.due_at
    if order.status not in WITH_UNIT or order.unit_code != notice.unit_code:
        return False
    if notice.kind == "sign_overdue":
        return order.status == "dispatched" and order.sign_deadline == notice.due_at
    if notice.kind in ("reply_due", "reply_overdue"):
        return order.reply_deadline == notice.due_at
    return True


def _send_survey(session, order: WorkOrder) -> str:
    if not order.citizen_phone:
        return "none"
    body = SURVEY.format(number=order.number, reply=_shorten(order.reply_text, 60))
    if texts.send(session, order.citizen_phone, body) is None:
        return "opted_out"  # nobody was asked: the order waits for a callback by phone
    workorders.start_callback(
        session, order.number, workorders.SYSTEM, "satisfaction survey texted to the citizen"
    )
    return "sms"


def _tell_unit(session, notice: WorkOrderNotice, order: WorkOrder) -> str:
    """The channel the unit was told by: its phone, else (none, or opted out) its e-mail."""
    body = UNIT_NOTICES[notice.kind].format(
        number=order.number,
        category=order.category_code,
        sign=_local(order.sign_deadline),
        reply=_local(order.reply_deadline),
    )
    unit = session.get(Unit, notice.unit_code) if notice.unit_code else None
    channel = "none"
    if unit is not None and unit.contact_phone:
        texted = texts.send(session, unit.contact_phone, body) is not None
        channel = "sms" if texted else "opted_out"
    if channel != "sms" and unit is not None and unit.contact_email:
        record_email(unit.contact_email, f"12345 工单 {order.number}", body)
        channel = "email"
    supervisors = context.settings().supervisor_email
    if notice.kind in ("sign_overdue", "reply_overdue") and supervisors:
        record_email(supervisors, f"12345 超期工单 {order.number}（{order.unit_code}）", body)
    return channel


def sweep_work_orders(every: int = 0) -> None:
    """The periodic sweep; with ``every`` it schedules its next run on the rq scheduler."""
    with new_session() as session:
        services.sweep_work_orders(session)
    if every:
        schedule_sweep(every)


def schedule_sweep(every: int, now: datetime | None = None) -> str:
    """Schedule the next sweep at the next multiple of ``every`` seconds.

    The job's id is its time slot, so chains started twice converge into one.
    """
    from rq import Queue

    now = now or utcnow()
    slot = int(now.timestamp()) // every + 1
    job_id = SWEEP_JOB.format(every=every, slot=slot)
    spec = jobs.JOBS["sweep_work_orders"]
    runner = context.jobs_runner()
    if not isinstance(runner, jobs.RqRunner):
        raise RuntimeError("scheduling the sweep needs Redis (HOTLINE_REDIS_URL) and rq")
    Queue(spec.queue, connection=runner.connection).enqueue_at(
        datetime.fromtimestamp(slot * every, UTC),
        spec.function,
        every,
        job_id=job_id,
        job_timeout=spec.timeout,
        description=f"sweep_work_orders every {every}s",
    )
    return job_id


def _local(moment: datetime | None) -> str:
    return moment.astimezone(LOCAL).strftime("%m-%d %H:%M") if moment else "—"


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
