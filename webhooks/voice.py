"""Voice webhooks: Twilio posts here, we answer TwiML. HTTP only; the router decides."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, request, url_for
from twilio.twiml.voice_response import VoiceResponse

from hotline.database import get_session
from routing import services as routing
from routing.models import Agent, Call, Skill
from webhooks import twiml
from webhooks.signature import twilio_signed

bp = Blueprint("voice", __name__, url_prefix="/twilio/voice")
log = logging.getLogger(__name__)
MENU_TRIES = 3


@bp.errorhandler(sa.exc.SQLAlchemyError)
def database_trouble(exc):
    # The caller must hear an apology, never silence or a Twilio error tone.
    log.exception("database error in a voice webhook")
    get_session().rollback()
    return twiml.twiml(twiml.apology())


def _call_sid() -> str:
    call_sid = request.form.get("CallSid", "").strip()
    if not call_sid or len(call_sid) > 64:
        abort(400, "CallSid is required")
    return call_sid


@bp.post("")
@twilio_signed
def incoming():
    session = get_session()
    call, line = routing.start_call(
        session,
        call_sid=_call_sid(),
        from_number=request.form.get("From", ""),
        to_number=request.form.get("To", ""),
        forwarded_from=request.form.get("ForwardedFrom"),
        main_number=current_app.config["MAIN_NUMBER"],
    )
    if line is not None:
        routing.enqueue_call(session, call, line.skill_code)
        session.commit()
        notice = twiml.prompt("merged", call.language, line=line.name)
        return _enqueue_response(call, notice)
    session.commit()
    if call.status == "queued":
        return _enqueue_response(call)
    return _menu_response(session, call)


@bp.post("/menu")
@twilio_signed
def menu_choice():
    session = get_session()
    call = routing.get_call(session, _call_sid())
    if call is None:
        abort(400, "unknown call")
    if call.status != "ivr":
        return _enqueue_response(call)
    option = routing.choose_option(session, call, request.form.get("Digits"))
    if option is not None:
        routing.enqueue_call(session, call, option.skill_code)
    elif call.menu_attempts >= MENU_TRIES:
        routing.enqueue_call(session, call, routing.GENERAL_SKILL)
    session.commit()
    if call.status == "queued":
        return _enqueue_response(call)
    return _menu_response(session, call, retry=True)


@bp.post("/wait")
@twilio_signed
def wait():
    language = "zh"
    call = routing.get_call(get_session(), request.form.get("CallSid", ""))
    if call is not None:
        language = call.language
    response = VoiceResponse()
    position = request.form.get("QueuePosition", "")
    if position.isdigit() and int(position) > 1:
        twiml.say(response, twiml.prompt("position", language, ahead=int(position) - 1), language)
    else:
        twiml.say(response, twiml.prompt("next", language), language)
    response.pause(length=15)
    return twiml.twiml(response)


@bp.post("/queue-result")
@twilio_signed
def queue_result():
    session = get_session()
    if request.form.get("QueueResult") in ("hangup", "leave", "error", "system-error"):
        routing.record_call_status(session, _call_sid(), "completed")
        session.commit()
    return twiml.twiml(VoiceResponse())


@bp.post("/status")
@twilio_signed
def status():
    session = get_session()
    routing.record_call_status(session, _call_sid(), request.form.get("CallStatus", ""))
    session.commit()
    return twiml.twiml(VoiceResponse())


@bp.post("/bridge/<int:call_id>")
@twilio_signed
def bridge(call_id: int):
    session = get_session()
    call = session.get(Call, call_id)
    if call is None or call.call_sid != request.form.get("CallSid"):
        abort(400, "this call is not the one being bridged")
    agent = session.get(Agent, call.agent_id) if call.agent_id else None
    if call.status != "connected" or agent is None:
        return _enqueue_response(call)
    response = VoiceResponse()
    twiml.say(response, twiml.prompt("connecting", call.language), call.language)
    dial = response.dial(action=url_for("voice.status", _external=False), method="POST")
    dial.client(agent.client_name)
    return twiml.twiml(response)


def _menu_response(session, call: Call, retry: bool = False):
    options = [(o.digit, o.label) for o in routing.menu_options(session)]
    if not options:
        routing.enqueue_call(session, call, routing.GENERAL_SKILL)
        session.commit()
        return _enqueue_response(call)
    return twiml.twiml(
        twiml.menu(url_for("voice.menu_choice"), options, call.language, retry=retry)
    )


def _enqueue_response(call: Call, notice: str | None = None):
    skill = get_session().get(Skill, call.skill_code) if call.skill_code else None
    response = twiml.enqueue(
        skill.code if skill else routing.GENERAL_SKILL,
        wait_url=url_for("voice.wait"),
        action=url_for("voice.queue_result"),
        notice=notice,
        language=call.language,
    )
    return twiml.twiml(response)
