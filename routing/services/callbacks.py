"""Callbacks and messages: a caller tired of waiting asks to be called back or leaves a
message, and either becomes a callback task in the same queue."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.db import utcnow
from routing.models import Call, CallEvent
from routing.services.agents import set_state
from routing.services.entry import GENERAL_SKILL
from routing.services.locks import FRESH, lock_agent

CALLBACK_PRIORITY = 10


def choose_while_waiting(
    session: orm.Session, call: Call, choice: str, now: datetime | None = None
) -> Call | None:
    """The caller's choice after a long wait: keep waiting, a callback, or a message.

    A callback joins the same queue at once, with priority; a message becomes a callback
    when the recording arrives. Returns the callback task, if one was made.
    """
    if call.status != "queued" or call.wait_choice in ("callback", "message"):
        return None
    call.wait_choice = choice
    if choice == "callback":
        return _callback_task(session, call, now or utcnow())
    return None


def record_message(
    session: orm.Session, call: Call, recording_url: str, now: datetime | None = None
) -> Call | None:
    """A voice message: a callback task that carries the recording (once per call)."""
    existing = session.scalar(
        sa.select(Call).where(Call.parent_call_id == call.id, Call.kind == "callback")
    )
    if existing is not None:
        existing.recording_url = existing.recording_url or recording_url
        return existing
    return _callback_task(session, call, now or utcnow(), recording_url)


def _callback_task(
    session: orm.Session, call: Call, now: datetime, recording_url: str | None = None
) -> Call:
    task = Call(
        call_sid="CB" + secrets.token_hex(16),
        kind="callback",
        parent_call_id=call.id,
        from_number=call.from_number,
        to_number=call.to_number,
        entry=call.entry,
        legacy_line_number=call.legacy_line_number,
        category_hint_code=call.category_hint_code,
        language=call.language,
        skill_code=call.skill_code or GENERAL_SKILL,
        speech_result=call.speech_result,
        status="queued",
        priority=CALLBACK_PRIORITY,
        created_at=now,
        enqueued_at=now,
        recording_url=recording_url,
    )
    session.add(task)
    session.flush()
    return task


def dialled_back(session: orm.Session, task: Call, call_sid: str) -> None:
    """The callback task's outbound call has a real CallSid now."""
    task.call_sid = call_sid


def give_up_callback(
    session: orm.Session,
    task_id: int,
    reason: str,
    now: datetime | None = None,
    end_reason: str | None = None,
) -> None:
    """Close a callback task that cannot be dialled: failed, ``reason`` kept among its
    events (and ``end_reason``, a short label such as the refusal's code, on the task), and
    the agent who took it free again."""
    now = now or utcnow()
    task = session.scalars(
        sa.select(Call).where(Call.id == task_id).with_for_update().execution_options(**FRESH)
    ).one()
    if task.agent_id is not None:
        set_state(session, lock_agent(session, task.agent_id), "available", now)
    task.status, task.agent_id, task.ended_at = "failed", None, now
    if end_reason is not None:
        task.end_reason = end_reason[:32]
    session.add(CallEvent(call_id=task.id, kind="given_up", key="dial", payload={"reason": reason}))
