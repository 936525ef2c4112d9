"""Reference data that every call reads, kept in each process for a short while.

The number plan, the IVR menus, the skill rules and the categories change a few times a
year but are read on every webhook. Each process keeps what it loaded for
``HOTLINE_REFERENCE_CACHE_SECONDS`` (default 30; 0 reads the database every time). A change
committed through this process (the admin pages, the seed and import commands) is seen at
once (hotline.infra.listeners reports its commits here); other processes see it within that
time.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import orm

from hotline.infra import context
from routing.models import IvrOption, LegacyLine, Skill
from workorders.models import Category

T = TypeVar("T")
REFERENCE_MODELS = (LegacyLine, IvrOption, Skill, Category)
_generation = itertools.count()
_current = next(_generation)
_CHANGED = "reference_changed"  # session.info key: this transaction changed reference data


class ReferenceCache:
    """Values loaded from the reference tables, each kept for ``ttl_seconds``."""

    def __init__(self, ttl_seconds: float):
        self.ttl_seconds = ttl_seconds
        self._entries: dict[Any, tuple[int, float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Any, load: Callable[[], T]) -> T:
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and entry[0] == _current and now < entry[1]:
            return entry[2]
        generation = _current
        value = load()
        if self.ttl_seconds > 0:
            with self._lock:
                self._entries[key] = (generation, now + self.ttl_seconds, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def cache() -> ReferenceCache:
    return context.reference_cache()


def init_app(app) -> None:
    cache = ReferenceCache(context.settings(app).reference_cache_seconds)
    context.provide(app, context.REFERENCE, cache)


def changed() -> None:
    """Forget every process-local copy made before now (called after such a commit)."""
    global _current
    _current = next(_generation)


_CHANGED = "reference_changed"  # session.info key: this transaction changed reference data


def note_changes(session: orm.Session, _flush_context) -> None:
    """After a flush: note whether it touched the reference tables."""
    touched = itertools.chain(session.new, session.dirty, session.deleted)
    if any(isinstance(obj, REFERENCE_MODELS) for obj in touched):
        session.info[_CHANGED] = True


def note_bulk_changes(state: orm.ORMExecuteState) -> None:
    """On every ORM statement: note a bulk UPDATE, DELETE or INSERT on the reference tables."""
    if (state.is_update or state.is_delete or state.is_insert) and any(
        mapper.class_ in REFERENCE_MODELS for mapper in state.all_mappers
    ):
        state.session.info[_CHANGED] = True


def committed(session: orm.Session) -> None:
    if session.info.pop(_CHANGED, False):
        changed()


def rolled_back(session: orm.Session) -> None:
    session.info.pop(_CHANGED, None)
