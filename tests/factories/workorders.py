"""Work orders, filed through the service as the console files them."""

from __future__ import annotations

from workorders import services
from workorders.deadlines import DEFAULT_POLICY

AGENT = services.Actor("agent1")


def open_order(session, **fields):
    """A pension complaint an agent filed from the console for a citizen who left a phone
    number; ``fields`` are :func:`workorders.services.open_work_order`'s to change."""
    values = {
        "channel": "console",
        "category_code": "SOCINS.PENSION",
        "description": "养老金没有按时发放",
        "actor": AGENT,
        "citizen_phone": "13800138000",
        "policy": DEFAULT_POLICY,
    }
    return services.open_work_order(session, **{**values, **fields})
