"""Open311 GeoReport v2: work orders and categories as the standard's records, in JSON or XML.

GET responses are a public summary: the category, the area (district and street, never a
house number), the status and its dates, and the unit's reply. The citizen's name, phone
and e-mail are never written. The description is shown only for requests filed through
Open311 itself; other channels' orders carry a summary instead of the citizen's words. Every
free text shown goes through ``workorders.privacy.mask``.
"""

from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree

from hotline.xmltext import xml_safe
from workorders.calendar import LOCAL
from workorders.models import Category, Unit, WorkOrder
from workorders.privacy import mask

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-27T00:00:00+08:00"
CLOSED_STATUSES = ("closed", "cancelled")
STATUS_NOTES = {
    "new": "已受理，待分派",
    "dispatched": "已派发至承办单位",
    "signed": "承办单位已签收",
    "in_progress": "办理中",
    "extension_requested": "承办单位申请延期，待审批",
    "disputed": "承办单位退回，待联合审定",
    "replied": "承办单位已答复，待回访",
    "callback": "回访中",
    "merged": "已并入相同诉求的工单",
    "cancelled": "市民已撤回",
}
# The element name of one item of each list, in XML.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
}


def w3c(moment: datetime | None) -> str | None:
    """A timestamp as the standard wants it: ISO 8601 with the offset (Guangzhou time)."""
    return moment.astimezone(LOCAL).isoformat(timespec="seconds") if moment else None


def masked(text: str, order: WorkOrder) -> str:
    """``text`` as the public may read it: personal data masked, the citizen's own name
    and phone (in any case, spacing and word order) among it."""
    return mask(text, (order.citizen_name, order.citizen_phone))


def public_area(order: WorkOrder, units: dict[str, str]) -> str:
    """Where the problem is, to the street and no finer: the street's name (which names its
    district), else the district's; when the order names neither, its address with house,
    building and room numbers masked."""
    if order.street_code in units:
        return units[order.street_code]
    if order.district_code in units:
        return units[order.district_code].removesuffix("人民政府")
    return masked(order.address, order)


def service(category: Category, group: str) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.name_en or category.name,
        "metadata": True,
        "type": "realtime",
        "keywords": category.name_en,
        "group": group,
    }


def service_definition(category: Category, districts: list[Unit], streets: list[Unit]) -> dict:
    """The attributes a request of this service may carry: where the problem is."""

    def choice(code: str, order: int, description: str, units: list[Unit]) -> dict:
        return {
            "variable": True,
            "code": code,
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": "",
            "order": order,
            "description": description,
            "values": [{"key": unit.code, "name": unit.name} for unit in units],
        }

    return {
        "service_code": category.code,
        "attributes": [
            choice("district", 1, "问题所在的区 (district)", districts),
            choice("street", 2, "问题所在的街道 (street)", streets),
        ],
    }


def service_request(
    order: WorkOrder,
    service_name: str,
    agency: str,
    updated_at: datetime | None,
    units: dict[str, str] | None = None,
) -> dict:
    """A work order as a GeoReport service request: a public summary, no personal data."""
    area = public_area(order, units or {})
    closed = order.status in CLOSED_STATUSES
    if order.status == "closed":
        notes = masked(order.reply_text, order) or "已办结"
    else:
        notes = STATUS_NOTES.get(order.status, order.status)
    if order.channel == "open311":
        description = masked(order.description, order)
    else:  # the citizen told the hotline, not the public: a summary, never their words
        description = " · ".join(part for part in (service_name, area, notes) if part)
    return {
        "service_request_id": order.number,
        "status": "closed" if closed else "open",
        "status_notes": notes,
        "service_name": service_name,
        "service_code": order.category_code,
        "description": description,
        "agency_responsible": agency,
        "service_notice": "",
        "requested_datetime": w3c(order.created_at),
        "updated_datetime": w3c(updated_at or order.created_at),
        "expected_datetime": w3c(order.reply_deadline),
        "address": area,
        "address_id": "",
        "zipcode": "",
        "lat": order.latitude,
        "long": order.longitude,
        "media_url": "",
    }


def error_list(code: int, description: str) -> list[dict]:
    return [{"code": code, "description": description}]


def to_xml(root: str, value) -> bytes:
    """``value`` (a list of records, or one record) as the standard's XML document."""
    element = ElementTree.Element(root)
    _fill(element, root, value)
    # The free texts are the citizens' and the units': a control character in one of
    # them must not make the whole list unreadable for every reader.
    body = xml_safe(ElementTree.tostring(element, encoding="unicode"))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode()


def _fill(element: ElementTree.Element, name: str, value) -> None:
    if isinstance(value, list):
        for item in value:
            _fill(ElementTree.SubElement(element, ITEM_NAMES.get(name, "item")), name, item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _fill(ElementTree.SubElement(element, key), key, item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)
