"""Services that need two domain packages at once, composed at the application level."""

from __future__ import annotations

from sqlalchemy import orm

from hotline import jobs
from routing import services as routing
from routing.models import Call
from workorders import services as workorders
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
    urgent: bool | None = None,
    call_id: int | None = None,
    agent_id: int | None = None,
) -> WorkOrder:
    """Open a work order (from the agent's current call when given) and text its number."""
    call = session.get(Call, call_id) if call_id is not None else None
    if call is not None and call.agent_id != agent_id:
        call = None
    order = workorders.open_work_order(
        session,
        channel="phone" if call is not None else "console",
        category_code=category_code,
        description=description,
        actor=actor,
        citizen_phone=citizen_phone or (call.from_number if call else ""),
        citizen_name=citizen_name,
        district_code=district_code,
        street_code=street_code,
        address=address,
        urgent=urgent,
        call_id=call.id if call is not None else None,
    )
    if call is not None:
        routing.resolve_call(session, call.id, agent_id, "work_order")
    jobs.enqueue(session, "notify_work_order_filed", order.id)
    return order
