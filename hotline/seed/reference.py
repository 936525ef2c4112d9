"""Reference data (units, lines, categories, skills, menu, local calendar overrides) and demo
data loaders.

The official holidays and make-up working days are not reference data: they come from the
chinesecalendar package (workorders.calendar). A reference file's "calendar" records are a
city's own overrides on top of them (a local holiday, a day declared a working day).

Every loader is idempotent: it creates what is missing and updates what changed, by code.
Loaders take lists of records in the shapes of the project's data files, which are also
the shapes of the reference data sets (units.json, legacy_lines.json, categories.json,
kb_articles.jsonl).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.db import utcnow
from hotline.infra.passwords import hash_password
from hotline.models import User
from knowledge_base.errors import InvalidArticle
from knowledge_base.services import import_article
from routing import services as routing
from routing.models import Call, IvrOption, LegacyLine, Skill, TransferTarget, WrapUpReason
from workorders import services as workorders
from workorders.deadlines import DEFAULT_POLICY
from workorders.models import UNIT_KINDS, CalendarDay, Category, Unit, WorkOrder

DATA = Path(__file__).parents[1] / "data"
REFERENCE_FILE = DATA / "reference.json"
KB_FILE = DATA / "kb_articles.jsonl"


class SeedError(ValueError):
    """A data file cannot be loaded; the message names the file or record."""


@dataclass
class LoadResult:
    name: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)

    def __str__(self) -> str:
        text = (
            f"{self.name}: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged"
        )
        if self.rejected:
            text += f", {len(self.rejected)} rejected"
        return text


def read_json(path: Path) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SeedError(f"{path}: {exc}") from None


def read_jsonl(path: Path) -> list[tuple[int, Any]]:
    """(line number, record) pairs; a line that is not JSON becomes a SeedError record."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SeedError(f"{path}: {exc.strerror}") from None
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            records.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            records.append((number, SeedError(f"not JSON: {exc.msg}")))
    return records


def _upsert(
    session: orm.Session, model, key: str | date, values: Mapping[str, Any], result: LoadResult
) -> None:
    row = session.get(model, key)
    if row is None:
        session.add(model(**values))
        result.created += 1
        return
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    if changed:
        result.updated += 1
    else:
        result.unchanged += 1


def _parents_first(records: list[Mapping], known: set[str]) -> list[Mapping]:
    ordered, pending = [], list(records)
    while pending:
        ready = [r for r in pending if not r.get("parent") or r["parent"] in known]
        if not ready:
            codes = ", ".join(str(r.get("code")) for r in pending[:5])
            raise SeedError(f"unknown parent for {codes}")
        for record in ready:
            ordered.append(record)
            known.add(record["code"])
        pending = [r for r in pending if r not in ready]
    return ordered


def _optional(record: Mapping, *names: str) -> dict[str, Any]:
    """The fields a record has; a file without them leaves what is stored alone."""
    return {name: record[name] for name in names if name in record}


def _required(record: Mapping, *names: str) -> None:
    missing = [n for n in names if not record.get(n)]
    if missing:
        raise SeedError(f"record {record!r:.80} lacks {', '.join(missing)}")


def load_skills(session: orm.Session, records: Iterable[Mapping]) -> LoadResult:
    result = LoadResult("skills")
    for record in records:
        _required(record, "code", "name")
        values = {
            "code": record["code"],
            "name": record["name"],
            **_optional(record, "name_en", "overflow_after_seconds", "overflow_skills"),
        }
        _upsert(session, Skill, record["code"], values, result)
    session.flush()
    return result


def _ensure_skills(session: orm.Session, codes: Iterable[str | None]) -> None:
    for code in {c for c in codes if c}:
        if session.get(Skill, code) is None:
            session.add(Skill(code=code, name=code, name_en=code))
    session.flush()


def load_units(session: orm.Session, records: Iterable[Mapping]) -> LoadResult:
    result = LoadResult("units")
    records = list(records)
    for record in records:
        _required(record, "code", "name", "kind")
        if record["kind"] not in UNIT_KINDS:
            raise SeedError(f"unit {record['code']}: unknown kind {record['kind']!r}")
    known = set(session.scalars(sa.select(Unit.code)))
    for record in _parents_first(records, known):
        values = {
            "code": record["code"],
            "name": record["name"],
            **_optional(record, "name_en"),
            "kind": record["kind"],
            "parent_code": record.get("parent") or None,
        }
        _upsert(session, Unit, record["code"], values, result)
        session.flush()
    return result


def load_categories(session: orm.Session, records: Iterable[Mapping]) -> LoadResult:
    result = LoadResult("categories")
    records = list(records)
    for record in records:
        _required(record, "code", "name")
        if record.get("parent") and record.get("routing") not in ("municipal", "territorial"):
            raise SeedError(f"category {record['code']}: routing must be municipal or territorial")
    _ensure_skills(session, (r.get("skill") for r in records))
    known = set(session.scalars(sa.select(Category.code)))
    for record in _parents_first(records, known):
        values = {
            "code": record["code"],
            "name": record["name"],
            **_optional(record, "name_en"),
            "parent_code": record.get("parent") or None,
            "skill_code": record.get("skill") or None,
            "routing": record.get("routing") or None,
            "unit_code": record.get("unit") or None,
            "deadline_working_days": record.get("deadline_working_days"),
            "urgent": bool(record.get("urgent", False)),
        }
        _upsert(session, Category, record["code"], values, result)
        session.flush()
    return result


def load_legacy_lines(session: orm.Session, records: Iterable[Mapping]) -> LoadResult:
    result = LoadResult("legacy lines")
    records = list(records)
    _ensure_skills(session, (r.get("skill") for r in records))
    for record in records:
        _required(record, "number", "name", "unit", "skill")
        values = {
            "number": record["number"],
            "name": record["name"],
            "unit_code": record["unit"],
            "default_category_code": record.get("default_category") or None,
            "skill_code": record["skill"],
        }
        _upsert(session, LegacyLine, record["number"], values, result)
    session.flush()
    return result


def load_wrap_up_reasons(session: orm.Session, records: Iterable[Mapping]) -> LoadResult:
    """The wrap-up reasons, in the file's order (an admin may add, rename or retire them)."""
    result = LoadResult("wrap-up reasons")
    for position, record in enumerate(records):
        _required(record, "code", "name")
        values = {
            "code": record["code"],
            "name": record["name"],
            "name_en": record.get("name_en", ""),
            "position": position,
        }
        if session.get(WrapUpReason, record["code"]) is None:  # an admin's edits stay
            _upsert(session, WrapUpReason, record["code"], values, result)
        else:
            result.unchanged += 1
    session.flush()
    return result


def load_transfer_directory(session: orm.Session, records: Iterable[Mapping]) -> LoadResult:
    """The outside numbers agents may transfer to; a number already there (an admin may
    have renamed or retired it) is left as it is."""
    result = LoadResult("transfer directory")
    for position, record in enumerate(records):
        _required(record, "number", "name")
        known = session.scalar(
            sa.select(TransferTarget).where(TransferTarget.number == record["number"])
        )
        if known is not None:
            result.unchanged += 1
            continue
        session.add(
            TransferTarget(
                number=record["number"],
                name=record["name"],
                name_en=record.get("name_en", ""),
                position=position,
            )
        )
        result.created += 1
    session.flush()
    return result


def load_ivr_menu(session: orm.Session, records: Iterable[Mapping]) -> LoadResult:
    result = LoadResult("voice menu")
    for record in records:
        _required(record, "digit", "label")
        if not record.get("skill") and not record.get("language"):
            raise SeedError(f"menu option {record!r:.80} leads nowhere: give a skill or a language")
        menu = record.get("menu", "main")
        option = session.scalar(
            sa.select(IvrOption).where(IvrOption.menu == menu, IvrOption.digit == record["digit"])
        )
        values = {
            "menu": menu,
            "digit": record["digit"],
            "skill_code": record.get("skill"),
            "language": record.get("language"),
            "label": record["label"],
            "label_yue": record.get("label_yue", ""),
            "label_en": record.get("label_en", ""),
            "keywords": list(record.get("keywords", [])),
            "priority": int(record.get("priority", 0)),
        }
        if option is None:
            session.add(IvrOption(**values))
            result.created += 1
        elif any(getattr(option, k) != v for k, v in values.items()):
            for name, value in values.items():
                setattr(option, name, value)
            result.updated += 1
        else:
            result.unchanged += 1
    session.flush()
    return result


def load_calendar(session: orm.Session, records: Iterable[Mapping]) -> LoadResult:
    """Local overrides of the official calendar (day, working, note)."""
    result = LoadResult("calendar")
    for record in records:
        try:
            day = date.fromisoformat(record["day"])
        except (KeyError, TypeError, ValueError):
            raise SeedError(f"calendar record {record!r}: day must be YYYY-MM-DD") from None
        values = {"day": day, "working": bool(record["working"]), "note": record.get("note", "")}
        _upsert(session, CalendarDay, day, values, result)
    session.flush()
    return result


def load_articles(
    session: orm.Session,
    records: Iterable[tuple[int, Any]],
    progress: Callable[[int], None] | None = None,
    actor: str = "import",
) -> LoadResult:
    """Articles in the JSONL format; a bad record is rejected with its reason, not fatal."""
    result = LoadResult("articles")
    categories = set(session.scalars(sa.select(Category.code)))
    units = set(session.scalars(sa.select(Unit.code)))
    for line, record in records:
        try:
            if isinstance(record, Exception):
                raise record
            if not isinstance(record, dict):
                raise InvalidArticle("该行不是 JSON 对象")
            if record.get("category") and str(record["category"]) not in categories:
                raise InvalidArticle("未知的分类“{code}”", code=str(record["category"]))
            if record.get("unit") and str(record["unit"]) not in units:
                raise InvalidArticle("未知的单位“{code}”", code=str(record["unit"]))
            with session.begin_nested():
                _article, outcome = import_article(session, record, actor)
            setattr(result, outcome, getattr(result, outcome) + 1)
        except (InvalidArticle, SeedError) as exc:
            result.rejected.append((f"line {line}", str(exc)))
        if progress:
            progress(1)
    session.flush()
    return result


def seed_reference(session: orm.Session, path: Path = REFERENCE_FILE) -> list[LoadResult]:
    """Load the project's reference data file."""
    data = read_json(path)
    return [
        load_skills(session, data.get("skills", [])),
        load_units(session, data.get("units", [])),
        load_categories(session, data.get("categories", [])),
        load_legacy_lines(session, data.get("legacy_lines", [])),
        load_ivr_menu(session, data.get("ivr_menu", [])),
        load_wrap_up_reasons(session, data.get("wrap_up_reasons", [])),
        load_transfer_directory(session, data.get("transfer_directory", [])),
        load_calendar(session, data.get("calendar", [])),
    ]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    unit_code: str | None = None
    skills: Mapping[str, int] | None = None
    languages: str = "zh"

    @property
    def display_name(self) -> str:
        return DEMO_NAMES.get(self.username, self.username)


ALL_SKILLS = {
    "general": 1,
    "social_security": 1,
    "housing": 1,
    "transport": 1,
    "urban_management": 1,
    "environment": 1,
    "health_education": 1,
    "market_regulation": 1,
    "public_security": 1,
    "utilities": 1,
    "english": 1,
}
DEMO_LOGINS = (
    DemoLogin("admin", "admin-12345", "admin"),
    DemoLogin("supervisor", "supervisor-12345", "supervisor", skills=ALL_SKILLS),
    DemoLogin(
        "agent1",
        "agent-12345",
        "agent",
        skills={"general": 2, "social_security": 3, "housing": 2, "health_education": 1},
    ),
    DemoLogin(
        "agent2",
        "agent-12345",
        "agent",
        skills={
            "general": 2,
            "transport": 3,
            "urban_management": 3,
            "utilities": 2,
            "environment": 1,
        },
    ),
    DemoLogin(
        "agent3",
        "agent-12345",
        "agent",
        skills={**ALL_SKILLS, "english": 3, "market_regulation": 2, "public_security": 2},
        languages="zh,yue,en",
    ),
    DemoLogin("rsj", "dept-12345", "department", unit_code="GZ-RSJ"),
    DemoLogin("cgw", "dept-12345", "department", unit_code="GZ-CGW"),
    DemoLogin("tianhe", "dept-12345", "department", unit_code="GZ-TH"),
    DemoLogin("water", "dept-12345", "department", unit_code="GZ-ZLS"),
    DemoLogin("monitor", "monitor-12345", "monitor"),
)
DEMO_NAMES = {
    "admin": "系统管理员",
    "supervisor": "值班长 陈敏",
    "agent1": "话务员 李娜",
    "agent2": "话务员 王强",
    "agent3": "话务员 黄嘉欣",
    "rsj": "市人社局 联络员",
    "cgw": "市城管委 联络员",
    "tianhe": "天河区 联络员",
    "water": "自来水公司 联络员",
    "monitor": "第三方监督",
}


def seed_demo(
    session: orm.Session, now: datetime | None = None
) -> tuple[list[DemoLogin], LoadResult]:
    """Demo logins for every role, the project's articles, and some history for the reports."""
    now = now or utcnow()
    for login in DEMO_LOGINS:
        user = session.scalar(sa.select(User).where(User.username == login.username))
        if user is None:
            user = User(username=login.username, role=login.role)
            session.add(user)
        user.password_hash = hash_password(login.password)
        user.role = login.role
        user.unit_code = login.unit_code
        user.display_name = login.display_name
        user.active = True
        session.flush()
        if login.skills and routing.agent_for_user(session, user.id) is None:
            routing.create_agent(
                session,
                user_id=user.id,
                name=login.display_name,
                client_name=login.username,
                skills=dict(login.skills),
                languages=login.languages,
            )
    articles = load_articles(session, read_jsonl(KB_FILE))
    if session.scalar(sa.select(sa.func.count(WorkOrder.id))) == 0:
        _demo_history(session, now)
    return list(DEMO_LOGINS), articles


DEMO_PLACES = (
    ("GZ-TH", "GZ-TH-SPJ", "天河路"),
    ("GZ-YX", "GZ-YX-BJJ", "北京路"),
    ("GZ-HZ", "GZ-HZ-BJJ", "滨江东路"),
    ("GZ-BY", None, "机场路"),
    ("GZ-PY", None, "市桥街"),
)
DEMO_PROBLEMS = {
    "URBAN.MANHOLE": "路口井盖缺失，晚上很危险，请尽快处理。",
    "LABOUR.WAGE": "公司拖欠三个月工资，多次讨要无果。",
    "SOCINS.PENSION": "养老保险缴费记录少了两年，想核实。",
    "WATER.OUTAGE": "小区从早上开始停水，没有收到通知。",
    "TRAFFIC.SIGNAL": "路口红绿灯坏了，车辆通行混乱。",
    "ENV.NOISE": "附近工地夜间施工噪音很大，影响休息。",
}


def _demo_history(session: orm.Session, now: datetime) -> None:
    rng = random.Random(12345)
    leaves = {
        c.code: c for c in session.scalars(sa.select(Category).where(Category.routing.is_not(None)))
    }
    codes = [code for code in DEMO_PROBLEMS if code in leaves] or sorted(leaves)[:6]
    actor = workorders.SYSTEM
    for index in range(48):
        opened = now - timedelta(days=rng.uniform(1, 30), minutes=rng.randint(0, 600))
        code = rng.choice(codes)
        district, street, road = rng.choice(DEMO_PLACES)
        if session.get(Unit, street or "") is None:
            street = None
        order = workorders.open_work_order(
            session,
            channel=rng.choice(("phone", "phone", "phone", "sms", "console")),
            category_code=code,
            description=DEMO_PROBLEMS.get(code, f"市民反映{leaves[code].name}问题，请核实处理。"),
            actor=actor,
            citizen_phone=f"1380000{index:04d}",
            district_code=district if session.get(Unit, district) else None,
            street_code=street,
            address=f"{road}{rng.randint(1, 400)}号",
            now=opened,
            policy=DEFAULT_POLICY,
        )
        if order.status != "dispatched":
            continue
        # The unit's own liaison signs and replies, named as the portal's logins are.
        unit = session.get(Unit, order.unit_code or "")
        liaison = f"{unit.name} 联络员" if unit else "联络员"
        unit_actor = workorders.Actor(liaison, None, order.unit_code)
        stage = rng.random()
        if stage < 0.08:
            continue
        signed = opened + timedelta(hours=rng.uniform(1, 20))
        workorders.sign_for(session, order.number, unit_actor, now=signed)
        if stage < 0.16:
            continue
        replied = signed + timedelta(days=rng.uniform(0.5, 6))
        if replied > now:
            continue
        workorders.reply(session, order.number, unit_actor, "已核实并处理完毕。", now=replied)
        if stage < 0.24:
            continue
        closed = min(replied + timedelta(hours=rng.uniform(2, 48)), now)
        workorders.record_callback(
            session, order.number, actor, "satisfied", now=closed, policy=DEFAULT_POLICY
        )
    for index in range(160):
        started = now - timedelta(days=rng.uniform(0, 30))
        answered = rng.random() < 0.93
        call = Call(
            call_sid=f"CADEMO{index:026d}",
            from_number=f"1390000{index:04d}",
            to_number="12345",
            entry="main",
            status="completed" if answered else "abandoned",
            skill_code="general",
            created_at=started,
            enqueued_at=started + timedelta(seconds=20),
            answered_at=started + timedelta(seconds=rng.randint(25, 90)) if answered else None,
            ended_at=started + timedelta(seconds=rng.randint(120, 600)),
            resolution=("kb" if rng.random() < 0.85 else "work_order") if answered else None,
        )
        session.add(call)
    session.flush()
