"""The agent console as JSON under /api/v1, for other clients (and the traffic simulator).

Authentication is the console's session (POST /api/v1/session to log in). Every request
that changes something must be JSON: a form on another site cannot send it, which is this
API's CSRF protection (the cookie is also SameSite=Lax).
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from flask_login import current_user, login_user, logout_user
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VoiceGrant

from hotline.infra import context
from hotline.infra.database import get_session
from hotline.infra.gateway import GatewayError
from hotline.services.calls import (
    agent_became_free,
    agent_status,
    connect,
    keep_queues_moving,
)
from hotline.services.workorders import file_work_order
from hotline.views.auth import LoginUser, authenticate, roles_required
from hotline.views.common import current_actor
from routing import services as routing
from routing.errors import AgentNotReady, CallUnavailable, NotEligible, RoutingError
from workorders.errors import WorkOrderError

bp = Blueprint("agent_api", __name__, url_prefix="/api/v1")
VOICE_TOKEN_TTL = 3600


@bp.before_request
def changes_must_be_json():
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and not request.is_json:
        return jsonify(error="send JSON (Content-Type: application/json)"), 415
    return None


@bp.errorhandler(RoutingError)
def routing_error(exc: RoutingError):
    status = 409 if isinstance(exc, (CallUnavailable, AgentNotReady, NotEligible)) else 400
    get_session().rollback()
    return jsonify(error=str(exc)), status


@bp.errorhandler(WorkOrderError)
def work_order_error(exc: WorkOrderError):
    get_session().rollback()
    return jsonify(error=str(exc)), 400


@bp.errorhandler(GatewayError)
def gateway_error(exc: GatewayError):
    return jsonify(error=str(exc)), 502


def _body() -> dict:
    body = request.get_json(silent=True)
    if body is None:
        body = {}
    if not isinstance(body, dict):
        abort(400, "the body must be a JSON object")
    return body


def _agent():
    agent = routing.agent_for_user(get_session(), current_user.id)
    if agent is None:
        abort(403, "this login has no agent seat")
    return agent


@bp.post("/session")
def log_in():
    body = _body()
    user = authenticate(str(body.get("username", "")), str(body.get("password", "")))
    if user is None:
        return jsonify(error="wrong username or password"), 401
    login_user(LoginUser(user))
    return jsonify(username=user.username, role=user.role, unit=user.unit_code)


@bp.delete("/session")
def log_out():
    logout_user()
    return "", 204


@bp.get("/agent/status")
@roles_required("agent", "supervisor")
def status():
    session = get_session()
    # Consoles poll this every few seconds, so reservations expire on time even when no
    # call or supervisor is waking the router.
    keep_queues_moving(session)
    return jsonify(agent_status(session, _agent()))


@bp.post("/agent/state")
@roles_required("agent", "supervisor")
def change_state():
    session = get_session()
    agent = _agent()
    state = str(_body().get("state", ""))
    if state == "available" and agent.state == "wrap_up":
        routing.ready(session, agent.id)
    else:
        routing.set_agent_state(session, agent.id, state)
    session.commit()
    if state == "available":
        agent_became_free(session, agent.id)
    return jsonify(agent_status(session, agent))


@bp.post("/agent/reservations/<int:call_id>/accept")
@roles_required("agent", "supervisor")
def accept(call_id: int):
    session = get_session()
    agent = _agent()
    connect(session, agent, call_id)
    return jsonify(agent_status(session, agent))


@bp.post("/agent/reservations/<int:call_id>/decline")
@roles_required("agent", "supervisor")
def decline(call_id: int):
    session = get_session()
    agent = _agent()
    routing.decline_reservation(session, agent.id, call_id, context.router_settings())
    session.commit()
    return jsonify(agent_status(session, agent))


@bp.post("/agent/calls/<int:call_id>/resolve")
@roles_required("agent", "supervisor")
def resolve(call_id: int):
    session = get_session()
    agent = _agent()
    article_id = _body().get("article_id") or None
    routing.resolve_call(
        session,
        call_id,
        agent.id,
        "kb" if article_id else "on_call",
        str(article_id) if article_id else None,
    )
    session.commit()
    return jsonify(agent_status(session, agent))


@bp.post("/agent/calls/<int:call_id>/work-orders")
@roles_required("agent", "supervisor")
def new_work_order(call_id: int):
    session = get_session()
    agent = _agent()
    body = _body()
    order = file_work_order(
        session,
        actor=current_actor(),
        category_code=str(body.get("category", "")),
        description=str(body.get("description", "")),
        citizen_phone=str(body.get("citizen_phone", "")),
        citizen_name=str(body.get("citizen_name", "")),
        district_code=body.get("district") or None,
        street_code=body.get("street") or None,
        address=str(body.get("address", "")),
        urgent=bool(body["urgent"]) if "urgent" in body else None,
        call_id=call_id,
        agent_id=agent.id,
    )
    session.commit()
    return jsonify(
        number=order.number,
        status=order.status,
        unit=order.unit_code,
        deadline=order.reply_deadline.isoformat() if order.reply_deadline else None,
    ), 201


@bp.post("/agent/finish")
@roles_required("agent", "supervisor")
def finish():
    session = get_session()
    agent = _agent()
    routing.finish_call(session, agent.id)
    session.commit()
    return jsonify(agent_status(session, agent))


@bp.get("/agent/voice-token")
@roles_required("agent", "supervisor")
def voice_token():
    """A Twilio Voice access token for the agent's browser client (VoiceGrant)."""
    config = context.settings()
    if not (config.twilio_api_key and config.twilio_account_sid and config.twilio_api_secret):
        return jsonify(
            error="the browser voice client is not configured "
            "(TWILIO_API_KEY, TWILIO_API_SECRET, TWILIO_TWIML_APP_SID)"
        ), 503
    agent = _agent()
    token = AccessToken(
        config.twilio_account_sid,
        config.twilio_api_key,
        config.twilio_api_secret,
        identity=agent.client_name,
        ttl=VOICE_TOKEN_TTL,
    )
    token.add_grant(
        VoiceGrant(outgoing_application_sid=config.twilio_twiml_app_sid, incoming_allow=True)
    )
    return jsonify(token=token.to_jwt(), identity=agent.client_name, ttl=VOICE_TOKEN_TTL)
