"""Open311 service requests: the ticket a client follows its request by."""

from __future__ import annotations

import secrets

from sqlalchemy import orm

from hotline.models import ApiToken, Open311Ticket
from workorders.models import WorkOrder


def issue_ticket(session: orm.Session, order: WorkOrder, client: ApiToken) -> Open311Ticket:
    """The token the client follows the new order by; the request is committed with it."""
    ticket = Open311Ticket(
        token=secrets.token_urlsafe(18), work_order_id=order.id, api_token_id=client.id
    )
    session.add(ticket)
    session.commit()
    return ticket
