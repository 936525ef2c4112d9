"""The call router's data: skills, the number plan, the IVR menu, agents and calls."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.db import Base, UTCDateTime, utcnow

AGENT_STATES = ("offline", "available", "reserved", "on_call", "wrap_up", "break")
CALL_STATUSES = (
    "ivr",
    "queued",
    "connected",
    "completed",
    "abandoned",
    "failed",
    "left",
    "scheduled",  # a callback waiting for its next attempt (retry_at)
    "unreached",  # a callback whose every attempt went unanswered
)
CALL_KINDS = ("inbound", "callback")
LANGUAGES = ("zh", "yue", "en")


class Skill(Base):
    """A queue of calls that a group of agents is trained to answer."""

    __tablename__ = "skills"

    code: orm.Mapped[str] = orm.mapped_column(sa.String(40), primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(80))
    name_en: orm.Mapped[str] = orm.mapped_column(sa.String(80), default="")
    # After this wait a call may go to agents of the secondary skills; after twice this
    # wait, to any agent.
    overflow_after_seconds: orm.Mapped[int] = orm.mapped_column(default=60)
    overflow_skills: orm.Mapped[list[str]] = orm.mapped_column(sa.JSON, default=list)


class LegacyLine(Base):
    """One of the department hotlines merged into 12345; calls to it skip the menu."""

    __tablename__ = "legacy_lines"

    number: orm.Mapped[str] = orm.mapped_column(sa.String(32), primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(120))
    unit_code: orm.Mapped[str] = orm.mapped_column(sa.ForeignKey("units.code"))
    default_category_code: orm.Mapped[str | None] = orm.mapped_column(
        sa.ForeignKey("categories.code")
    )
    skill_code: orm.Mapped[str] = orm.mapped_column(sa.ForeignKey("skills.code"))


class WrapUpReason(Base):
    """What became of a call, chosen by the agent in wrap-up (editable reference data)."""

    __tablename__ = "wrap_up_reasons"

    code: orm.Mapped[str] = orm.mapped_column(sa.String(32), primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(80))
    name_en: orm.Mapped[str] = orm.mapped_column(sa.String(80), default="")
    position: orm.Mapped[int] = orm.mapped_column(default=0)
    active: orm.Mapped[bool] = orm.mapped_column(default=True)


class TransferTarget(Base):
    """An outside number an agent may transfer a caller to (110, 119, a department's desk)."""

    __tablename__ = "transfer_directory"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(80))
    name_en: orm.Mapped[str] = orm.mapped_column(sa.String(80), default="")
    number: orm.Mapped[str] = orm.mapped_column(sa.String(32), unique=True)
    position: orm.Mapped[int] = orm.mapped_column(default=0)
    active: orm.Mapped[bool] = orm.mapped_column(default=True)


class IvrOption(Base):
    """A choice in a voice menu: the digit, what is said, and where it leads.

    The ``language`` menu's options set the caller's language; the ``main`` menu's options
    lead to a skill, by digit or by speech (``keywords`` are the speech hints).
    """

    __tablename__ = "ivr_options"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    menu: orm.Mapped[str] = orm.mapped_column(sa.String(32), default="main")
    digit: orm.Mapped[str] = orm.mapped_column(sa.String(1))
    label: orm.Mapped[str] = orm.mapped_column(sa.String(80))
    label_yue: orm.Mapped[str] = orm.mapped_column(sa.String(80), default="")
    label_en: orm.Mapped[str] = orm.mapped_column(sa.String(80), default="")
    skill_code: orm.Mapped[str | None] = orm.mapped_column(sa.ForeignKey("skills.code"))
    language: orm.Mapped[str | None] = orm.mapped_column(sa.String(8))
    keywords: orm.Mapped[list[str]] = orm.mapped_column(sa.JSON, default=list)
    priority: orm.Mapped[int] = orm.mapped_column(default=0)

    def label_in(self, language: str) -> str:
        return {"yue": self.label_yue, "en": self.label_en}.get(language) or self.label

    __table_args__ = (sa.UniqueConstraint("menu", "digit"),)


class Agent(Base):
    __tablename__ = "agents"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    user_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("users.id"), unique=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(80))
    client_name: orm.Mapped[str] = orm.mapped_column(sa.String(64), unique=True)
    languages: orm.Mapped[str] = orm.mapped_column(sa.String(32), default="zh")
    state: orm.Mapped[str] = orm.mapped_column(sa.String(16), default="offline", index=True)
    state_since: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime, default=utcnow)
    state_reason: orm.Mapped[str] = orm.mapped_column(sa.String(32), default="")
    # Where the bridge rings an agent who works from a phone (an E.164 number or a sip:
    # URI) instead of the browser client; None rings the browser.
    phone: orm.Mapped[str | None] = orm.mapped_column(sa.String(200))

    skills: orm.Mapped[list[AgentSkill]] = orm.relationship(
        back_populates="agent", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.CheckConstraint(sa.column("state").in_(AGENT_STATES), name="state"),)


class AgentSkill(Base):
    __tablename__ = "agent_skills"

    agent_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("agents.id"), primary_key=True)
    skill_code: orm.Mapped[str] = orm.mapped_column(sa.ForeignKey("skills.code"), primary_key=True)
    level: orm.Mapped[int] = orm.mapped_column(default=1)

    agent: orm.Mapped[Agent] = orm.relationship(back_populates="skills")


class Call(Base):
    """One inbound call, from the first webhook to its end."""

    __tablename__ = "calls"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    call_sid: orm.Mapped[str] = orm.mapped_column(sa.String(64), unique=True)
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(16), default="inbound")
    parent_call_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("calls.id"), index=True
    )
    from_number: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    to_number: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    forwarded_from: orm.Mapped[str | None] = orm.mapped_column(sa.String(32))
    entry: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    legacy_line_number: orm.Mapped[str | None] = orm.mapped_column(
        sa.ForeignKey("legacy_lines.number")
    )
    category_hint_code: orm.Mapped[str | None] = orm.mapped_column(sa.ForeignKey("categories.code"))
    language: orm.Mapped[str] = orm.mapped_column(sa.String(8), default="zh")
    skill_code: orm.Mapped[str | None] = orm.mapped_column(sa.ForeignKey("skills.code"))
    status: orm.Mapped[str] = orm.mapped_column(sa.String(16), index=True)
    priority: orm.Mapped[int] = orm.mapped_column(default=0)
    menu_attempts: orm.Mapped[int] = orm.mapped_column(default=0)
    speech_result: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    agent_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("agents.id"), index=True)
    reserved_agent_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("agents.id"), index=True
    )
    reservation_expires_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)
    declined_agent_ids: orm.Mapped[list[int]] = orm.mapped_column(sa.JSON, default=list)
    wait_choice: orm.Mapped[str | None] = orm.mapped_column(sa.String(16))
    recording_url: orm.Mapped[str | None] = orm.mapped_column(sa.String(400))
    queue_result: orm.Mapped[str | None] = orm.mapped_column(sa.String(32))
    queue_seconds: orm.Mapped[int | None]
    wrap_up_seconds: orm.Mapped[int | None]
    # What the agent said became of the call when leaving wrap-up (None: not said, or the
    # wrap-up limit ended it).
    wrap_up_code: orm.Mapped[str | None] = orm.mapped_column(sa.ForeignKey("wrap_up_reasons.code"))
    # A transfer: what the agent who passed the call on wrote for the next one, how many
    # times it was passed on, and the outside number it went to (then it ended here).
    transfer_note: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    transfers: orm.Mapped[int] = orm.mapped_column(default=0, server_default="0")
    transferred_to: orm.Mapped[str | None] = orm.mapped_column(sa.String(32))
    # On hold since (the caller hears the hold message, the agent's leg is ended), and how
    # long the caller was held in all.
    held_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)
    hold_seconds: orm.Mapped[int] = orm.mapped_column(default=0, server_default="0")
    # The agent's own leg (Twilio's child call of the bridge's <Dial>, or the consulted
    # party's call once a warm transfer put them through), so that it can be moved.
    agent_leg_sid: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    # The caller talks in the call's conference room (a warm transfer put them there), not
    # through the bridge's <Dial> of one agent.
    in_room: orm.Mapped[bool] = orm.mapped_column(default=False, server_default=sa.false())
    # A warm transfer under way: the caller waits in the call's conference while the agent
    # talks to a colleague (consult_agent_id) or an outside number (consult_number) on the
    # call Twilio placed to them (consult_sid).
    consult_agent_id: orm.Mapped[int | None]
    consult_number: orm.Mapped[str | None] = orm.mapped_column(sa.String(32))
    consult_sid: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    rating: orm.Mapped[int | None]
    created_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime, default=utcnow, index=True)
    enqueued_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime, index=True)
    answered_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)
    ended_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)
    resolution: orm.Mapped[str | None] = orm.mapped_column(sa.String(16))
    # Callback tasks: calls placed to the citizen so far, and when the next one is due.
    attempts: orm.Mapped[int] = orm.mapped_column(default=0, server_default="0")
    retry_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)
    # Why the call ended when nobody hung up on it (Twilio no longer knew it, unreached…).
    end_reason: orm.Mapped[str | None] = orm.mapped_column(sa.String(32))
    kb_article_id: orm.Mapped[str | None] = orm.mapped_column(sa.ForeignKey("kb_articles.id"))

    __table_args__ = (
        sa.CheckConstraint(sa.column("status").in_(CALL_STATUSES), name="status"),
        sa.Index("ix_calls_status_enqueued_at", "status", "enqueued_at"),
    )


class CallEvent(Base):
    """A webhook event applied to a call; the unique key makes a repeated delivery a no-op."""

    __tablename__ = "call_events"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    call_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("calls.id"), index=True)
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    key: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime, default=utcnow)
    payload: orm.Mapped[dict] = orm.mapped_column(sa.JSON, default=dict)

    __table_args__ = (sa.UniqueConstraint("call_id", "kind", "key"),)


class AgentStateChange(Base):
    """An agent's state over time: one row per spell, closed when the next begins."""

    __tablename__ = "agent_state_changes"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    agent_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("agents.id"), index=True)
    state: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    reason: orm.Mapped[str] = orm.mapped_column(sa.String(32), default="")
    started_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime, index=True)
    ended_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime, index=True)


class CallHourRollup(Base):
    """What the call figures of one settled hour are made of (``metrics.CallTally``), for one
    short-abandon time and service-level target. An hour is settled once no call offered in
    it can change any more (ended, its callbacks done): the reports read these rows for such
    hours and count the calls of the others. Kept by the reports job and `hotline reports
    rollup`; a rebuild replaces them."""

    __tablename__ = "call_hour_rollups"

    # The hour's start (UTC, on the hour): local days are whole hours in every time zone
    # the hotline is meant for.
    hour: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime, primary_key=True)
    short_abandon_seconds: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    service_level_seconds: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    offered: orm.Mapped[int] = orm.mapped_column(default=0)
    answered: orm.Mapped[int] = orm.mapped_column(default=0)
    abandoned: orm.Mapped[int] = orm.mapped_column(default=0)
    short_abandoned: orm.Mapped[int] = orm.mapped_column(default=0)
    callbacks_requested: orm.Mapped[int] = orm.mapped_column(default=0)
    answered_within_target: orm.Mapped[int] = orm.mapped_column(default=0)
    resolved_first_contact: orm.Mapped[int] = orm.mapped_column(default=0)
    callbacks_unreached: orm.Mapped[int] = orm.mapped_column(default=0)
    waits: orm.Mapped[int] = orm.mapped_column(default=0)
    wait_seconds: orm.Mapped[float] = orm.mapped_column(sa.Float, default=0.0)
    handles: orm.Mapped[int] = orm.mapped_column(default=0)
    handle_seconds: orm.Mapped[float] = orm.mapped_column(sa.Float, default=0.0)
    computed_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime, default=utcnow)
