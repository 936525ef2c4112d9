"""Background jobs of texts: sending each outbound text once. Each takes ids, reloads its
rows, and is safe to run again."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from hotline.db import utcnow
from hotline.infra import context, jobs
from hotline.infra.database import new_session
from hotline.infra.gateway import GatewayError
from routing import messaging
from routing.errors import InvalidNumber
from routing.messaging import Message

# A claim on a text lasts as long as the job may run; after it, the sender is presumed dead.
SEND_LEASE = timedelta(seconds=jobs.JOBS["send_text"].timeout)


class StillSending(Exception):
    """Another attempt claimed this text moments ago; the job is retried later."""


def _attempt_id() -> str | None:
    """The rq job running now (its retries keep the id), or None in-process."""
    from rq import get_current_job

    job = get_current_job()
    return job.id if job is not None else None


def send_text(message_id: int) -> None:
    """Send a queued text through the gateway exactly once.

    The text is claimed (status ``sending``) in its own transaction before the gateway is
    called. A job killed after the gateway accepted the text leaves that claim behind: its
    retry asks the gateway whether the text went out and records it instead of sending it
    again. Twilio may report delivery before it answers: the callback URL names this message,
    so that report records the sid and its status at once, and the answer below keeps both.
    """
    gateway = context.gateway()
    now = utcnow()
    with new_session() as session:
        message = session.get(Message, message_id, with_for_update=True)
        if message is None or message.sid is not None or message.direction != "out":
            return
        if message.status not in ("queued", "sending"):
            return
        conversation = message.conversation
        if not messaging.may_send(conversation, message):
            message.status, message.error = "failed", messaging.OPTED_OUT
            return
        attempt = _attempt_id()
        if message.status == "sending":
            # A retry of the very job that claimed it follows that job's end; anyone else
            # waits for the claim to lapse.
            retried = attempt is not None and message.claimed_by == attempt
            recent = message.claimed_at is not None and now - message.claimed_at < SEND_LEASE
            # A claim by a job whose worker died (killed whole) lapses at once.
            if recent and not retried and jobs.still_running(message.claimed_by):
                raise StillSending(f"text {message_id} is being sent by another attempt")
            # An earlier attempt died after claiming: did its text get through?
            sid = gateway.find_sms(conversation.phone, message.body, message.created_at)
            if sid is not None:
                message.sid, message.status, message.error = sid, "sent", ""
                return
        message.status, message.claimed_at, message.claimed_by = "sending", now, attempt
        message.attempts += 1
        phone, body = conversation.phone, message.body
    # The callback names our row: a delivery report that comes before Twilio's answer (and
    # so before the sid is recorded below) still finds its text (messaging.record_status).
    callback = context.status_callback(f"/twilio/sms/status?message={message_id}")
    try:
        sid = gateway.send_sms(phone, body, status_callback=callback)
    except InvalidNumber as refused:
        # Refused before Twilio saw it, and would be every time: failed for good, saying why.
        with new_session() as session:
            messaging.refuse(session, message_id, str(refused))
        return
    except GatewayError as exc:
        if exc.permanent:
            # Twilio would refuse it again every time: failed for good, saying why, and the
            # job done. A recipient who texted STOP to Twilio is opted out here as well.
            with new_session() as session:
                messaging.refuse(session, message_id, exc.reason, opted_out=exc.recipient_opted_out)
            return
        # A passing refusal (too many requests, an error on Twilio's side): queued again,
        # and the job retried with back-off.
        with new_session() as session:
            session.execute(
                sa.update(Message)
                .where(Message.id == message_id, Message.status == "sending")
                .values(status="queued", claimed_at=None, error=exc.reason[:200])
            )
        raise
    with new_session() as session:
        session.execute(
            sa.update(Message)
            .where(Message.id == message_id)
            .values(
                sid=sid,
                # A delivery callback may already have moved it on.
                status=sa.case((Message.status == "sending", "sent"), else_=Message.status),
                error="",
            )
        )
