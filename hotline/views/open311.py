"""Open311 GeoReport v2 under /open311/v2/: discovery, services, requests, tokens.

Reading is open to anyone; filing a request needs an ``api_key`` from `hotline token create
--role open311`. Every resource answers in ``.json`` or ``.xml``; errors are the standard's
list of {code, description}.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Blueprint, Response, abort, request
from werkzeug.exceptions import TooManyRequests

from hotline.db import utcnow
from hotline.infra import context
from hotline.infra.database import get_session
from hotline.models import Open311Ticket
from hotline.services import access
from hotline.services import open311 as open311_requests
from hotline.views.common import is_whole, moment_in_range
from workorders import open311
from workorders.calendar import LOCAL
from workorders.models import Category, Unit, WorkOrder, WorkOrderEvent

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
FORMAT = "<any(json, xml):fmt>"
WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000


def _respond(fmt: str, root: str, value, status: int = 200) -> Response:
    if fmt == "xml":
        return Response(open311.to_xml(root, value), status, content_type="text/xml; charset=utf-8")
    body = json.dumps(value, ensure_ascii=False)
    return Response(body, status, content_type="application/json; charset=utf-8")


@bp.get(f"/discovery.{FORMAT}")
def discovery(fmt: str):
    base = context.public_url()
    return _respond(
        fmt,
        "discovery",
        {
            "changeset": open311.CHANGESET,
            "contact": "12345 政务服务便民热线",
            "key_service": "API keys for filing requests are issued by the hotline's "
            "administrators (hotline token create --role open311).",
            "endpoints": [
                {
                    "specification": open311.SPECIFICATION,
                    "url": f"{base}/open311/v2",
                    "changeset": open311.CHANGESET,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@bp.get(f"/services.{FORMAT}")
def services(fmt: str):
    session = get_session()
    groups: dict[str | None, str] = dict(
        session.execute(
            sa.select(Category.code, Category.name).where(Category.parent_code.is_(None))
        ).all()
    )
    return _respond(
        fmt,
        "services",
        [open311.service(c, groups.get(c.parent_code, "")) for c in _leaf_categories()],
    )


@bp.get(f"/services/<service_code>.{FORMAT}")
def service_definition(service_code: str, fmt: str):
    session = get_session()
    category = session.get(Category, service_code)
    if category is None or not category.is_leaf:
        abort(404, f"no service {service_code}")
    units = session.scalars(
        sa.select(Unit)
        .where(Unit.kind.in_(("district", "street")), Unit.active)
        .order_by(Unit.code)
    ).all()
    districts = [u for u in units if u.kind == "district"]
    streets = [u for u in units if u.kind == "street"]
    return _respond(
        fmt, "service_definition", open311.service_definition(category, districts, streets)
    )


def _published() -> sa.Select:
    """Orders the public may see: their own flag and their category's both set."""
    return (
        sa.select(WorkOrder)
        .join(Category, Category.code == WorkOrder.category_code)
        .where(WorkOrder.publish.is_(True), Category.publish.is_(True))
    )


@bp.get(f"/requests.{FORMAT}")
def requests(fmt: str):
    query = _published()
    ids = _list_arg("service_request_id")
    if ids:
        # The standard: service_request_id overrides every other argument.
        query = query.where(WorkOrder.number.in_(ids[:MAX_REQUESTS]))
    else:
        query = query.where(*_filters())
    page, page_size = (
        _int_arg("page", 1, 1, 1_000_000),
        _int_arg("page_size", MAX_REQUESTS, 1, MAX_REQUESTS),
    )
    query = (
        query.order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    return _respond(fmt, "service_requests", _records(get_session().scalars(query).all()))


@bp.get(f"/requests/<request_id>.{FORMAT}")
def request_by_id(request_id: str, fmt: str):
    order = get_session().scalar(_published().where(WorkOrder.number == request_id))
    if order is None:
        abort(404, f"no service request {request_id}")
    return _respond(fmt, "service_requests", _records([order]))


@bp.get(f"/tokens/<token>.{FORMAT}")
def token_status(token: str, fmt: str):
    session = get_session()
    ticket = session.get(Open311Ticket, token)
    if ticket is None:
        abort(404, f"no token {token}")
    number = session.scalar(sa.select(WorkOrder.number).where(WorkOrder.id == ticket.work_order_id))
    return _respond(fmt, "service_requests", [{"service_request_id": number, "token": token}])


@bp.post(f"/requests.{FORMAT}")
def create_request(fmt: str):
    session = get_session()
    form = request.form
    client, wait = access.admit(session, form.get("api_key", "").strip(), ("open311",))
    if client is None:
        abort(403, "invalid api_key")
    if wait is not None:
        raise TooManyRequests(f"too many requests; try again in {wait} s", retry_after=wait)
    service_code = form.get("service_code", "").strip()
    if not service_code:
        abort(400, "service_code is required")
    latitude, longitude = _coordinate("lat"), _coordinate("long")
    if (latitude is None) != (longitude is None):
        abort(400, "lat and long go together")
    address = form.get("address_string", "").strip()
    district = form.get("attribute[district]", "").strip() or None
    street = form.get("attribute[street]", "").strip() or None
    if latitude is None and not (
        address or form.get("address_id", "").strip() or district or street
    ):
        abort(400, "a location is required: lat and long, address_string or address_id")
    name = _citizen_name(form.get("first_name", "").strip(), form.get("last_name", "").strip())
    order, ticket = open311_requests.file_request(
        session,
        client=client,
        category_code=service_code,
        description=form.get("description", ""),
        citizen_phone=form.get("phone", "")[:32],
        citizen_name=name[:80],
        district_code=district,
        street_code=street,
        address=address[:200],
        latitude=latitude,
        longitude=longitude,
        media_url=form.get("media_url", "").strip(),
    )
    notice = ""
    if order.reply_deadline is not None:
        deadline = order.reply_deadline.astimezone(LOCAL).strftime("%Y-%m-%d")
        notice = f"已受理，承办期限 {deadline}"
    return _respond(
        fmt,
        "service_requests",
        [
            {
                "service_request_id": order.number,
                "token": ticket.token,
                "service_notice": notice,
                "account_id": None,
            }
        ],
        201,
    )


@bp.route("/<path:anything>", methods=["GET", "POST"])
def unknown(anything: str):
    abort(404, "no such Open311 resource")


def _citizen_name(first: str, last: str) -> str:
    """Chinese names are written family name first, without a space; others first last."""
    if any("\u4e00" <= char <= "\u9fff" for char in first + last):
        return last + first
    return " ".join(part for part in (first, last) if part)


def _leaf_categories() -> list[Category]:
    query = sa.select(Category).where(Category.parent_code.is_not(None)).order_by(Category.code)
    return list(get_session().scalars(query))


def _filters() -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    codes = _list_arg("service_code")
    if codes:
        conditions.append(WorkOrder.category_code.in_(codes))
    statuses = set(_list_arg("status"))
    if statuses - {"open", "closed"}:
        abort(400, "status must be open, closed, or both")
    if statuses == {"open"}:
        conditions.append(WorkOrder.status.not_in(open311.CLOSED_STATUSES))
    elif statuses == {"closed"}:
        conditions.append(WorkOrder.status.in_(open311.CLOSED_STATUSES))
    start, end = _moment("start_date"), _moment("end_date")
    if end is None:
        end = start + WINDOW if start is not None else utcnow()
    if start is None:
        start = end - WINDOW
    if end < start:
        abort(400, "end_date is before start_date")
    if end - start > WINDOW:
        abort(400, "start_date and end_date may not span more than 90 days")
    conditions += [WorkOrder.created_at >= start, WorkOrder.created_at <= end]
    return conditions


def _records(orders: Sequence[WorkOrder]) -> list[dict]:
    if not orders:
        return []
    session = get_session()
    ids = [order.id for order in orders]
    updated = dict(
        session.execute(
            sa.select(WorkOrderEvent.work_order_id, sa.func.max(WorkOrderEvent.at))
            .where(WorkOrderEvent.work_order_id.in_(ids))
            .group_by(WorkOrderEvent.work_order_id)
        ).all()
    )
    units = dict(session.execute(sa.select(Unit.code, Unit.name)).all())
    categories = dict(session.execute(sa.select(Category.code, Category.name)).all())
    return [
        open311.service_request(
            order,
            categories.get(order.category_code, order.category_code),
            units.get(order.unit_code or "", "12345 政务服务便民热线"),
            updated.get(order.id),
            units,
        )
        for order in orders
    ]


def _list_arg(name: str) -> list[str]:
    return [part.strip() for part in request.args.get(name, "").split(",") if part.strip()]


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not is_whole(raw) or not low <= int(raw) <= high:
        abort(400, f"{name} must be a whole number from {low} to {high}")
    return int(raw)


def _moment(name: str) -> datetime | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        abort(400, f"{name} must be a W3C date-time such as 2026-11-26T09:00:00+08:00")
    moment_in_range(name, moment)  # the 90-day window around it must still be dates
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL)


def _coordinate(name: str) -> float | None:
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        abort(400, f"{name} must be a number")
    if not math.isfinite(value):
        abort(400, f"{name} must be a number")
    return value
