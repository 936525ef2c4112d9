"""Names, never codes, on screens: units (districts, streets, departments), categories, skills
and channels in the page's language (units, categories and skills loaded once per request),
and spans of time said in words."""

from __future__ import annotations

import functools
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import g
from pypinyin import lazy_pinyin

from hotline.db import TIMEZONE, utcnow
from hotline.infra.database import get_session
from hotline.views.render.i18n import current_language, t
from routing.models import Skill
from workorders.models import Category, Unit
from workorders.reports import NO_DISTRICT
from workorders.services.trail import SYSTEM

LOCAL = ZoneInfo(TIMEZONE)


def _names(model) -> dict[str, tuple[str, str]]:
    key = f"names_{model.__tablename__}"
    if key not in g:
        rows = get_session().execute(sa.select(model.code, model.name, model.name_en))
        setattr(g, key, {code: (name, name_en) for code, name, name_en in rows})
    return getattr(g, key)


def _say(names: dict[str, tuple[str, str]], code: str | None) -> str:
    if not code:
        return ""
    name, name_en = names.get(code, (code, ""))
    return name_en if current_language() == "en" and name_en else name


@functools.lru_cache(maxsize=4096)
def category_keys(name: str) -> str:
    """What a category may be found by besides its name: its pinyin, whole and as initials
    (养老保险 → "yanglaobaoxian ylbx")."""
    syllables = [s for s in lazy_pinyin(name, errors="ignore") if s.isalpha()]
    return f"{''.join(syllables)} {''.join(s[0] for s in syllables)}"


def unit_name(code: str | None) -> str:
    return _say(_names(Unit), code)


def category_name(code: str | None) -> str:
    return _say(_names(Category), code)


def skill_name(code: str | None) -> str:
    return _say(_names(Skill), code)


def skill_names() -> dict[str, str]:
    """Every skill's name by its code, for the scripts that show the queues."""
    return {code: skill_name(code) for code in _names(Skill)}


# The languages a caller may choose in the voice menu.
LANGUAGE_NAMES = {"zh": "普通话", "yue": "粤语", "en": "英语"}


def language_name(code: str | None) -> str:
    return t(LANGUAGE_NAMES.get(code, code)) if code else ""


def actor_name(actor: str) -> str:
    """Who did something: a person by the name recorded, the hotline's own jobs as "system"."""
    return t("系统") if actor == SYSTEM.name else actor


def channel_name(code: str | None) -> str:
    """How an order came in (phone, text, an agent's form, an API), in the page's language."""
    return t(f"channel:{code}") if code else ""


def figure_name(by: str, key: str) -> str:
    """The name of a row of the report figures grouped ``by`` unit, district, category,
    channel, day or month (whose key is its name)."""
    if by == "district" and not key:
        return t(NO_DISTRICT)
    if by in ("unit", "district"):
        return unit_name(key)
    if by == "category":
        return category_name(key)
    if by == "channel":
        return channel_name(key)
    return key


def duration(seconds: int) -> str:
    """A span of time in the page's language, to the hour past a day, else to the minute."""
    days, rest = divmod(abs(int(seconds)), 86400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    if days:
        return t("{days} 天 {hours} 小时").format(days=days, hours=hours)
    return t("{hours} 小时 {minutes} 分钟").format(hours=hours, minutes=minutes)


def remaining(deadline: datetime | None) -> tuple[str, bool]:
    """Time left until ``deadline`` in words, and whether it has passed."""
    if deadline is None:
        return "", False
    seconds = int((deadline - utcnow()).total_seconds())
    return duration(seconds), seconds < 0


# The audit log's records (hotline.services.admin.record) in words: what was changed, how,
# and each field with its values said by name.
AUDIT_ENTITIES = {
    "ivr_option": "语音菜单",
    "user": "用户",
    "agent": "坐席接听方式",
    "assignment_rule": "派单规则",
    "calendar_day": "节假日与调休",
    "unit": "承办单位联系方式（派单通知）",
}
AUDIT_ACTIONS = {
    "create": "新建",
    "update": "修改",
    "delete": "删除",
    "activate": "启用",
    "deactivate": "停用",
    "reset_password": "重设密码",
}
AUDIT_FIELDS = {
    "label": "普通话",
    "label_yue": "粤语",
    "label_en": "英语",
    "skill_code": "技能组",
    "keywords": "语音关键词",
    "priority": "优先级",
    "display_name": "姓名",
    "role": "角色",
    "unit_code": "所属单位",
    "phone": "接听电话",
    "active": "状态",
    "position": "顺序",
    "category_code": "分类",
    "district_code": "区",
    "street_code": "街道",
    "co_unit_codes": "协办单位",
    "note": "说明",
    "working": "类型",
    "contact_phone": "手机",
    "contact_email": "电子邮件",
}


def audit_subject(event) -> str:
    """What an audited change was made to: a menu key, a login, a rule, a day, a unit."""
    what = t(AUDIT_ENTITIES.get(event.entity, event.entity))
    if event.entity == "ivr_option":
        menu, _, digit = event.entity_id.partition(":")
        return f"{what} · {t('menu:' + menu)} {digit}"
    if event.entity == "unit":
        return f"{what} · {unit_name(event.entity_id)}"
    return f"{what} · {event.entity_id}"


def audit_action(event) -> str:
    return t(AUDIT_ACTIONS.get(event.action, event.action))


def audit_changes(event) -> list[tuple[str, str, str]]:
    """(field, before, after) of an audited change, each in words."""
    return [
        (
            t(AUDIT_FIELDS.get(field, field)),
            _value(field, change["from"]),
            _value(field, change["to"]),
        )
        for field, change in event.changes.items()
    ]


def _value(field: str, value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return "、".join(_value(field, item) for item in value)
    if field == "role":
        return t(f"role:{value}")
    if field in ("unit_code", "district_code", "street_code", "co_unit_codes"):
        return unit_name(value)
    if field == "category_code":
        return category_name(value)
    if field == "skill_code":
        return skill_name(value)
    if field == "active":
        return t("在用") if value else t("已停用")
    if field == "working":
        return t("上班") if value else t("放假")
    return str(value)


def place(order) -> str:
    """Where an order is: district, street and the address's own words, by name."""
    parts = [unit_name(order.district_code), unit_name(order.street_code), order.address]
    return " ".join(part for part in parts if part)


# Why an order went where it went, as the domain records it (English, with codes), said in
# the page's language with names.
_CATEGORY = r"category (?P<code>\S+) \(.*?\)"
REASONS = (
    (
        re.compile(_CATEGORY + r" is handled city-wide by its department$"),
        "「{category}」由市级主管部门统一办理",
        "“{category}” is handled city-wide by its department",
    ),
    (
        re.compile(_CATEGORY + r" is territorial: the street where the problem is$"),
        "「{category}」属地办理：交问题所在街道",
        "“{category}” is handled where it happens: the street",
    ),
    (
        re.compile(_CATEGORY + r" is territorial: the district where the problem is$"),
        "「{category}」属地办理：交问题所在区",
        "“{category}” is handled where it happens: the district",
    ),
    (
        re.compile(
            _CATEGORY + r" is territorial but no district was given: the dispatcher decides$"
        ),
        "「{category}」属地办理，但未说明所在区：由派单员决定",
        "“{category}” is handled where it happens, but no district was given: "
        "the dispatcher decides",
    ),
    (
        re.compile(_CATEGORY + r" names no unit: the dispatcher decides$"),
        "「{category}」未指定承办单位：由派单员决定",
        "“{category}” names no unit: the dispatcher decides",
    ),
    (
        re.compile(r"assignment rule (?P<rule>\d+) \((?P<what>[^)]*)\)(?:: (?P<note>.*))?$", re.S),
        "派单规则 {rule}（{what}）{note}",
        "Assignment rule {rule} ({what}){note}",
    ),
    (
        re.compile(r"joint determination by (?P<who>[^:]+): (?P<note>.*)$", re.S),
        "联合审定（{who}）：{note}",
        "Joint determination ({who}): {note}",
    ),
)
_RULE_PARTS = {"category": category_name, "district": unit_name, "street": unit_name}
_RULE_LABELS = {
    "category": ("分类", "category"),
    "district": ("区", "district"),
    "street": ("街道", "street"),
}


def assignment_reason(text: str) -> str:
    """The recorded reason of an assignment, in the page's language and with names."""
    english = current_language() == "en"
    for pattern, zh, en in REASONS:
        match = pattern.match(text or "")
        if match is None:
            continue
        values = match.groupdict()
        if "code" in values:
            values["category"] = category_name(values.pop("code"))
        if "what" in values:
            values["what"] = _rule_parts(values["what"], english)
        if "note" in values:
            note = values["note"]
            values["note"] = "" if not note else (f": {note}" if english else f"：{note}")
            if "who" in values:
                values["note"] = note
        return (en if english else zh).format(**values)
    return text


def _rule_parts(what: str, english: bool) -> str:
    said = []
    for part in what.split(", "):
        label, _, code = part.partition(" ")
        if label in _RULE_PARTS:
            name = _RULE_PARTS[label](code)
            said.append(f"{_RULE_LABELS[label][1 if english else 0]} {name}")
        else:
            said.append(part)
    return ", ".join(said) if english else "，".join(said)


def action_done(order, action: str) -> str:
    """What an action on an order did, in the page's language: where it went and by when."""
    label = t(f"action:{action}") if action != "callback" else t("回访")
    deadline = (
        order.reply_deadline.astimezone(LOCAL).strftime("%m-%d %H:%M")
        if (order.reply_deadline)
        else ""
    )
    values = {
        "number": order.number,
        "action": label,
        "status": t(order.status),
        "unit": unit_name(order.unit_code),
        "deadline": deadline,
    }
    if action in ("dispatch", "determine") and order.unit_code:
        return t("工单 {number} 已派发至 {unit}，承办期限 {deadline}").format(**values)
    if action == "sign" and deadline:
        return t("工单 {number} 已签收，承办期限 {deadline}").format(**values)
    return t("工单 {number}：{action}完成，当前状态 {status}").format(**values)
