"""A work order's history as its page tells it: each step with who took it (by name), when
(local time), what it did in words, where it sent the order and how it moved the deadline."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from hotline.infra.database import get_session
from hotline.models import User
from hotline.views.render.i18n import t
from hotline.views.render.names import LOCAL, actor_name, assignment_reason, unit_name
from workorders.models import WorkOrder

# The steps that make a unit responsible and start the deadlines afresh.
DISPATCHES = ("dispatch", "determine", "reopen")
# Who acts without a login, by the prefix of the name recorded (trail.Actor).
ACTOR_KINDS = {
    "sms": "市民（短信）",
    "open311": "市民（网上诉求）",
    "token": "单位系统",
}


# The notes the hotline writes itself (in English, for the trail), said in the page's language.
SATISFACTIONS = ("satisfied", "basically_satisfied", "unsatisfied", "no_answer", "no_response")
NOTES = {
    "satisfaction survey texted to the citizen": "已向市民发送满意度回访短信",
}
EXTENSION_ASKED = re.compile(r"^\+(?P<days>\d+) working days: (?P<note>.*)$", re.S)
EXTENSION_DECIDED = re.compile(r"^(?P<days>\d+) working days (?P<state>approved|denied)$")


@dataclass(frozen=True)
class Step:
    at: datetime
    local: str
    actor: str
    action: str
    label: str
    from_status: str
    to_status: str
    unit: str
    note: str
    deadline_before: datetime | None
    deadline_after: datetime | None


def order_timeline(order: WorkOrder) -> list[Step]:
    """The order's events, oldest first, each said in the page's language."""
    events = sorted(order.events, key=lambda event: (event.at, event.id or 0))
    names = _display_names({e.actor_id for e in events if e.actor_id is not None})
    changes = _deadline_changes(order, events)
    steps = []
    for event in events:
        local = event.at.astimezone(LOCAL)
        before, after = changes.get(id(event), (None, None))
        steps.append(
            Step(
                at=event.at,
                local=local.strftime("%Y-%m-%d %H:%M"),
                actor=names.get(event.actor_id or 0) or say_actor(event.actor),
                action=event.action,
                label=t(f"action:{event.action}"),
                from_status=t(event.from_status) if event.from_status else "",
                to_status=t(event.to_status),
                unit=unit_name(event.unit_code) if event.action in DISPATCHES else "",
                note=say_note(event.note),
                deadline_before=before,
                deadline_after=after,
            )
        )
    return steps


def isotime(value: datetime | None) -> str:
    """A moment for a ``<time datetime>``: local time with its offset (+08:00)."""
    return value.astimezone(LOCAL).isoformat(timespec="seconds") if value else ""


def say_actor(actor: str) -> str:
    """Who acted, when no login of ours: the hotline itself, a citizen, a unit's system."""
    kind, _, rest = actor.partition(":")
    if rest and kind in ACTOR_KINDS:
        return t(ACTOR_KINDS[kind]) if kind == "sms" else f"{t(ACTOR_KINDS[kind])} {rest}"
    if actor == "cli":
        return t("系统")
    return actor_name(actor)


def say_note(note: str) -> str:
    """A step's note: the citizen's or a person's words as written, the hotline's own in words."""
    if note in SATISFACTIONS:
        return t(note)
    if note in NOTES:
        return t(NOTES[note])
    asked = EXTENSION_ASKED.match(note or "")
    if asked:
        return t("延期 {days} 个工作日：{note}").format(**asked.groupdict())
    decided = EXTENSION_DECIDED.match(note or "")
    if decided:
        return t(f"extension:{decided['state']}") + f" +{decided['days']}"
    return assignment_reason(note)


def _display_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = get_session().execute(
        sa.select(User.id, User.display_name, User.username).where(User.id.in_(ids))
    )
    return {user_id: display or username for user_id, display, username in rows}


def _deadline_changes(order: WorkOrder, events) -> dict[int, tuple[datetime | None, datetime]]:
    """How each step moved the reply deadline. Each event keeps the deadline in force after
    it (since migration 0019): a step whose deadline differs from the one before it set or
    moved it. For the events recorded before, what the order tells: an approved extension
    keeps the deadline before and after it, and a dispatch set the one in force until the
    next extension (the order's own, for the latest)."""
    changes = _derived_changes(order, events)
    previous = None
    for event in events:
        if event.reply_deadline is None:
            previous = changes.get(id(event), (None, previous))[1]
            continue
        if _minute(event.reply_deadline) != _minute(previous):
            changes[id(event)] = (previous, event.reply_deadline)
        else:
            changes.pop(id(event), None)
        previous = event.reply_deadline
    return changes


def _minute(value: datetime | None) -> datetime | None:
    """A deadline as the page shows it: two a few seconds apart are the same deadline."""
    return value.replace(second=0, microsecond=0) if value else None


def _derived_changes(order: WorkOrder, events) -> dict[int, tuple[datetime | None, datetime]]:
    approved = {
        extension.decided_at: extension
        for extension in order.extensions
        if extension.state == "approved" and extension.new_deadline is not None
    }
    known = order.reply_deadline
    changes: dict[int, tuple[datetime | None, datetime]] = {}
    for event in reversed(events):
        extension = approved.get(event.at) if event.action == "approve_extension" else None
        if extension is not None and extension.new_deadline is not None:
            changes[id(event)] = (extension.previous_deadline, extension.new_deadline)
            known = extension.previous_deadline
        elif event.action in DISPATCHES:
            if known is not None:
                changes[id(event)] = (None, known)
            known = None
    return changes
