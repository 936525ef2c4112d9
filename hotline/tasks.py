"""Background jobs. Each takes ids, reloads its rows, and is safe to run again."""

from __future__ import annotations

from flask import current_app

from hotline.database import new_session
from hotline.db import utcnow
from workorders.calendar import LOCAL
from workorders.models import WorkOrder


def notify_work_order_filed(order_id: int) -> None:
    """Text the citizen the number and deadline of the work order filed for them."""
    with new_session() as session:
        order = session.get(WorkOrder, order_id)
        if order is None or not order.citizen_phone or order.notified_at is not None:
            return
        deadline = (
            order.reply_deadline.astimezone(LOCAL).strftime("%Y-%m-%d")
            if order.reply_deadline
            else "待分派"
        )
        body = (
            f"【12345】您反映的问题已受理，工单号 {order.number}，"
            f"承办期限 {deadline}。回复“查询 {order.number}”可查进度。"
        )
        current_app.extensions["hotline.gateway"].send_sms(order.citizen_phone, body)
        order.notified_at = utcnow()
