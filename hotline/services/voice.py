"""The caller's side of a call: one use case per voice webhook, each owning its transaction.

The webhooks parse Twilio's request and render TwiML; these functions decide and commit.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.infra import context, reference
from routing import ivr
from routing import services as routing
from routing.ivr import Phrase
from routing.models import Call
from routing.numberplan import Line, NumberPlan
from workorders.models import Category


def answer_arrival(
    session: orm.Session, call_sid: str, line: Line | None, plan: NumberPlan, first: bool
) -> tuple[Call, Line | None]:
    """The call just recorded, and the merged legacy line it came in on (None: 12345 itself).

    A line's callers go straight to its queue (an English line's in English). A repeated
    delivery (``first`` False) is answered as the first one was, by the line on record.
    """
    call = routing.get_call(session, call_sid)
    assert call is not None  # recorded by this delivery or an earlier one, and never deleted
    if not first:
        line = plan.line(call.legacy_line_number)
    if line is not None:
        if call.status == "ivr" and line.skill_code == "english":
            call.language = "en"
        enqueue(session, call, line.skill_code)
    return call, line


def choose_language(session: orm.Session, call: Call, digits: str | None, delivery: str) -> bool:
    """The caller's key at the language menu: True when done with that menu (a language
    chosen, or the tries used up), False to hear it again."""
    tries, counted = call.menu_attempts, _counts_a_try(session, call, "language", delivery)
    if routing.choose_language(session, call, digits):
        session.commit()
        return True
    retry = ivr.after_wrong_choice(tries, counted)
    # Moving on, the topic menu gives its own tries.
    call.menu_attempts = retry.tries if retry.repeat else 0
    session.commit()
    return not retry.repeat


def choose_topic(
    session: orm.Session, call: Call, digits: str | None, speech: str | None, delivery: str
) -> bool:
    """The caller's key or words at the topic menu: True once the call is in a queue (its
    topic's, or the general one when the tries are used up), False to hear the menu again."""
    tries, counted = call.menu_attempts, _counts_a_try(session, call, "menu", delivery)
    skill_code = routing.choose_topic(session, call, digits, speech, category_phrases(session))
    if skill_code is not None:
        enqueue(session, call, skill_code)
        return True
    retry = ivr.after_wrong_choice(tries, counted)
    call.menu_attempts = retry.tries
    if retry.repeat:
        session.commit()
        return False
    enqueue(session, call, routing.GENERAL_SKILL)
    return True


def _counts_a_try(session: orm.Session, call: Call, menu: str, delivery: str) -> bool:
    """Whether a wrong choice in this request counts as a try: not when it is Twilio's retry
    of one already counted (the same ``delivery``, its I-Twilio-Idempotency-Token)."""
    if not delivery:
        return True
    return routing.apply_event(session, call, menu, delivery, {})


def enqueue(session: orm.Session, call: Call, skill_code: str) -> None:
    """Put the caller in the skill's queue and reserve them an agent if one is free."""
    routing.enqueue_call(session, call, skill_code)
    # Committed before an agent is sought: the caller stays queued even if the reservation
    # (which locks the available agents) fails, and an agent who becomes free meanwhile
    # already sees the call waiting.
    session.commit()
    rules = reference.cache().get("skill_rules", lambda: routing.skill_rules(session))
    routing.route_call(session, call.id, context.router_settings(), rules=rules)
    session.commit()


def category_phrases(session: orm.Session) -> list[Phrase]:
    """The categories' names (Chinese and English) that lead to a skill, as menu phrases."""
    return reference.cache().get("category_phrases", lambda: _category_phrases(session))


def _category_phrases(session: orm.Session) -> list[Phrase]:
    rows = session.execute(
        sa.select(Category.code, Category.name, Category.name_en, Category.skill_code).where(
            Category.skill_code.is_not(None)
        )
    )
    phrases = []
    for code, name, name_en, skill in rows:
        assert skill is not None  # the where clause keeps categories with a skill only
        phrases.append(Phrase(name, skill, code))
        if name_en:
            phrases.append(Phrase(name_en, skill, code))
    return phrases


def choose_while_waiting(session: orm.Session, call: Call, choice: str) -> None:
    """Keep waiting, a callback, or a message: the caller's choice after a long wait."""
    routing.choose_while_waiting(session, call, choice)
    session.commit()


def record_queue_result(
    session: orm.Session, call_sid: str, result: str, queue_seconds: int | None, now: datetime
) -> Call | None:
    """How the caller left the queue (bridged, hung up, chose to leave…), at ``now``."""
    call = routing.record_queue_result(session, call_sid, result, queue_seconds, now)
    session.commit()
    return call


def end_turned_away(session: orm.Session, call_sid: str, now: datetime) -> None:
    """The call came to the fallback URL, heard the apology and was hung up on, at ``now``."""
    routing.end_turned_away(session, call_sid, now)
    session.commit()


def record_message(session: orm.Session, call: Call, recording_url: str, now: datetime) -> None:
    """The caller's voice message: a callback task that carries it."""
    routing.record_message(session, call, recording_url, now=now)
    session.commit()


def record_call_status(session: orm.Session, call_sid: str, status: str, now: datetime) -> None:
    """Twilio's status callback for the caller's leg."""
    routing.record_call_status(session, call_sid, status, now=now)
    session.commit()


def agent_leg_ended(
    session: orm.Session,
    call: Call,
    dial_status: str,
    caller_on_line: bool,
    talk_seconds: int | None,
    now: datetime,
    leg_agent_id: int | None = None,
) -> Call:
    """The agent's leg (the one dialling ``leg_agent_id``) ended. Answered: the call counts
    as answered since the agent picked up, and ends (the caller may stay on to rate the
    service). Not answered: the caller goes back to the head of the queue (or is gone) and
    the agent is set not ready; another agent is then sought."""
    if dial_status in routing.LEG_CONNECTED:
        routing.agent_leg_answered(session, call.id, now, talk_seconds, leg_agent_id)
        session.commit()
        return call
    if dial_status in routing.LEG_MISSED:
        settings = context.router_settings()
        routing.agent_leg_missed(
            session, call.id, dial_status, caller_on_line, settings, now, leg_agent_id
        )
        session.commit()
        if call.status == "queued":
            routing.route_call(session, call.id, settings, now)
            session.commit()
    return call


def agent_leg_known(
    session: orm.Session, call_id: int, agent_id: int, leg_sid: str, now: datetime
) -> None:
    """The agent picked up the bridge's dial: the call is answered, and the sid of their leg
    is kept for a warm transfer."""
    routing.agent_leg_known(session, call_id, agent_id, leg_sid, now)
    session.commit()


def consulted_call_ended(
    session: orm.Session, call: Call, consult_sid: str, status: str, now: datetime
) -> None:
    """The call placed to a party an agent consulted ended (``status``)."""
    if status in routing.FINAL_STATUSES:
        routing.consulted_call_ended(session, call.id, consult_sid, status, now)
        session.commit()


def record_callback_status(
    session: orm.Session, call_id: int, attempt: int, status: str, now: datetime
) -> None:
    """A placed callback's final status: answered, or to be tried again, or unreached."""
    routing.record_callback_status(
        session, call_id, attempt, status, context.router_settings(), now
    )
    session.commit()


def record_rating(session: orm.Session, call_sid: str, digits: str | None) -> None:
    """The caller's rating of the service (1 to 3)."""
    routing.record_rating(session, call_sid, digits)
    session.commit()
