"""Work orders as JSON under /api/v1/workorders.

Departments that run their own case systems list, read and act on their unit's orders
with a department token (`hotline token create --role department --unit CODE`); agents
and dispatchers use their console session. Every request that changes something must be
JSON, which is this API's CSRF protection for session logins (as in the agent API).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import Blueprint, abort, jsonify, make_response, request
from flask_login import current_user
from sqlalchemy import orm

from hotline.db import utcnow
from hotline.infra.database import get_session
from hotline.services import access
from hotline.services.workorders import perform_action, submit_work_order
from hotline.views.common import (
    actions_for,
    changes_must_be_json,
    current_actor,
    is_whole,
    json_body,
    may_perform,
    work_order_fields,
)
from routing import services as routing
from workorders import services as workorders
from workorders.models import WorkOrder
from workorders.states import STATUSES

bp = Blueprint("workorder_api", __name__, url_prefix="/api/v1/workorders")
bp.before_request(changes_must_be_json)
MAX_LIST = 500
SESSION_ROLES = ("department", "agent", "supervisor", "admin")


@dataclass(frozen=True)
class Caller:
    actor: workorders.Actor
    role: str

    @property
    def unit_code(self) -> str:
        """The unit a department caller acts for (``_caller`` lets none in without one)."""
        if self.actor.unit_code is None:
            abort(403, "this login belongs to no unit")
        return self.actor.unit_code


def _caller() -> Caller:
    """Who is asking: a department token (Authorization: Bearer), else the session login."""
    session = get_session()
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, plain = header.partition(" ")
        token = None
        if scheme.lower() == "bearer":
            token = access.identify(session, plain.strip(), ("department",))
        if token is None or token.unit_code is None:
            response = make_response(
                jsonify(error="a valid department token is required", status=401), 401
            )
            response.headers["WWW-Authenticate"] = 'Bearer realm="hotline"'
            abort(response)
        return Caller(workorders.Actor(f"token:{token.name}", None, token.unit_code), "department")
    if not current_user.is_authenticated:
        abort(401, "log in or send a department token")
    if current_user.role not in SESSION_ROLES:
        abort(403, "this login may not use work orders")
    if current_user.role == "department" and not current_user.unit_code:
        abort(403, "this login belongs to no unit")
    return Caller(current_actor(), current_user.role)


@bp.get("")
def list_orders():
    caller = _caller()
    session = get_session()
    status = request.args.get("status", "").strip()
    if status and status not in STATUSES:
        abort(400, f"status must be one of {', '.join(STATUSES)}")
    open_only = request.args.get("open", "") in ("1", "true", "yes")
    limit = request.args.get("limit", "100")
    if not is_whole(limit) or not 1 <= int(limit) <= MAX_LIST:
        abort(400, f"limit must be between 1 and {MAX_LIST}")
    if caller.role == "department":
        orders = workorders.orders_for_unit(session, caller.unit_code, open_only=open_only)
        if status:
            orders = [o for o in orders if o.status == status]
        orders = orders[: int(limit)]
    else:
        query = sa.select(WorkOrder)
        if status:
            query = query.where(WorkOrder.status == status)
        if open_only:
            query = query.where(WorkOrder.status.not_in(("closed", "cancelled", "merged")))
        query = query.order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc())
        query = query.options(orm.selectinload(WorkOrder.co_units))
        orders = list(session.scalars(query.limit(int(limit))))
    now = utcnow()
    unit = caller.actor.unit_code
    subtree = workorders.unit_subtree(session, unit) if unit else set()
    summaries = [_summary(session, caller, o, now, subtree) for o in orders]
    return jsonify(orders=summaries, count=len(orders))


@bp.get("/<number>")
def get_order(number: str):
    caller = _caller()
    return jsonify(_detail(get_session(), caller, _visible(caller, number)))


@bp.post("")
def open_order():
    caller = _caller()
    if caller.role == "department":
        abort(403, "departments do not open work orders")
    session = get_session()
    body = json_body()
    external_ref = body.text("external_ref", 80).strip() or None
    if external_ref and (existing := workorders.find_by_external_ref(session, external_ref)):
        return jsonify(_detail(session, caller, existing)), 200
    agent = routing.agent_for_user(session, current_user.id)
    order = submit_work_order(
        session,
        actor=caller.actor,
        **work_order_fields(body),
        latitude=body.number("latitude"),
        longitude=body.number("longitude"),
        call_id=body.whole("call_id"),
        agent_id=agent.id if agent else None,
        attachments=body.texts("attachments"),
        channel="api",
        external_ref=external_ref,
    )
    return jsonify(_detail(session, caller, order)), 201


@bp.post("/<number>/actions")
def act(number: str):
    caller = _caller()
    session = get_session()
    body = json_body()
    action = body.text("action", 32).strip()
    _visible(caller, number)
    if not may_perform(caller.role, action):
        abort(403, f"a {caller.role} login may not {action or 'do nothing'} a work order")
    order = perform_action(
        session,
        number,
        action,
        caller.actor,
        note=body.text("note"),
        unit_code=body.text("unit", 32).strip() or None,
        co_unit_codes=body.texts("co_units"),
        working_days=body.whole("working_days"),
        attachments=body.texts("attachments"),
        parent_number=body.text("into", 20).strip() or None,
        satisfaction=body.text("satisfaction", 24).strip() or None,
        expected_version=body.whole("version"),
    )
    return jsonify(_detail(session, caller, order))


def _visible(caller: Caller, number: str) -> WorkOrder:
    session = get_session()
    if caller.role == "department":
        return workorders.get_work_order_for_unit(session, number, caller.actor.unit_code)
    return workorders.get_work_order(session, number)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _summary(
    session, caller: Caller, order: WorkOrder, now: datetime, subtree: set[str] | None = None
) -> dict:
    deadline = order.active_deadline
    unit_role = workorders.unit_role(session, order, caller.actor.unit_code, subtree=subtree)
    return {
        "number": order.number,
        "status": order.status,
        "channel": order.channel,
        "category": order.category_code,
        "urgent": order.urgent,
        "unit": order.unit_code,
        "co_units": order.co_unit_codes,
        "role": unit_role,
        "created_at": _iso(order.created_at),
        "sign_deadline": _iso(order.sign_deadline),
        "reply_deadline": _iso(order.reply_deadline),
        "deadline_provisional_year": order.deadline_provisional_year,
        "deadline": _iso(deadline),
        "remaining_seconds": int((deadline - now).total_seconds()) if deadline else None,
        "overdue": order.is_overdue(now),
        "version": order.version,
        "actions": actions_for(order, caller.role, unit_role),
    }


def _detail(session, caller: Caller, order: WorkOrder) -> dict:
    parent = session.get(WorkOrder, order.parent_id) if order.parent_id else None
    return {
        **_summary(session, caller, order, utcnow()),
        "description": order.description,
        "citizen": {"name": order.citizen_name, "phone": order.citizen_phone},
        "location": {
            "district": order.district_code,
            "street": order.street_code,
            "address": order.address,
            "latitude": order.latitude,
            "longitude": order.longitude,
        },
        "assignment_reason": order.assignment_reason,
        "call_id": order.call_id,
        "recording_url": order.recording_url,
        "external_ref": order.external_ref,
        "parent": parent.number if parent else None,
        "dispatched_at": _iso(order.dispatched_at),
        "signed_at": _iso(order.signed_at),
        "replied_at": _iso(order.replied_at),
        "closed_at": _iso(order.closed_at),
        "reply": order.reply_text,
        "satisfaction": order.satisfaction,
        "urge_count": order.urge_count,
        "attachments": [
            {"url": a.url, "kind": a.kind, "added_by": a.added_by, "added_at": _iso(a.added_at)}
            for a in order.attachments
        ],
        "extensions": [
            {
                "working_days": r.working_days,
                "reason": r.reason,
                "state": r.state,
                "requested_at": _iso(r.requested_at),
                "decided_at": _iso(r.decided_at),
                "decision_note": r.decision_note,
                "new_deadline": _iso(r.new_deadline),
            }
            for r in order.extensions
        ],
        "events": [
            {
                "at": _iso(e.at),
                "actor": e.actor,
                "action": e.action,
                "from": e.from_status,
                "to": e.to_status,
                "unit": e.unit_code,
                "note": e.note,
            }
            for e in order.events
        ],
    }
