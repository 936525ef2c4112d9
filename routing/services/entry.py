"""Entry and menu: recording an arriving call, the language and topic menus, the queue."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import cast

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.dialects import postgresql, sqlite

from hotline.db import utcnow
from routing import acd
from routing.ivr import Phrase, match_speech
from routing.models import Call, IvrOption, LegacyLine, Skill
from routing.numberplan import Line, NumberPlan, normalize_number

GENERAL_SKILL = acd.GENERAL_SKILL
URGENT_PRIORITY = 5


def number_plan(db: orm.Session | sa.Connection) -> NumberPlan:
    """The number plan as the database holds it (callers may keep it a while: see
    ``hotline.infra.reference``)."""
    columns = (
        LegacyLine.number,
        LegacyLine.name,
        LegacyLine.skill_code,
        LegacyLine.default_category_code,
    )
    return NumberPlan(Line(*row) for row in db.execute(sa.select(*columns)))


def record_arrival(
    db: orm.Session | sa.Connection,
    *,
    call_sid: str,
    from_number: str,
    to_number: str,
    forwarded_from: str | None,
    line: Line | None,
    now: datetime | None = None,
) -> bool:
    """Record a new inbound call in one statement; False if ``call_sid`` is already recorded.

    ``INSERT … ON CONFLICT (call_sid) DO NOTHING``: a webhook delivered twice, even twice at
    once, records the call once and neither delivery fails. On an autocommit connection it
    is a single round trip to the database.
    """
    values: dict[str, object] = {
        "call_sid": call_sid,
        "kind": "inbound",
        # Numbers are kept to their column's 32 characters: a SIP address or whatever else
        # a carrier sends must not stop the call.
        "from_number": (normalize_number(from_number) or from_number)[:32],
        "to_number": (normalize_number(to_number) or to_number)[:32],
        "forwarded_from": normalize_number(forwarded_from)[:32] or None,
        "entry": "legacy" if line else "main",
        "legacy_line_number": line.number if line else None,
        "category_hint_code": line.default_category_code if line else None,
        "language": "zh",
        "status": "ivr",
        "priority": 0,
        "menu_attempts": 0,
        "declined_agent_ids": [],
        "created_at": now or utcnow(),
    }
    dialect = db.dialect if isinstance(db, sa.Connection) else db.get_bind().dialect
    return db.execute(_ARRIVALS[dialect.name], values).scalar() is not None


# Built once, so that each arrival reuses the compiled statement. A declarative class's
# __table__ is a Table, though the base class declares only a FromClause.
_CALLS = cast(sa.Table, Call.__table__)
_ARRIVALS = {
    name: dialect_insert(_CALLS)
    .on_conflict_do_nothing(index_elements=["call_sid"])
    .returning(_CALLS.c.id)
    for name, dialect_insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}


def get_call(session: orm.Session, call_sid: str) -> Call | None:
    return session.scalar(sa.select(Call).where(Call.call_sid == call_sid))


def menu_options(session: orm.Session, menu: str = "main") -> list[IvrOption]:
    """The options of a menu as they are read out: 1 to 9, then 0."""
    options = session.scalars(sa.select(IvrOption).where(IvrOption.menu == menu))
    return sorted(options, key=lambda o: (o.digit == "0", o.digit))


def choose_language(session: orm.Session, call: Call, digits: str | None) -> bool:
    """Set the caller's language from the language menu; False (a try counted) if no match."""
    option = _option(session, "language", digits)
    if option is None or not option.language:
        call.menu_attempts += 1
        return False
    call.language = option.language
    call.menu_attempts = 0
    return True


def choose_topic(
    session: orm.Session,
    call: Call,
    digits: str | None,
    speech: str | None,
    category_phrases: Iterable[Phrase] = (),
) -> str | None:
    """The skill of the topic chosen by digit, or by speech matched to menu keywords and
    category names.

    The speech is kept on the call for the agent. None (and a try counted) when neither fits.
    """
    option = _option(session, "main", digits)
    if option is not None and option.skill_code:
        call.priority = max(call.priority, option.priority)
        return option.skill_code
    if speech:
        call.speech_result = speech.strip()[:2000]
        options = menu_options(session)
        phrases = [
            Phrase(keyword, o.skill_code)
            for o in options
            if o.skill_code
            for keyword in (*o.keywords, o.label, o.label_yue, o.label_en)
            if keyword
        ]
        match = match_speech(speech, [*phrases, *category_phrases])
        if match is not None:
            if match.category_code:
                call.category_hint_code = match.category_code
            # Saying a topic is as good as pressing its digit, priority included.
            chosen = next((o for o in options if o.skill_code == match.skill_code), None)
            if chosen is not None:
                call.priority = max(call.priority, chosen.priority)
            return match.skill_code
    call.menu_attempts += 1
    return None


def _option(session: orm.Session, menu: str, digits: str | None) -> IvrOption | None:
    if not digits:
        return None
    return session.scalar(
        sa.select(IvrOption).where(IvrOption.menu == menu, IvrOption.digit == digits.strip()[:1])
    )


def enqueue_call(
    session: orm.Session, call: Call, skill_code: str, now: datetime | None = None
) -> None:
    """Put the call in its skill's queue (again delivered webhooks change nothing)."""
    if call.status != "ivr":
        return
    call.skill_code = skill_code if session.get(Skill, skill_code) else GENERAL_SKILL
    call.status = "queued"
    call.enqueued_at = now or utcnow()
