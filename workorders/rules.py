"""What admins edit for work orders: assignment rules, the calendar, units' contacts.

Each function returns the changed row and what changed, for the caller's audit trail.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from workorders.errors import InvalidRule
from workorders.models import AssignmentRule, CalendarDay, Category, Unit

Changes = dict[str, Any]
PHONE = re.compile(r"\+?[0-9-]{5,20}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def list_rules(session: orm.Session) -> list[AssignmentRule]:
    """Every rule, active or not, in the order they are tried."""
    query = sa.select(AssignmentRule).order_by(AssignmentRule.position, AssignmentRule.id)
    return list(session.scalars(query))


def add_rule(
    session: orm.Session,
    *,
    unit_code: str,
    category_code: str | None = None,
    district_code: str | None = None,
    street_code: str | None = None,
    co_unit_codes: Sequence[str] = (),
    position: int = 100,
    note: str = "",
) -> tuple[AssignmentRule, Changes]:
    """A new rule: orders of the category and/or place go to ``unit_code`` (and co-units)."""
    category_code = category_code or None
    district_code = district_code or None
    street_code = street_code or None
    if not (category_code or district_code or street_code):
        raise InvalidRule("规则须指定分类、区或街道中的至少一项")
    if category_code is not None:
        category = session.get(Category, category_code)
        if category is None or not category.is_leaf:
            raise InvalidRule("未知的分类“{code}”", code=category_code)
    _unit(session, district_code, "district")
    street = _unit(session, street_code, "street")
    if street is not None and district_code is not None and street.parent_code != district_code:
        raise InvalidRule(
            "街道 {street} 不属于 {district}", street=street_code, district=district_code
        )
    lead = _unit(session, unit_code or None)
    if lead is None:
        raise InvalidRule("规则须指定承办单位")
    co_units = [c.strip() for c in co_unit_codes if c.strip() and c.strip() != lead.code]
    for code in co_units:
        _unit(session, code)
    if not 0 <= position <= 9999:
        raise InvalidRule("顺序须在 0 到 9999 之间")
    rule = AssignmentRule(
        position=position,
        category_code=category_code,
        district_code=district_code,
        street_code=street_code,
        unit_code=lead.code,
        co_unit_codes=list(dict.fromkeys(co_units)),
        note=note.strip()[:200],
        active=True,
    )
    session.add(rule)
    session.flush()
    changes = {
        name: {"from": None, "to": getattr(rule, name)}
        for name in (
            "position",
            "category_code",
            "district_code",
            "street_code",
            "unit_code",
            "co_unit_codes",
            "note",
        )
    }
    return rule, changes


def set_rule_active(
    session: orm.Session, rule_id: int, active: bool
) -> tuple[AssignmentRule, Changes]:
    rule = _rule(session, rule_id)
    changes = {} if rule.active == active else {"active": {"from": rule.active, "to": active}}
    rule.active = active
    return rule, changes


def delete_rule(session: orm.Session, rule_id: int) -> tuple[AssignmentRule, Changes]:
    """Remove a rule; the returned changes keep what it said."""
    rule = _rule(session, rule_id)
    changes = {
        "unit_code": {"from": rule.unit_code, "to": None},
        "category_code": {"from": rule.category_code, "to": None},
        "district_code": {"from": rule.district_code, "to": None},
        "street_code": {"from": rule.street_code, "to": None},
        "co_unit_codes": {"from": rule.co_unit_codes, "to": None},
    }
    session.delete(rule)
    session.flush()
    return rule, changes


def set_calendar_day(
    session: orm.Session, day: date, working: bool, note: str = ""
) -> tuple[CalendarDay, Changes]:
    """Make ``day`` a holiday (working=False) or a make-up working day (working=True)."""
    note = note.strip()[:80]
    row = session.get(CalendarDay, day)
    if row is None:
        row = CalendarDay(day=day, working=working, note=note)
        session.add(row)
        return row, {"working": {"from": None, "to": working}, "note": {"from": None, "to": note}}
    changes = {
        name: {"from": getattr(row, name), "to": value}
        for name, value in (("working", working), ("note", note))
        if getattr(row, name) != value
    }
    row.working, row.note = working, note
    return row, changes


def remove_calendar_day(session: orm.Session, day: date) -> tuple[CalendarDay, Changes]:
    """The day follows the ordinary week again."""
    row = session.get(CalendarDay, day)
    if row is None:
        raise InvalidRule("{day} 本来就按平常安排", day=day.isoformat())
    session.delete(row)
    return row, {"working": {"from": row.working, "to": None}}


def set_unit_contact(
    session: orm.Session, unit_code: str, phone: str, email: str
) -> tuple[Unit, Changes]:
    """Where the unit is told of its orders: a mobile phone (texts), else an e-mail."""
    unit = _unit(session, unit_code)
    if unit is None:
        raise InvalidRule("请选择单位")
    contact_phone = phone.strip() or None
    contact_email = email.strip() or None
    if contact_phone is not None and not PHONE.fullmatch(contact_phone):
        raise InvalidRule("“{phone}”不是电话号码", phone=contact_phone)
    if contact_email is not None and not EMAIL.fullmatch(contact_email):
        raise InvalidRule("“{email}”不是电子邮件地址", email=contact_email)
    changes = {
        name: {"from": getattr(unit, name), "to": value}
        for name, value in (("contact_phone", contact_phone), ("contact_email", contact_email))
        if getattr(unit, name) != value
    }
    unit.contact_phone, unit.contact_email = contact_phone, contact_email
    return unit, changes


def _rule(session: orm.Session, rule_id: int) -> AssignmentRule:
    rule = session.get(AssignmentRule, rule_id)
    if rule is None:
        raise InvalidRule("没有编号为 {id} 的派单规则", id=rule_id)
    return rule


def _unit(session: orm.Session, code: str | None, kind: str | None = None) -> Unit | None:
    if code is None:
        return None
    unit = session.get(Unit, code)
    if unit is None or not unit.active or (kind is not None and unit.kind != kind):
        if kind == "district":
            raise InvalidRule("未知的区“{code}”", code=code)
        if kind == "street":
            raise InvalidRule("未知的街道“{code}”", code=code)
        raise InvalidRule("未知或已停用的单位“{code}”", code=code)
    return unit
