"""The search index of each process, kept current with the database.

Every change that search must see bumps ``kb_index_state.generation`` in the same
transaction. Each process keeps one index per database and, at most once a second (at once
after its own commits, which the application reports to :func:`committed`), compares the
generation it was built at with the stored one; when the stored one is newer it re-analyses
only the articles whose version changed. So a publish in one web worker reaches every
worker, on every machine, within a second.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.db import affected_rows, utcnow
from knowledge_base.lexicon import DEFAULT_SYNONYMS
from knowledge_base.models import Article, IndexState, Synonym
from knowledge_base.search import Document, SearchIndex

STATE_ID = 1
CHECK_INTERVAL = 1.0
_FETCH_CHUNK = 500
_RECHECK = "kb_recheck"  # session.info key: the engine whose index to check after commit


@dataclass
class _Cache:
    index: SearchIndex
    generation: int = -1
    checked_at: float = float("-inf")
    lock: threading.Lock = field(default_factory=threading.Lock)


_caches: weakref.WeakKeyDictionary[sa.Engine, _Cache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def bump_generation(session: orm.Session) -> None:
    """Record, in the session's transaction, that what search sees has changed."""
    bump = (
        sa.update(IndexState)
        .where(IndexState.id == STATE_ID)
        .values(generation=IndexState.generation + 1, changed_at=utcnow())
    )
    if affected_rows(session.execute(bump)) == 0:
        # The first change ever: create the row (a concurrent first change may beat us to
        # it, which is as good), then count this change on it.
        session.execute(_insert_missing_state(session.get_bind().dialect.name))
        session.execute(bump)
    session.info[_RECHECK] = _engine(session)


def _insert_missing_state(dialect: str) -> sa.Insert:
    values = {"id": STATE_ID, "generation": 0, "synonyms_edited": False, "changed_at": utcnow()}
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        statement = postgresql.insert(IndexState).values(values)
        return statement.on_conflict_do_nothing(index_elements=["id"])
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(IndexState).values(values).on_conflict_do_nothing(index_elements=["id"])


def committed(session: orm.Session) -> None:
    """The session committed: if it changed what search sees, check the index at once."""
    engine = session.info.pop(_RECHECK, None)
    cache = _caches.get(engine) if engine is not None else None
    if cache is not None:
        cache.checked_at = float("-inf")


def rolled_back(session: orm.Session) -> None:
    """The session rolled back: its changes to what search sees are gone."""
    session.info.pop(_RECHECK, None)


def with_index(
    session: orm.Session, use: Callable[[SearchIndex], object], max_age: float = CHECK_INTERVAL
):
    """Call ``use`` with this process's index for the session's database, brought up to
    date first if the stored generation moved on. Searches of one process take turns: the
    index is updated in place."""
    engine = _engine(session)
    with _caches_lock:
        cache = _caches.get(engine)
        if cache is None:
            cache = _caches[engine] = _Cache(SearchIndex())
    with cache.lock:
        if time.monotonic() - cache.checked_at >= max_age:
            _refresh(cache, engine)
        return use(cache.index)


def _engine(session: orm.Session) -> sa.Engine:
    """The engine of the session's database: one index serves all its connections."""
    bind = session.get_bind()
    return bind if isinstance(bind, sa.Engine) else bind.engine


def forget(engine: sa.Engine) -> None:
    """Drop the process's index for ``engine`` (the next search rebuilds it)."""
    with _caches_lock:
        _caches.pop(engine, None)


def _refresh(cache: _Cache, engine: sa.Engine) -> None:
    # Committed state only, read outside the caller's transaction: an index built from
    # uncommitted rows would outlive a rollback. The generation is read first, so content
    # newer than it only causes one more refresh.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        state = connection.execute(
            sa.select(IndexState.generation, IndexState.synonyms_edited).where(
                IndexState.id == STATE_ID
            )
        ).first()
        generation, edited = (state.generation, state.synonyms_edited) if state else (0, False)
        if generation != cache.generation:
            cache.index.set_synonyms(_synonyms(connection, edited))
            _update_documents(cache.index, connection)
            cache.generation = generation
    cache.checked_at = time.monotonic()


def _synonyms(connection: sa.Connection, edited: bool) -> list[list[str]]:
    if not edited:
        return [list(group) for group in DEFAULT_SYNONYMS]
    groups: dict[str, list[str]] = {}
    rows = connection.execute(
        sa.select(Synonym.group_name, Synonym.term).order_by(Synonym.group_name, Synonym.position)
    )
    for group_name, term in rows:
        groups.setdefault(group_name, []).append(term)
    return list(groups.values())


def _update_documents(index: SearchIndex, connection: sa.Connection) -> None:
    live = {
        article_id: _version(updated_at)
        for article_id, updated_at in connection.execute(
            sa.select(Article.id, Article.updated_at).where(Article.status == "published")
        )
    }
    known = index.versions()
    for article_id in set(known) - set(live):
        index.remove(article_id)
    changed = [
        article_id for article_id, version in live.items() if known.get(article_id) != version
    ]
    for start in range(0, len(changed), _FETCH_CHUNK):
        chunk = changed[start : start + _FETCH_CHUNK]
        rows = connection.execute(sa.select(Article).where(Article.id.in_(chunk)))
        for document in documents(rows):
            index.add(document)


def documents(rows: Iterable) -> Iterable[Document]:
    """Index documents from article rows (ORM objects or result rows)."""
    for row in rows:
        yield Document(
            id=row.id,
            title=row.title,
            questions=tuple(row.questions or ()),
            keywords=tuple(row.keywords or ()),
            answer=row.answer,
            category=row.category_code,
            unit=row.unit_code,
            lang=row.lang,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            version=_version(row.updated_at),
        )


def _version(updated_at) -> str:
    return updated_at.isoformat() if updated_at else ""
