"""The knowledge base's use cases: the console's searches and feedback, recorded; and
editing: who may, one transaction per step, the actor on every event.

Each editing function names its editor by console login, checks the login may edit, lets the
knowledge base decide the step and commits it; a publish or archive reaches every process's
search through the index generation the knowledge base bumps in the same transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.infra.jobs import enqueue
from hotline.models import User
from knowledge_base import services as kb
from knowledge_base.errors import InvalidArticle, InvalidTransition
from knowledge_base.models import Article, ArticleEvent, ArticleVersion
from knowledge_base.search import Ranking
from routing.models import Call
from workorders.models import Category, Unit

EDITOR_ROLES = ("admin", "supervisor")
NEW_ID_PREFIX = "KB-"
_NUMBERED = re.compile(r"KB-(\d+)")


# -- the console: searches and what agents did with an article --------------------------


def search(
    session: orm.Session,
    query: str,
    limit: int,
    filters: Mapping[str, str | None],
    searcher: str,
) -> tuple[Ranking, dict[str, Article]]:
    """The best articles for ``query`` and the articles themselves; the search is logged
    for the gap report."""
    ranking = kb.search(session, query, limit, filters=filters)
    kb.log_search(session, query, ranking, searcher)
    ids = [hit.id for hit in ranking.hits]
    articles = {a.id: a for a in session.scalars(sa.select(Article).where(Article.id.in_(ids)))}
    session.commit()
    return ranking, articles


def record_feedback(
    session: orm.Session,
    article_id: str,
    kind: str,
    actor: str,
    query: str = "",
    call_id: int | None = None,
) -> None:
    """What the agent did with an article ("not_helpful" or "inserted")."""
    kb.record_feedback(session, article_id, kind, actor, query=query, call_id=call_id)
    session.commit()


def text_answer(
    session: orm.Session, article_id: str, call: Call, actor: str, query: str = ""
) -> None:
    """Text the article's answer to the caller: recorded now, sent by a job after commit."""
    sent = kb.record_feedback(session, article_id, "texted", actor, query=query, call_id=call.id)
    enqueue(session, "text_kb_answer", sent.id)
    session.commit()


# -- editing ----------------------------------------------------------------------------


class EditorRefused(ValueError):
    """The named login may not edit the knowledge base; the message says why."""


def editor(session: orm.Session, username: str) -> User:
    """The active admin or supervisor login called ``username``."""
    user = session.scalar(sa.select(User).where(User.username == username.strip()))
    if user is None:
        raise EditorRefused(f"no console login {username!r}")
    if not user.active:
        raise EditorRefused(f"login {user.username!r} is disabled")
    if user.role not in EDITOR_ROLES:
        raise EditorRefused(
            f"login {user.username!r} is {user.role}; only admins and supervisors edit articles"
        )
    return user


def draft(
    session: orm.Session, username: str, record: Mapping[str, Any], note: str = ""
) -> ArticleVersion:
    """A new article as a draft (the next KB-NNNN unless the record has an id), or a new
    draft version of an existing article, its fields taken over from the live content where
    the record gives none. An article with a draft or a version in review is refused."""
    with _step(session):
        actor = editor(session, username).username
        _check_codes(session, record)
        article_id = str(record.get("id") or "").strip()
        article = _lock(session, article_id) if article_id else None
        if article is None:
            values = {**record, "id": article_id or _next_id(session)}
            article = kb.create_article(session, values, actor, note)
            return article.versions[-1]
        current = kb.open_version(session, article.id)
        if current is not None:
            if current.status == "in_review":
                raise InvalidTransition(
                    "条目 {id} 已有审核中的第 {version} 版，请编辑该版本",
                    id=article.id,
                    version=current.number,
                )
            raise InvalidTransition(
                "条目 {id} 已有草稿第 {version} 版，请编辑该版本",
                id=article.id,
                version=current.number,
            )
        changes = {name: value for name, value in record.items() if name != "id"}
        return kb.edit_article(session, article.id, changes, actor, note)


def edit(
    session: orm.Session,
    username: str,
    article_id: str,
    changes: Mapping[str, Any],
    note: str = "",
) -> ArticleVersion:
    """Change the article's draft (or its version in review, which goes back to draft)."""
    with _step(session):
        actor = editor(session, username).username
        if not changes:
            raise InvalidArticle("没有要修改的内容")
        _check_codes(session, changes)
        _lock(session, article_id)
        article = kb.get_article(session, article_id)
        if article.status != "archived" and kb.open_version(session, article.id) is None:
            raise InvalidTransition("条目 {id} 没有可编辑的草稿，请起草新版本", id=article.id)
        return kb.edit_article(session, article.id, changes, actor, note)


def submit(session: orm.Session, username: str, article_id: str) -> ArticleVersion:
    """Send the article's draft to review."""
    with _step(session):
        actor = editor(session, username).username
        _lock(session, article_id)
        return kb.submit_for_review(session, article_id, actor)


def publish(session: orm.Session, username: str, article_id: str) -> Article:
    """Make the version under review the live content, for search in every process."""
    with _step(session):
        actor = editor(session, username).username
        _lock(session, article_id)
        return kb.publish_article(session, article_id, actor)


def archive(session: orm.Session, username: str, article_id: str, note: str = "") -> Article:
    """Take the article out of search in every process; its history stays."""
    with _step(session):
        actor = editor(session, username).username
        _lock(session, article_id)
        return kb.archive_article(session, article_id, actor, note)


@dataclass(frozen=True)
class Overview:
    """An article, its versions newest first, and the events of no one version (archive)."""

    article: Article
    versions: list[kb.VersionHistory]
    events: list[ArticleEvent]


def overview(session: orm.Session, article_id: str) -> Overview:
    """The article with its versions, their diffs and who did what when."""
    article = kb.get_article(session, article_id)
    events = session.scalars(
        sa.select(ArticleEvent)
        .where(ArticleEvent.article_id == article.id, ArticleEvent.version_id.is_(None))
        .order_by(ArticleEvent.id)
    )
    return Overview(article, kb.article_history(session, article.id), list(events))


@contextmanager
def _step(session: orm.Session) -> Iterator[None]:
    try:
        yield
        session.commit()
    except sa.exc.IntegrityError:
        # Another editor created the same article or version number in the meantime.
        session.rollback()
        raise InvalidTransition("条目已被他人修改，请重新执行命令") from None
    except BaseException:
        session.rollback()
        raise


def _lock(session: orm.Session, article_id: str) -> Article | None:
    # A row lock (on PostgreSQL) makes two editors' steps on one article take turns, each
    # seeing the state the other left.
    return session.get(Article, article_id, with_for_update=True)


def _next_id(session: orm.Session) -> str:
    ids = session.scalars(sa.select(Article.id).where(Article.id.like(f"{NEW_ID_PREFIX}%")))
    numbers = [int(match[1]) for value in ids if (match := _NUMBERED.fullmatch(value))]
    return f"{NEW_ID_PREFIX}{max(numbers, default=0) + 1:04d}"


def _check_codes(session: orm.Session, record: Mapping[str, Any]) -> None:
    category, unit = (_given_code(record, name) for name in ("category", "unit"))
    if category and session.get(Category, category) is None:
        raise InvalidArticle("未知的分类“{code}”", code=category)
    if unit and session.get(Unit, unit) is None:
        raise InvalidArticle("未知的单位“{code}”", code=unit)


def _given_code(record: Mapping[str, Any], name: str) -> str:
    """The code the record gives under ``name``, stripped ("" when none, or not text: the
    content's own check says so)."""
    code = record.get(name)
    return code.strip() if isinstance(code, str) else ""
