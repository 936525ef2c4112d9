"""An article's content as plain data: parsed from a record, compared, diffed."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from hotline.db import TIMEZONE
from knowledge_base.errors import InvalidArticle
from knowledge_base.models import LANGUAGES

LIMITS = {"id": 32, "title": 200, "answer": 20000, "question": 500, "keyword": 64}
FIELDS = (
    "title",
    "questions",
    "answer",
    "category_code",
    "unit_code",
    "keywords",
    "lang",
    "valid_from",
    "valid_until",
)


@dataclass(frozen=True)
class Content:
    """What a version of an article says, and where and when it applies."""

    title: str
    answer: str
    questions: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    category_code: str | None = None
    unit_code: str | None = None
    lang: str = "zh"
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    def values(self) -> dict[str, Any]:
        """The content as column values (lists for the JSON columns)."""
        values = asdict(self)
        values["questions"] = list(self.questions)
        values["keywords"] = list(self.keywords)
        return values


@dataclass(frozen=True)
class Change:
    """One field that differs between two versions; ``lines`` is a unified diff for text."""

    field: str
    before: str
    after: str
    lines: tuple[str, ...]


def article_id(record: Mapping[str, Any]) -> str:
    """The public id of a record (e.g. KB-0001), checked."""
    value = str(record.get("id") or "").strip()
    if not value:
        raise InvalidArticle("条目缺少 id")
    if len(value) > LIMITS["id"] or any(ch.isspace() for ch in value):
        raise InvalidArticle("id“{id}”须不超过 32 个字符，且不含空格", id=value[:40])
    return value


def parse_content(record: Mapping[str, Any]) -> Content:
    """The content of a record in the kb_articles.jsonl format (``category``, ``unit`` and
    ``lang`` keys; ``valid_from``/``valid_until`` as ISO dates or times), checked."""
    title = _text(record, "title", LIMITS["title"])
    answer = _text(record, "answer", LIMITS["answer"])
    lang = str(record.get("lang") or "zh").strip().lower()
    if lang not in LANGUAGES:
        raise InvalidArticle(
            "lang 须为 {languages} 之一，不能是“{lang}”", languages=", ".join(LANGUAGES), lang=lang
        )
    valid_from = _moment(record.get("valid_from"), "valid_from")
    valid_until = _moment(record.get("valid_until"), "valid_until")
    if valid_from and valid_until and valid_until <= valid_from:
        raise InvalidArticle("valid_until 须晚于 valid_from")
    return Content(
        title=title,
        answer=answer,
        questions=_strings(record.get("questions"), "questions", LIMITS["question"]),
        keywords=_strings(record.get("keywords"), "keywords", LIMITS["keyword"]),
        category_code=_code(record.get("category", record.get("category_code"))),
        unit_code=_code(record.get("unit", record.get("unit_code"))),
        lang=lang,
        valid_from=valid_from,
        valid_until=valid_until,
    )


def content_of(row: Any) -> Content:
    """The content of an article or version row."""
    return Content(
        title=row.title,
        answer=row.answer,
        questions=tuple(row.questions or ()),
        keywords=tuple(row.keywords or ()),
        category_code=row.category_code,
        unit_code=row.unit_code,
        lang=row.lang,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
    )


def diff(before: Content | None, after: Content) -> list[Change]:
    """The fields that changed from ``before`` (None: nothing yet) to ``after``."""
    changes = []
    for name in FIELDS:
        old = _shown(getattr(before, name)) if before else ""
        new = _shown(getattr(after, name))
        if old == new:
            continue
        lines = tuple(
            line.rstrip("\n")
            for line in difflib.unified_diff(
                old.splitlines(), new.splitlines(), "before", "after", lineterm="", n=1
            )
        )[2:]
        changes.append(Change(name, old, new, lines))
    return changes


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple | list):
        return "\n".join(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _text(record: Mapping[str, Any], name: str, limit: int) -> str:
    value = record.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidArticle("条目缺少 {field}", field=name)
    value = value.strip()
    if len(value) > limit:
        raise InvalidArticle("{field} 不能超过 {limit} 个字符", field=name, limit=limit)
    return value


def _strings(value: Any, name: str, limit: int) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidArticle("{field} 须为文本列表", field=name)
    kept = tuple(dict.fromkeys(v.strip() for v in value if v.strip()))
    if any(len(v) > limit for v in kept):
        raise InvalidArticle("{field} 的每一项不能超过 {limit} 个字符", field=name, limit=limit)
    return kept


def _code(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidArticle("代码须为文本，不能是 {value}", value=repr(value)[:40])
    return value.strip() or None


def _moment(value: Any, name: str) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time.min)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InvalidArticle("{field} 须为 ISO 日期，如 2026-12-31", field=name) from None
    else:
        raise InvalidArticle("{field} 须为 ISO 日期，如 2026-12-31", field=name)
    # A bare date or a time without zone is the hotline's local time (policies take effect
    # on local dates); it is stored in UTC.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(TIMEZONE))
    return moment.astimezone(UTC)
