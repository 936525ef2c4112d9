"""Services that need two domain packages at once, composed at the application level."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import orm

from hotline.infra import context, jobs
from routing import services as routing
from routing.models import Call
from workorders import services as workorders
from workorders.errors import WorkOrderError
from workorders.models import WorkOrder


def file_work_order(
    session: orm.Session,
    *,
    actor: workorders.Actor,
    category_code: str,
    description: str,
    citizen_phone: str = "",
    citizen_name: str = "",
    district_code: str | None = None,
    street_code: str | None = None,
    address: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    urgent: bool | None = None,
    call_id: int | None = None,
    agent_id: int | None = None,
    attachments: Iterable[str] = (),
    channel: str = "console",
    external_ref: str | None = None,
) -> WorkOrder:
    """Open a work order (from the agent's current call when given) and text its number.

    The order is linked to the call and to the caller's recorded message, if any.
    """
    # Only the agent on the call files from it: without an agent, a call no one answered
    # would lend the order its caller's number and recording.
    call = session.get(Call, call_id) if call_id is not None and agent_id is not None else None
    if call is not None and call.agent_id != agent_id:
        call = None
    order = workorders.open_work_order(
        session,
        channel="phone" if call is not None else channel,
        category_code=category_code,
        description=description,
        actor=actor,
        citizen_phone=citizen_phone or (call.from_number if call else ""),
        citizen_name=citizen_name,
        district_code=district_code,
        street_code=street_code,
        address=address,
        latitude=latitude,
        longitude=longitude,
        urgent=urgent,
        call_id=call.id if call is not None else None,
        recording_url=call.recording_url if call is not None else None,
        attachments=attachments,
        external_ref=external_ref,
        policy=context.deadline_policy(),
    )
    if call is not None and agent_id is not None:
        routing.resolve_call(session, call.id, agent_id, "work_order")
    jobs.enqueue(session, "notify_work_order_filed", order.id)
    return order


def file_work_order_from_sms(
    session: orm.Session,
    *,
    phone: str,
    body: str,
    category_code: str,
    message_sid: str | None = None,
    attachments: Iterable[str] = (),
    district_code: str | None = None,
    street_code: str | None = None,
    address: str = "",
) -> tuple[WorkOrder, bool]:
    """A work order for a citizen's text (MMS pictures as attachments), and whether it is new.

    The same message (by its Twilio sid) never opens two orders.
    """
    ref = f"sms:{message_sid}" if message_sid else None
    if ref is not None and (existing := workorders.find_by_external_ref(session, ref)):
        return existing, False
    order = file_work_order(
        session,
        actor=workorders.Actor(f"sms:{phone}"),
        category_code=category_code,
        description=body,
        citizen_phone=phone,
        district_code=district_code,
        street_code=street_code,
        address=address,
        attachments=attachments,
        channel="sms",
        external_ref=ref,
    )
    return order, True


def open_work_order_from_text(
    session: orm.Session, *, phone: str, body: str, category_code: str, note: str
) -> tuple[WorkOrder, datetime]:
    """A work order for a citizen's text, waiting for a dispatcher, and the reply deadline it
    is expected to get (to tell the citizen)."""
    policy = context.deadline_policy()
    order = workorders.open_work_order(
        session,
        channel="sms",
        category_code=category_code,
        description=body,
        actor=workorders.Actor(f"sms:{phone}"),
        citizen_phone=phone,
        dispatch=False,
        note=note,
        policy=policy,
    )
    return order, workorders.expected_deadline(session, order, policy=policy)


def act_on_work_order(
    session: orm.Session,
    number: str,
    action: str,
    actor: workorders.Actor,
    **params,
) -> WorkOrder:
    """Apply one action (see workorders.services.perform) with the hotline's timing rules."""
    return workorders.perform(
        session, number, action, actor, policy=context.deadline_policy(), **params
    )


def submit_work_order(session: orm.Session, **fields) -> WorkOrder:
    """File a work order (the fields of file_work_order) as one transaction."""
    order = file_work_order(session, **fields)
    session.commit()
    return order


def perform_action(
    session: orm.Session, number: str, action: str, actor: workorders.Actor, **params
) -> WorkOrder:
    """One action on a work order (see act_on_work_order) as one transaction."""
    order = act_on_work_order(session, number, action, actor, **params)
    session.commit()
    return order


def perform_action_on_each(
    session: orm.Session, numbers: Iterable[str], action: str, actor: workorders.Actor, **params
) -> tuple[list[str], list[tuple[str, WorkOrderError]]]:
    """The same action on several orders, each succeeding or failing on its own, committed
    together: the numbers done, and each refused with its refusal."""
    done: list[str] = []
    refused: list[tuple[str, WorkOrderError]] = []
    for number in numbers:
        try:
            with session.begin_nested():
                act_on_work_order(session, number, action, actor, **params)
            done.append(number)
        except WorkOrderError as exc:
            refused.append((number, exc))
    session.commit()
    return done, refused


def record_satisfaction(
    session: orm.Session, number: str, answer: str, actor: workorders.Actor
) -> WorkOrder:
    """The citizen's answer to the satisfaction text (1, 2 or 3); 3 reopens the order."""
    return workorders.record_satisfaction(
        session, number, answer, actor, policy=context.deadline_policy()
    )


def sweep_work_orders(session: orm.Session, now: datetime | None = None) -> workorders.SweepResult:
    """Reminders, escalations and no-response closures; committed, notices sent by jobs."""
    result = workorders.sweep(session, now=now, policy=context.deadline_policy())
    session.commit()
    return result
