"""The agent console as JSON under /api/v1, for other clients (and the traffic simulator).

Authentication is the console's session (POST /api/v1/session to log in). Every request
that changes something must be JSON: a form on another site cannot send it, which is this
API's CSRF protection (the cookie is also SameSite=Lax).
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from flask_login import current_user
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VoiceGrant

from hotline.infra import context
from hotline.infra.database import get_session
from hotline.services import agents, calls, logins
from hotline.services.calls import agent_status, connect, keep_queues_moving, waiting_for
from hotline.services.workorders import submit_work_order
from hotline.views.auth import roles_required, sign_in, sign_out
from hotline.views.common import (
    changes_must_be_json,
    current_actor,
    json_body,
    work_order_fields,
)
from routing import services as routing

bp = Blueprint("agent_api", __name__, url_prefix="/api/v1")
bp.before_request(changes_must_be_json)
VOICE_TOKEN_TTL = 3600


def _agent():
    agent = routing.agent_for_user(get_session(), current_user.id)
    if agent is None:
        abort(403, "this login has no agent seat")
    return agent


@bp.post("/session")
def log_in():
    body = json_body()
    try:
        user = sign_in(body.text("username"), body.text("password"))
    except logins.LoginLocked as locked:
        response = jsonify(error=str(locked), status=429)
        response.headers["Retry-After"] = str(locked.wait_seconds)
        return response, 429
    except logins.LoginRefused:
        abort(401, "wrong username or password")
    return jsonify(username=user.username, role=user.role, unit=user.unit_code)


@bp.delete("/session")
def log_out():
    sign_out()
    return "", 204


@bp.get("/agent/status")
@roles_required("agent", "supervisor")
def status():
    session = get_session()
    # Consoles poll this every few seconds, so reservations expire on time even when no
    # call or supervisor is waking the router.
    keep_queues_moving(session)
    agent = _agent()
    data = agent_status(session, agent)
    if request.args.get("waiting") == "1":  # the console's queue panel
        data["waiting"] = waiting_for(session, agent)
    return jsonify(data)


@bp.post("/agent/state")
@roles_required("agent", "supervisor")
def change_state():
    session = get_session()
    agent = _agent()
    body = json_body()
    agents.choose_state(session, agent.id, body.text("state", 32), body.text("wrap_up", 32))
    return jsonify(agent_status(session, agent))


@bp.post("/agent/calls/<int:call_id>/transfer")
@roles_required("agent", "supervisor")
def transfer(call_id: int):
    """Pass the caller on: {"kind": "queue"|"agent"|"outside", "target": …, "note": …};
    with "warm": true (an agent or an outside number), consult them first."""
    session = get_session()
    agent = _agent()
    body = json_body()
    how = calls.consult if body.flag("warm") else calls.transfer
    how(
        session,
        agent,
        call_id,
        body.text("kind", 16),
        body.text("target", 64),
        body.text("note", 500),
    )
    return jsonify(agent_status(session, agent))


@bp.post("/agent/calls/<int:call_id>/consult/complete")
@roles_required("agent", "supervisor")
def complete_consult(call_id: int):
    """Put the caller through to the party consulted."""
    session = get_session()
    agent = _agent()
    calls.complete_consult(session, agent, call_id)
    return jsonify(agent_status(session, agent))


@bp.post("/agent/calls/<int:call_id>/consult/cancel")
@roles_required("agent", "supervisor")
def cancel_consult(call_id: int):
    """End the consultation and take the caller back."""
    session = get_session()
    agent = _agent()
    calls.cancel_consult(session, agent, call_id)
    return jsonify(agent_status(session, agent))


@bp.post("/agent/calls/<int:call_id>/hold")
@roles_required("agent", "supervisor")
def hold(call_id: int):
    session = get_session()
    agent = _agent()
    calls.hold(session, agent, call_id)
    return jsonify(agent_status(session, agent))


@bp.post("/agent/calls/<int:call_id>/resume")
@roles_required("agent", "supervisor")
def resume(call_id: int):
    session = get_session()
    agent = _agent()
    calls.resume(session, agent, call_id)
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
    agents.decline(session, agent.id, call_id)
    return jsonify(agent_status(session, agent))


@bp.post("/agent/calls/<int:call_id>/resolve")
@roles_required("agent", "supervisor")
def resolve(call_id: int):
    session = get_session()
    agent = _agent()
    agents.resolve(session, agent.id, call_id, json_body().text("article_id", 32) or None)
    return jsonify(agent_status(session, agent))


@bp.post("/agent/calls/<int:call_id>/work-orders")
@roles_required("agent", "supervisor")
def new_work_order(call_id: int):
    session = get_session()
    agent = _agent()
    body = json_body()
    order = submit_work_order(
        session,
        actor=current_actor(),
        **work_order_fields(body),
        call_id=call_id,
        agent_id=agent.id,
    )
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
    agents.finish(session, agent.id)
    return jsonify(agent_status(session, agent))


@bp.get("/agent/voice-token")
@roles_required("agent", "supervisor")
def voice_token():
    """A Twilio Voice access token for the agent's browser client (VoiceGrant)."""
    config = context.settings()
    if not config.voice_client:
        abort(
            503,
            "the browser voice client is not configured "
            "(TWILIO_API_KEY, TWILIO_API_SECRET, TWILIO_TWIML_APP_SID)",
        )
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
