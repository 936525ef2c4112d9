"""Voice webhooks: Twilio posts here, we answer TwiML. HTTP only; the router decides."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, Response, abort, request, url_for
from twilio.twiml.voice_response import VoiceResponse

from hotline.db import utcnow
from hotline.infra import context, reference, spool
from hotline.infra.database import autocommit_connection, get_session
from hotline.services import calls, voice
from hotline.services.calls import keep_queues_moving
from routing import services as routing
from routing.models import Agent, Call
from routing.numberplan import Line, NumberPlan
from webhooks import facts, twilio_ids, twiml
from webhooks.signature import twilio_signed

bp = Blueprint("voice", __name__, url_prefix="/twilio/voice")
log = logging.getLogger(__name__)


@bp.errorhandler(sa.exc.SQLAlchemyError)
def database_trouble(exc):
    # The caller must hear something, never silence or a Twilio error tone; a request that
    # carries a fact (a call arrived, ended, left a message) is kept to replay later.
    log.exception("database error in a voice webhook")
    get_session().rollback()
    kept = facts.keep_if_fact()
    response = twiml.twiml(_without_database())
    if kept:
        response.headers[spool.SPOOLED_HEADER] = "1"
    return response


def _without_database() -> VoiceResponse:
    """What the caller hears while the database does not answer. A new caller or one in
    the menus: the apology. One already waiting in the queue is never hung up on: the wait
    music says the hotline is busy and asks again later, and one who chose to leave the
    queue (a callback or a message) may leave a message, kept in the spool with the rest."""
    language = _language_hint()
    if request.endpoint in ("voice.wait", "voice.wait_choice"):
        return twiml.keep_holding(_url_in("voice.wait", language), language)
    if request.endpoint == "voice.queue_result":
        if request.form.get("QueueResult") == "leave":
            action = _url_in("voice.recorded", language)
            return twiml.take_message(action, language, "busy_message")
        return VoiceResponse()  # hung up, or moved on to an agent: nobody hears this
    if request.endpoint == "voice.recorded":  # the message is in the spool
        return twiml.goodbye("message_saved", language)
    return twiml.apology(language)


def _language_hint() -> str:
    """The caller's language as the URL Twilio was given says (the database may not)."""
    language = request.args.get("language", "")
    return language if language in twiml.VOICES else "zh"


def _url_in(endpoint: str, language: str) -> str:
    """The URL of ``endpoint`` for Twilio, carrying the caller's language in its query
    (none for Chinese, the default)."""
    return url_for(endpoint) if language == "zh" else url_for(endpoint, language=language)


@bp.post("/fallback")
@twilio_signed
def fallback():
    """The number's fallback URL: Twilio posts here when the voice URL failed (no answer in
    time, or an error), most likely because the database is slow or gone, so this answer
    does not ask it: the caller hears the apology at once, and the request is kept in the
    spool. Its replay records the call, ended when it arrived (it was hung up on)."""
    if facts.replayed():
        _record_arrival()
        voice.end_turned_away(get_session(), _call_sid(), facts.received_at())
        return twiml.twiml(twiml.apology())
    _call_sid()
    response = twiml.twiml(twiml.apology())
    if facts.keep_if_fact():
        response.headers[spool.SPOOLED_HEADER] = "1"
    return response


def _record_arrival() -> tuple[bool, Line | None, NumberPlan]:
    """Record the call this request announces: (whether this delivery recorded it, the legacy
    line it came in on, the number plan used). One statement in its own (autocommit)
    transaction, so the call is on record before the caller hears anything."""
    to_number, forwarded_from = request.form.get("To", ""), request.form.get("ForwardedFrom")
    with autocommit_connection() as connection:
        plan = reference.cache().get("number_plan", lambda: routing.number_plan(connection))
        line = plan.line_for(to_number, forwarded_from)
        created = routing.record_arrival(
            connection,
            call_sid=_call_sid(),
            from_number=request.form.get("From", ""),
            to_number=to_number,
            forwarded_from=forwarded_from,
            line=line,
            now=facts.received_at(),
        )
    return created, line, plan


def _call_sid() -> str:
    call_sid = request.form.get("CallSid", "").strip()
    if not call_sid or len(call_sid) > 64:
        abort(400, "CallSid is required")
    return call_sid


def _known_call() -> Call:
    call = routing.get_call(get_session(), _call_sid())
    if call is None:
        abort(400, "unknown CallSid")
    return call


def _delivery() -> str:
    """Twilio's token for this request, the same on each retry of it."""
    return request.headers.get("I-Twilio-Idempotency-Token", "").strip()


@bp.post("")
@twilio_signed
def incoming():
    session = get_session()
    created, line, plan = _record_arrival()
    if created and line is None:
        return _language_menu(session)  # the common case: a new call to 12345
    call, line = voice.answer_arrival(session, _call_sid(), line, plan, first=created)
    if line is not None:
        notice = twiml.prompt("merged", call.language, line=line.name)
        return _enqueue_response(call, notice)
    if call.status != "ivr":
        return _enqueue_response(call)
    return _language_menu(session)


@bp.post("/language")
@twilio_signed
def language_choice():
    session = get_session()
    call = _known_call()
    if call.status != "ivr":
        return _enqueue_response(call)
    if voice.choose_language(session, call, request.form.get("Digits"), _delivery()):
        return _topic_menu(session, call)
    return _language_menu(session, retry=True)


@bp.post("/menu")
@twilio_signed
def menu_choice():
    session = get_session()
    call = _known_call()
    if call.status != "ivr":
        return _enqueue_response(call)
    digits, speech = request.form.get("Digits"), request.form.get("SpeechResult")
    if not voice.choose_topic(session, call, digits, speech, _delivery()):
        return _topic_menu(session, call, retry=True)
    return _enqueue_response(call)


@bp.post("/wait")
@twilio_signed
def wait():
    session = get_session()
    keep_queues_moving(session)
    call = routing.get_call(session, request.form.get("CallSid", ""))
    language = call.language if call else "zh"
    response = VoiceResponse()
    if call is None or call.status != "queued":
        response.pause(length=5)
        return twiml.twiml(response)
    ahead = routing.queue_position(session, call) - 1
    if ahead > 0:
        minutes = max(1, round(routing.expected_wait(session, call) / 60))
        twiml.say(
            response, twiml.prompt("position", language, ahead=ahead, minutes=minutes), language
        )
    else:
        twiml.say(response, twiml.prompt("next", language), language)
    waited = _seconds_waited(call)
    if call.wait_choice is None and waited >= context.router_settings().offer_choices_after_seconds:
        action = _url_in("voice.wait_choice", language)
        gather = response.gather(num_digits=1, action=action, method="POST", timeout=5)
        twiml.say(gather, twiml.prompt("choices", language), language)
    response.pause(length=10)
    return twiml.twiml(response)


@bp.post("/wait-choice")
@twilio_signed
def wait_choice():
    session = get_session()
    call = _known_call()
    language = call.language
    digit = request.form.get("Digits", "")[:1]
    choice = {"1": "wait", "2": "callback", "3": "message"}.get(digit)
    response = VoiceResponse()
    if choice is None or call.status != "queued":
        twiml.say(response, twiml.prompt("keep_waiting", language), language)
        return twiml.twiml(response)
    voice.choose_while_waiting(session, call, choice)
    if choice == "wait":
        twiml.say(response, twiml.prompt("keep_waiting", language), language)
    else:
        # Leaving the queue makes Twilio call the <Enqueue> action, which takes it from here.
        response.leave()
    return twiml.twiml(response)


@bp.post("/queue-result")
@twilio_signed
def queue_result():
    session = get_session()
    queue_time = request.form.get("QueueTime", "")[:9]  # seconds; longer is no queue time
    call = voice.record_queue_result(
        session,
        _call_sid(),
        request.form.get("QueueResult", "")[:32],
        int(queue_time) if queue_time.isascii() and queue_time.isdigit() else None,
        facts.received_at(),
    )
    if call is None or call.queue_result != "leave":
        return twiml.twiml(VoiceResponse())
    if call.wait_choice == "message":
        action = _url_in("voice.recorded", call.language)
        return twiml.twiml(twiml.take_message(action, call.language))
    return twiml.twiml(twiml.goodbye("callback_booked", call.language))


@bp.post("/recorded")
@twilio_signed
def recorded():
    session = get_session()
    call = _known_call()
    recording = request.form.get("RecordingUrl", "").strip()
    if not recording.startswith("https://"):
        abort(400, "RecordingUrl must be an https URL")
    voice.record_message(session, call, recording[:400], facts.received_at())
    return twiml.twiml(twiml.goodbye("message_saved", call.language))


@bp.post("/status")
@twilio_signed
def status():
    session = get_session()
    voice.record_call_status(
        session, _call_sid(), request.form.get("CallStatus", "")[:32], facts.received_at()
    )
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
    # The action names the leg (the agent dialled): news of an earlier leg comes late.
    action = url_for("voice.after_dial", call_id=call.id, agent=agent.id)
    dial = response.dial(action=action, method="POST")
    twiml.ring_agent(
        dial,
        agent.client_name,
        agent.phone,
        {"call_id": str(call.id), "caller": call.from_number},
        answered_url=url_for("voice.leg_answered", call_id=call.id, agent=agent.id),
    )
    return twiml.twiml(response)


@bp.post("/leg-answered/<int:call_id>")
@twilio_signed
def leg_answered(call_id: int):
    """The agent picked up the bridge's dial: Twilio's sid of their leg (CallSid; the
    caller's call is its ParentCallSid), which a warm transfer moves."""
    leg_sid, agent = request.form.get("CallSid", ""), request.args.get("agent", "")
    if not twilio_ids.is_sid(leg_sid, ("CA",)) or not (agent.isascii() and agent.isdigit()):
        abort(400, "a leg's CallSid and the agent it rang are needed")
    voice.agent_leg_known(get_session(), call_id, int(agent[:12]), leg_sid, facts.received_at())
    return twiml.twiml(VoiceResponse())


def _room(call: Call, side: str) -> Response:
    """The caller's side of a warm transfer: the call's conference room. The caller waits
    there with the hold message until an agent (or the party put through) joins; whoever
    leaves first ends it for both."""
    name = f"hotline-call-{call.id}"
    if side == "caller":
        return twiml.twiml(
            twiml.conference(
                name,
                url_for("voice.after_dial", call_id=call.id, room=1),
                starts=False,
                ends=True,
                wait_url=url_for("voice.room_wait", call_id=call.id),
            )
        )
    return twiml.twiml(
        twiml.conference(name, url_for("voice.leg_left", call_id=call.id), starts=True, ends=True)
    )


def _known_leg_or_party(call_id: int) -> Call:
    """A webhook of an agent's or a consulted party's leg of a call (their CallSid is not
    the call's own, so the call is named in the URL)."""
    call = get_session().get(Call, call_id)
    if call is None or not twilio_ids.is_sid(request.form.get("CallSid", ""), ("CA",)):
        abort(400, "this is no leg of a call of the hotline")
    return call


@bp.post("/room/<int:call_id>")
@twilio_signed
def room(call_id: int):
    """An agent's leg, or the consulted party's call, joins the caller (a warm transfer
    put through or taken back)."""
    call = _known_leg_or_party(call_id)
    if call.status != "connected":
        return twiml.twiml(VoiceResponse())
    return _room(call, "agent")


@bp.post("/room-wait/<int:call_id>")
@twilio_signed
def room_wait(call_id: int):
    """What the caller hears while waiting alone in the room (Twilio's waitUrl, played in a
    loop): the hold message and a pause."""
    call = _known_leg_or_party(call_id)
    response = VoiceResponse()
    twiml.say(response, twiml.prompt("on_hold", call.language), call.language)
    response.pause(length=10)
    return twiml.twiml(response)


@bp.post("/consult-room/<int:call_id>")
@twilio_signed
def consult_room(call_id: int):
    """Where the agent talks to the party they consult: their own leg, moved here, and the
    call Twilio placed to the colleague or the outside number (who first hears who calls)."""
    call = _known_leg_or_party(call_id)
    if call.status != "connected":
        return twiml.twiml(VoiceResponse())
    own_leg = request.form.get("CallSid") == call.agent_leg_sid
    notice = None
    if not own_leg and call.consult_number:
        notice = twiml.prompt("consulted", "zh")
    return twiml.twiml(
        twiml.conference(
            f"hotline-consult-{call.id}",
            url_for("voice.leg_left", call_id=call.id),
            starts=True,
            ends=False,
            notice=notice,
        )
    )


@bp.post("/leg-left/<int:call_id>")
@twilio_signed
def leg_left(call_id: int):
    """An agent's leg or a consulted party's call left its room: it hangs up (the router
    hears of it from the caller's side, or the consulted call's status). The agent's own
    leg hanging up while their caller waits for them puts the caller back in the queue."""
    _known_leg_or_party(call_id)
    if request.form.get("CallStatus") == "completed":
        calls.agent_left_consult(get_session(), call_id, request.form["CallSid"])
    return twiml.twiml(VoiceResponse())


@bp.post("/consult-status/<int:call_id>")
@twilio_signed
def consult_status(call_id: int):
    """The final status of the call placed to a consulted party (not answered, or hung up)."""
    call = _known_leg_or_party(call_id)
    status = request.form.get("CallStatus", "")[:32]
    voice.consulted_call_ended(
        get_session(), call, request.form["CallSid"], status, facts.received_at()
    )
    return twiml.twiml(VoiceResponse())


@bp.post("/hold/<int:call_id>")
@twilio_signed
def hold(call_id: int):
    """A caller on hold: the hold message, again and again, until the agent resumes."""
    session = get_session()
    call = session.get(Call, call_id)
    if call is None or call.call_sid != request.form.get("CallSid"):
        abort(400, "this call is not the one on hold")
    response = VoiceResponse()
    if call.status != "connected":
        return twiml.twiml(response)
    if call.held_at is None:  # resumed meanwhile
        response.redirect(url_for("voice.bridge", call_id=call.id), method="POST")
        return twiml.twiml(response)
    return twiml.twiml(twiml.on_hold(_url_for_hold(call), call.language))


def _url_for_hold(call: Call) -> str:
    return url_for("voice.hold", call_id=call.id)


@bp.post("/transfer/<int:call_id>")
@twilio_signed
def transfer(call_id: int):
    """Where an agent's transfer sends the caller: the next queue (or the named agent's
    reservation), told they are being transferred; the bridge once the next agent took it."""
    session = get_session()
    call = session.get(Call, call_id)
    if call is None or call.call_sid != request.form.get("CallSid"):
        abort(400, "this call is not the one being transferred")
    if call.status == "connected":
        response = VoiceResponse()
        response.redirect(url_for("voice.bridge", call_id=call.id), method="POST")
        return twiml.twiml(response)
    if call.status != "queued":
        return twiml.twiml(VoiceResponse())
    return _enqueue_response(call, notice=twiml.prompt("transferring", call.language))


@bp.post("/transfer-out/<int:call_id>")
@twilio_signed
def transfer_out(call_id: int):
    """An outside number from the directory: the caller is put through, with their own
    number shown (Twilio's default for <Dial>), which is what 110 or 120 need to see."""
    session = get_session()
    call = session.get(Call, call_id)
    if call is None or call.call_sid != request.form.get("CallSid"):
        abort(400, "this call is not the one being transferred")
    response = VoiceResponse()
    if not call.transferred_to:
        return twiml.twiml(response)
    twiml.say(response, twiml.prompt("transferring", call.language), call.language)
    response.dial(call.transferred_to)
    return twiml.twiml(response)


@bp.post("/after-dial/<int:call_id>")
@twilio_signed
def after_dial(call_id: int):
    """The agent's leg ended (Twilio's <Dial> action). Answered: a caller still there is
    asked to rate the service. Not answered (no-answer, busy, failed): the caller still
    there is queued again, at the head; a callback's citizen is told they will be called."""
    session = get_session()
    call = session.get(Call, call_id)
    if call is None or call.call_sid != request.form.get("CallSid"):
        abort(400, "this call is not the one being bridged")
    caller_on_line = request.form.get("CallStatus") == "in-progress"
    dial_status = request.form.get("DialCallStatus", "")[:32]
    duration = request.form.get("DialCallDuration", "")[:9]
    talk_seconds = int(duration) if duration.isascii() and duration.isdigit() else None
    leg = request.args.get("agent", "")
    if leg and not (leg.isascii() and leg.isdigit() and len(leg) <= 12):
        abort(400, "agent must be the id of the agent the bridge dialled")
    # The caller's <Dial> of the call's conference room ended, or that of one agent's leg.
    in_room = request.args.get("room") == "1"
    if call.in_room and not in_room and caller_on_line and call.status == "connected":
        return _room(call, "caller")
    if in_room and not dial_status:
        dial_status = "completed"  # a <Conference> ended: those who talked there hung up
    call = voice.agent_leg_ended(
        session,
        call,
        dial_status,
        caller_on_line,
        talk_seconds,
        facts.received_at(),
        int(leg) if leg else None,
    )
    if not caller_on_line:
        return twiml.twiml(VoiceResponse())
    if call.status == "connected" and call.held_at is not None:
        return twiml.twiml(twiml.on_hold(_url_for_hold(call), call.language))
    if call.status == "queued" and call.kind == "inbound":
        return _enqueue_response(call)
    if call.status in ("queued", "scheduled"):
        return twiml.twiml(twiml.goodbye("callback_booked", call.language))
    if dial_status not in routing.LEG_CONNECTED:
        return twiml.twiml(VoiceResponse())
    return twiml.twiml(
        twiml.single_digit(
            url_for("voice.rating"), twiml.prompt("rate", call.language), call.language
        )
    )


@bp.post("/callback-status/<int:call_id>")
@twilio_signed
def callback_status(call_id: int):
    """The StatusCallback of a callback we placed (``attempt`` in the signed URL's query):
    its final status (completed, or not reached: no-answer, busy, failed, canceled)."""
    session = get_session()
    _call_sid()
    attempt = request.args.get("attempt", "")[:4]
    if not (attempt.isascii() and attempt.isdigit()):
        abort(400, "attempt is required")
    voice.record_callback_status(
        session, call_id, int(attempt), request.form.get("CallStatus", "")[:32], facts.received_at()
    )
    return twiml.twiml(VoiceResponse())


@bp.post("/rating")
@twilio_signed
def rating():
    session = get_session()
    call = _known_call()
    voice.record_rating(session, call.call_sid, request.form.get("Digits"))
    return twiml.twiml(twiml.goodbye("thanks", call.language))


def _seconds_waited(call: Call) -> float:
    return (utcnow() - call.enqueued_at).total_seconds() if call.enqueued_at else 0.0


def _language_menu(session, retry: bool = False):
    action = url_for("voice.language_choice")

    def render() -> str | None:
        options = [
            (o.digit, o.language, o.label_in(o.language))
            for o in routing.menu_options(session, "language")
            if o.language
        ]
        return str(twiml.language_menu(action, options, retry)) if options else None

    xml = reference.cache().get(("language_menu", action, retry), render)
    if xml is None:
        return _topic_menu(session, None, retry=retry)
    return Response(xml, mimetype="text/xml")


def _topic_menu(session, call: Call | None, retry: bool = False):
    language = call.language if call else "zh"
    action = url_for("voice.menu_choice")

    def render() -> tuple[bool, str]:
        options = [o for o in routing.menu_options(session) if o.skill_code]
        hints = [k for o in options for k in o.keywords]
        labels = [(o.digit, o.label_in(language)) for o in options]
        return bool(options), str(twiml.topic_menu(action, labels, language, hints, retry))

    has_options, xml = reference.cache().get(("topic_menu", action, language, retry), render)
    if not has_options and call is not None:
        voice.enqueue(session, call, routing.GENERAL_SKILL)
        return _enqueue_response(call)
    return Response(xml, mimetype="text/xml")


def _enqueue_response(call: Call, notice: str | None = None):
    # The caller's language rides in the URLs: a queued caller is spoken to in it even
    # while the database does not answer.
    response = twiml.enqueue(
        call.skill_code or routing.GENERAL_SKILL,
        wait_url=_url_in("voice.wait", call.language),
        action=_url_in("voice.queue_result", call.language),
        notice=notice,
        language=call.language,
    )
    return twiml.twiml(response)
