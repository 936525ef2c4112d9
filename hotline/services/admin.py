"""Administrative changes, each recorded as an audit event."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.models import AuditEvent
from hotline.refusal import Refusal
from routing.models import IvrOption, Skill, TransferTarget, WrapUpReason
from workorders.services import Actor


class AdminError(Refusal, ValueError):
    """The change is not allowed; the sentence (a Chinese template and its values) says why."""

    kind = "invalid"


def record(
    session: orm.Session,
    actor: Actor,
    entity: str,
    entity_id: str,
    action: str,
    changes: Mapping[str, Any],
    note: str = "",
) -> AuditEvent:
    event = AuditEvent(
        actor=actor.name,
        actor_id=actor.user_id,
        entity=entity,
        entity_id=entity_id,
        action=action,
        changes=dict(changes),
        note=note,
    )
    session.add(event)
    return event


def assign(row: Any, wanted: Mapping[str, Any]) -> dict:
    """Set ``wanted`` on ``row``; returns what changed, as the audit records it."""
    changes = {}
    for name, value in wanted.items():
        before = getattr(row, name)
        if before != value:
            changes[name] = {"from": before, "to": value}
            setattr(row, name, value)
    return changes


def update_menu_option(
    session: orm.Session, option_id: int, values: Mapping[str, Any], actor: Actor
) -> IvrOption:
    """Change a voice-menu option's words, skill, speech keywords or priority (committed)."""
    option = session.get(IvrOption, option_id)
    if option is None:
        raise AdminError("没有编号为 {id} 的菜单选项", id=option_id)
    wanted = dict(values)
    if "label" in wanted and not str(wanted["label"]).strip():
        raise AdminError("请填写选项的普通话名称")
    if option.menu == "main":
        skill = wanted.get("skill_code", option.skill_code)
        if session.get(Skill, skill or "") is None:
            raise AdminError("未知技能组“{code}”", code=skill)
    else:
        wanted.pop("skill_code", None)
    if "priority" in wanted and not 0 <= int(wanted["priority"]) <= 9:
        raise AdminError("优先级须在 0 到 9 之间")
    changes = assign(option, wanted)
    if changes:
        record(session, actor, "ivr_option", f"{option.menu}:{option.digit}", "update", changes)
    session.commit()
    return option


WRAP_UP_CODE = re.compile(r"[a-z][a-z0-9_]{1,31}")


def save_wrap_up_reason(
    session: orm.Session,
    actor: Actor,
    code: str,
    name: str,
    name_en: str = "",
    active: bool = True,
) -> WrapUpReason:
    """Add a wrap-up reason, or rename, retire or bring back one (committed). A retired
    reason stays on the calls that were given it."""
    code = code.strip()
    if not WRAP_UP_CODE.fullmatch(code):
        raise AdminError("代码须以小写字母开头，2–32 位小写字母、数字或 _")
    if not name.strip():
        raise AdminError("请填写中文名称")
    reason = session.get(WrapUpReason, code)
    created = reason is None
    if reason is None:
        last = session.scalar(sa.select(sa.func.max(WrapUpReason.position))) or 0
        reason = WrapUpReason(code=code, name="", name_en="", position=last + 1, active=True)
        session.add(reason)
    changes = assign(reason, {"name": name.strip(), "name_en": name_en.strip(), "active": active})
    if changes:
        record(session, actor, "wrap_up_reason", code, "create" if created else "update", changes)
    session.commit()
    return reason


DIALLABLE = re.compile(r"\+?[0-9]{3,15}")


def save_transfer_target(
    session: orm.Session,
    actor: Actor,
    target_id: int | None,
    name: str,
    name_en: str,
    number: str,
    active: bool = True,
) -> TransferTarget:
    """Add a number to the transfer directory, or change one (committed, audited)."""
    number = "".join(number.split())
    if not DIALLABLE.fullmatch(number):
        raise AdminError("号码须为 3–15 位数字（可带 +）")
    if not name.strip():
        raise AdminError("请填写中文名称")
    clash = session.scalar(sa.select(TransferTarget).where(TransferTarget.number == number))
    target = session.get(TransferTarget, target_id) if target_id else None
    if clash is not None and clash is not target:
        raise AdminError("号码 {number} 已在号码簿中", number=number)
    created = target is None
    if target is None:
        last = session.scalar(sa.select(sa.func.max(TransferTarget.position))) or 0
        target = TransferTarget(name="", name_en="", number=number, position=last + 1)
        session.add(target)
        session.flush()
    wanted = {"name": name.strip(), "name_en": name_en.strip(), "number": number, "active": active}
    changes = assign(target, wanted)
    if changes:
        record(
            session,
            actor,
            "transfer_target",
            str(target.id),
            "create" if created else "update",
            changes,
        )
    session.commit()
    return target


def apply_change(
    session: orm.Session,
    actor: Actor,
    entity: str,
    action: str,
    change: Callable[[orm.Session], tuple[Any, Mapping[str, Any]]],
) -> None:
    """An admin's change to the assignment rules, the calendar or a unit's contacts
    (``change`` makes it and says what changed), recorded and committed."""
    row, changes = change(session)
    if changes:
        key = getattr(row, "id", None) or getattr(row, "code", None) or row.day.isoformat()
        record(session, actor, entity, str(key), action, _plain(changes))
    session.commit()


def _plain(changes: Mapping[str, Any]) -> dict:
    """JSON-ready changes (dates as text)."""
    return {
        name: {k: v.isoformat() if isinstance(v, date) else v for k, v in change.items()}
        for name, change in changes.items()
    }


def recent_events(session: orm.Session, limit: int = 50) -> list[AuditEvent]:
    return list(session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)))
