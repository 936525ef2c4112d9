"""SMS webhooks: inbound texts and delivery statuses. HTTP only; hotline.services.texts decides."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, abort, request
from twilio.twiml.messaging_response import MessagingResponse

from hotline.infra import spool
from hotline.infra.database import get_session
from hotline.services import texts as sms
from routing.numberplan import normalize_number
from webhooks import facts
from webhooks.signature import twilio_signed

bp = Blueprint("sms", __name__, url_prefix="/twilio/sms")
log = logging.getLogger(__name__)


def _empty():
    return str(MessagingResponse()), 200, {"Content-Type": "text/xml"}


@bp.errorhandler(sa.exc.SQLAlchemyError)
def database_trouble(exc):
    # The text (or receipt) is kept on disk and replayed once the database is back; the
    # MessageSid makes a replay, or a retry by Twilio, safe.
    log.exception("database error in the SMS webhook")
    get_session().rollback()
    if facts.keep_if_fact():
        return "", 204, {spool.SPOOLED_HEADER: "1"}
    return "the hotline is busy, retry later", 503


@bp.post("/fallback")
@twilio_signed
def fallback():
    """The number's messaging fallback URL (Twilio posts here when the main URL failed): the
    text is handled as usual, or kept and replayed if the database is what failed."""
    return _handle_inbound()


@bp.post("")
@twilio_signed
def inbound():
    return _handle_inbound()


def _handle_inbound():
    sid = request.form.get("MessageSid", "").strip()
    phone = normalize_number(request.form.get("From", ""))
    if not sid or not phone:
        abort(400, "MessageSid and From are required")
    if len(phone) > 32:
        abort(400, "From is not a phone number")
    body = request.form.get("Body", "")
    session = get_session()
    sms.receive(session, sms.Inbound(phone, body, sid, facts.received_at()))
    return _empty()


@bp.post("/status")
@twilio_signed
def status():
    sid = request.form.get("MessageSid", "").strip()
    if not sid:
        abort(400, "MessageSid is required")
    session = get_session()
    sms.record_delivery_status(
        session,
        sid,
        request.form.get("MessageStatus", "").strip().lower(),
        request.form.get("ErrorCode", ""),
        # The message the callback was asked for (hotline.tasks.texts.send_text).
        request.args.get("message", type=int),
    )
    return "", 204
