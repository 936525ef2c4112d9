"""The webhook requests that carry facts: kept in the spool (hotline.infra.spool) while the
database is down, and answered with the time they first arrived when replayed."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, request

from hotline.db import utcnow
from hotline.infra import spool
from webhooks.signature import public_url_of_request

# The endpoints whose requests are facts worth keeping (the menus are a live conversation:
# replaying them after the caller hung up would help no one).
SPOOLED_ENDPOINTS = {
    "voice.incoming",
    "voice.fallback",
    "voice.status",
    "voice.queue_result",
    "voice.after_dial",  # the agent's leg: answered (and for how long) or not
    "voice.callback_status",  # a placed callback reached the citizen, or not
    "voice.recorded",
    "voice.rating",
    "sms.inbound",
    "sms.fallback",
    "sms.status",
}


def keep_if_fact() -> bool:
    """Append the current (signed) request to the spool if it carries a fact; True if kept."""
    if request.endpoint not in SPOOLED_ENDPOINTS:
        return False
    spool.keep(
        current_app,
        public_url_of_request(),
        request.form.items(multi=True),
        request.headers.get("X-Twilio-Signature", ""),
        received_at(),
    )
    return True


def replayed() -> bool:
    """True for a request replayed from the spool (never for one a client sent)."""
    return spool.RECEIVED_AT in request.environ


def received_at() -> datetime:
    """When Twilio sent the current request: now, or the original time of a replayed one."""
    value = request.environ.get(spool.RECEIVED_AT)
    return datetime.fromisoformat(value) if value else utcnow()
