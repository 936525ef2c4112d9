"""Open311 service requests: the work order and the ticket its client follows it by."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.infra import context
from hotline.models import ApiToken, Open311Ticket
from workorders import services as workorders
from workorders.errors import NotFound
from workorders.models import Category, WorkOrder


def file_request(
    session: orm.Session,
    *,
    client: ApiToken,
    category_code: str,
    description: str,
    citizen_phone: str,
    citizen_name: str,
    district_code: str | None,
    street_code: str | None,
    address: str,
    latitude: float | None,
    longitude: float | None,
    media_url: str,
) -> tuple[WorkOrder, Open311Ticket]:
    """A work order for an Open311 service request, and the ticket its client follows it by;
    committed together."""
    order = workorders.open_work_order(
        session,
        channel="open311",
        category_code=category_code,
        description=description,
        actor=workorders.Actor(f"open311:{client.name}"[:80]),
        citizen_phone=citizen_phone,
        citizen_name=citizen_name,
        district_code=district_code,
        street_code=street_code,
        address=address,
        latitude=latitude,
        longitude=longitude,
        attachments=[media_url] if media_url else [],
        policy=context.deadline_policy(),
    )
    ticket = Open311Ticket(
        token=secrets.token_urlsafe(18), work_order_id=order.id, api_token_id=client.id
    )
    session.add(ticket)
    session.commit()
    return order, ticket


def set_published(
    session: orm.Session, *, publish: bool, number: str = "", category_code: str = ""
) -> str:
    """Show or withhold one work order (by number) or a whole category in the public
    Open311 lists; committed. Returns what was changed, in words."""
    if bool(number) == bool(category_code):
        raise ValueError("name either a work order number or a category code")
    record: WorkOrder | Category | None
    if number:
        record = session.scalar(sa.select(WorkOrder).where(WorkOrder.number == number))
        if record is None:
            raise NotFound("没有工单 {number}", number=number)
        label = f"work order {number}"
    else:
        record = session.get(Category, category_code)
        if record is None:
            raise NotFound("没有分类“{code}”", code=category_code)
        label = f"category {category_code}"
    record.publish = publish
    session.commit()
    return f"{label} {'published' if publish else 'withheld'} in Open311"
