"""Knowledge-base services: articles and their versions, search, synonyms, feedback.

An article's public id (e.g. KB-0001) stays for life. Its row holds the live content;
editing a published article opens a draft version that goes to review and, once
published, replaces the live content. Every step is an event with actor and time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.db import affected_rows, utcnow
from knowledge_base import index
from knowledge_base.content import Change, Content, article_id, content_of, diff, parse_content
from knowledge_base.errors import (
    ArticleNotFound,
    InvalidSynonyms,
    InvalidTransition,
    KnowledgeBaseError,
)
from knowledge_base.lexicon import DEFAULT_SYNONYMS
from knowledge_base.models import (
    FEEDBACK_KINDS,
    Article,
    ArticleEvent,
    ArticleVersion,
    Feedback,
    IndexState,
    SearchLog,
    Synonym,
)
from knowledge_base.search import Hit, Ranking, normalize

OPEN = ("draft", "in_review")
QUERY_LIMIT = 200
# A search that extends the same agent's previous one this soon is the same question,
# typed further: it replaces the logged one instead of counting again.
TYPING_WINDOW = timedelta(seconds=60)


@dataclass(frozen=True)
class VersionHistory:
    """One version with what changed from the one before and what was done with it."""

    number: int
    status: str
    created_by: str
    created_at: datetime
    changes: list[Change]
    events: list[ArticleEvent]


def get_article(session: orm.Session, article_id_: str) -> Article:
    article = session.get(Article, article_id_)
    if article is None:
        raise ArticleNotFound("没有条目“{id}”", id=article_id_)
    return article


def import_article(
    session: orm.Session, record: Mapping[str, Any], actor: str = "import"
) -> tuple[Article, str]:
    """Create or replace a published article from a record in the JSONL format.

    Returns the article and what happened: "created", "updated" or "unchanged" (nothing is
    written for an unchanged record).
    """
    public_id = article_id(record)
    content = parse_content(record)
    article = session.get(Article, public_id)
    if article is None:
        article = Article(id=public_id, status="draft", version=0, **content.values())
        session.add(article)
        _publish_content(session, article, content, actor, "import")
        return article, "created"
    if article.status == "published" and content_of(article) == content:
        return article, "unchanged"
    _publish_content(session, article, content, actor, "import")
    return article, "updated"


def upsert_article(session: orm.Session, data: Mapping[str, Any]) -> tuple[Article, bool]:
    """Create or update a published article from a record in the JSONL format.

    Returns the article and whether it was created.
    """
    article, outcome = import_article(session, data)
    return article, outcome == "created"


def create_article(
    session: orm.Session, record: Mapping[str, Any], actor: str, note: str = ""
) -> Article:
    """A new article as a draft (version 1); search sees it once it is published."""
    public_id = article_id(record)
    if session.get(Article, public_id) is not None:
        raise InvalidTransition("条目 {id} 已存在，请编辑该条目", id=public_id)
    content = parse_content(record)
    article = Article(id=public_id, status="draft", version=0, **content.values())
    session.add(article)
    version = _new_version(session, article, content, actor, note)
    _event(session, article, version, "create", actor, note)
    return article


def edit_article(
    session: orm.Session,
    article_id_: str,
    changes: Mapping[str, Any],
    actor: str,
    note: str = "",
) -> ArticleVersion:
    """Change an article's open draft (opening one if there is none); the live content of a
    published article stays as it is until the draft is published. A draft under review
    that is edited goes back to draft."""
    article = get_article(session, article_id_)
    if article.status == "archived":
        raise InvalidTransition("条目 {id} 已归档", id=article.id)
    version = open_version(session, article.id)
    base = content_of(version) if version else content_of(article)
    content = parse_content({**_record(base), **changes})
    if version is None:
        version = _new_version(session, article, content, actor, note)
    else:
        for name, value in content.values().items():
            setattr(version, name, value)
        version.status = "draft"
        version.note = note[:200]
    if article.status != "published":
        for name, value in content.values().items():
            setattr(article, name, value)
        article.status = "draft"
    _event(session, article, version, "edit", actor, note)
    return version


def submit_for_review(session: orm.Session, article_id_: str, actor: str) -> ArticleVersion:
    """Send the article's draft to review."""
    article = get_article(session, article_id_)
    version = open_version(session, article.id)
    if version is None or version.status != "draft":
        raise InvalidTransition("条目 {id} 没有可提交审核的草稿", id=article.id)
    version.status = "in_review"
    if article.status != "published":
        article.status = "in_review"
    _event(session, article, version, "submit", actor)
    return version


def publish_article(session: orm.Session, article_id_: str, actor: str) -> Article:
    """Publish the version under review: it becomes the live content, in every process's
    search within a second."""
    article = get_article(session, article_id_)
    version = open_version(session, article.id)
    if version is None or version.status != "in_review":
        raise InvalidTransition("条目 {id} 没有待发布的审核版本", id=article.id)
    _supersede(session, article)
    version.status = "published"
    _make_live(article, content_of(version), version.number)
    _event(session, article, version, "publish", actor)
    index.bump_generation(session)
    return article


def archive_article(session: orm.Session, article_id_: str, actor: str, note: str = "") -> Article:
    """Take an article out of search; its history stays."""
    article = get_article(session, article_id_)
    if article.status == "archived":
        raise InvalidTransition("条目 {id} 已经归档", id=article.id)
    for version in article.versions:
        if version.status in (*OPEN, "published"):
            version.status = "archived"
    article.status = "archived"
    _event(session, article, None, "archive", actor, note)
    index.bump_generation(session)
    return article


def open_version(session: orm.Session, article_id_: str) -> ArticleVersion | None:
    """The article's draft or version under review, if it has one."""
    return session.scalar(
        sa.select(ArticleVersion)
        .where(ArticleVersion.article_id == article_id_, ArticleVersion.status.in_(OPEN))
        .order_by(ArticleVersion.number.desc())
        .limit(1)
    )


def article_history(session: orm.Session, article_id_: str) -> list[VersionHistory]:
    """Every version, newest first, with its diff from the one before and its events."""
    article = get_article(session, article_id_)
    history, previous = [], None
    for version in article.versions:
        content = content_of(version)
        history.append(
            VersionHistory(
                version.number,
                version.status,
                version.created_by,
                version.created_at,
                diff(previous, content),
                list(version.events),
            )
        )
        previous = content
    return list(reversed(history))


def _publish_content(
    session: orm.Session, article: Article, content: Content, actor: str, action: str
) -> None:
    for version in article.versions:
        if version.status in OPEN:
            # The imported content replaces the live one; a draft made against the old
            # content is kept but no longer current.
            version.note = (version.note + " (made before an import)")[:200]
    _supersede(session, article)
    version = _new_version(session, article, content, actor)
    version.status = "published"
    _make_live(article, content, version.number)
    _event(session, article, version, action, actor)
    index.bump_generation(session)


def _make_live(article: Article, content: Content, number: int) -> None:
    for name, value in content.values().items():
        setattr(article, name, value)
    article.status = "published"
    article.version = number
    article.published_at = utcnow()
    # The index tells versions apart by this time: set it even if no column changed.
    article.updated_at = utcnow()


def _supersede(session: orm.Session, article: Article) -> None:
    for version in article.versions:
        if version.status == "published":
            version.status = "superseded"


def _new_version(
    session: orm.Session, article: Article, content: Content, actor: str, note: str = ""
) -> ArticleVersion:
    number = max((v.number for v in article.versions), default=0) + 1
    version = ArticleVersion(
        number=number, status="draft", created_by=actor, note=note[:200], **content.values()
    )
    article.versions.append(version)
    session.flush()
    return version


def _event(
    session: orm.Session,
    article: Article,
    version: ArticleVersion | None,
    action: str,
    actor: str,
    note: str = "",
) -> None:
    session.add(
        ArticleEvent(
            article_id=article.id,
            version=version,
            action=action,
            actor=actor[:64],
            note=note[:200],
            at=utcnow(),
        )
    )


def _record(content: Content) -> dict[str, Any]:
    values = content.values()
    values["category"] = values.pop("category_code")
    values["unit"] = values.pop("unit_code")
    return values


def search(
    session: orm.Session,
    query: str,
    limit: int = 5,
    filters: Mapping[str, str | None] | None = None,
    now: datetime | None = None,
) -> Ranking:
    """The published articles best matching ``query`` and whether the first is a confident
    answer; filters by category, unit and lang; expired articles are marked."""
    moment = now or utcnow()
    return index.with_index(
        session, lambda idx: idx.rank(query[:QUERY_LIMIT], limit, filters=filters, now=moment)
    )


def propose_category(session: orm.Session, text: str, now: datetime | None = None) -> str | None:
    """The category that the published article answering ``text`` with confidence is filed
    under; None when no article answers it with confidence."""
    if not text.strip():
        return None
    moment = now or utcnow()
    return index.with_index(session, lambda idx: idx.category_for(text[:QUERY_LIMIT], moment))


def search_articles(session: orm.Session, query: str, limit: int = 5) -> list[Hit]:
    """The best published articles for ``query``, best first."""
    return search(session, query, limit).hits


def log_search(
    session: orm.Session,
    query: str,
    ranking: Ranking,
    actor: str | None,
    now: datetime | None = None,
) -> SearchLog | None:
    """Remember a search for the gap report. Typing produces a search per pause: a query
    that extends the same agent's last one within a minute replaces it."""
    now = now or utcnow()
    query = query.strip()[:QUERY_LIMIT]
    normalized = normalize(query)[:QUERY_LIMIT]
    if not normalized:
        return None
    top = ranking.hits[0] if ranking.hits else None
    last = None
    if actor:
        last = session.scalar(
            sa.select(SearchLog)
            .where(SearchLog.actor == actor, SearchLog.at >= now - TYPING_WINDOW)
            .order_by(SearchLog.id.desc())
            .limit(1)
        )
    if last is None or not _same_question(last.normalized, normalized):
        last = SearchLog(actor=actor)
        session.add(last)
    last.query = query
    last.normalized = normalized
    last.top_article_id = top.id if top else None
    last.confidence = ranking.confidence
    last.confident = ranking.confident
    last.at = now
    session.flush()
    return last


def _same_question(before: str, after: str) -> bool:
    compact_before, compact_after = before.replace(" ", ""), after.replace(" ", "")
    return compact_after.startswith(compact_before) or compact_before.startswith(compact_after)


def record_feedback(
    session: orm.Session,
    article_id_: str,
    kind: str,
    actor: str | None,
    query: str = "",
    call_id: int | None = None,
) -> Feedback:
    """What an agent did with an article: "not_helpful", "inserted" or "texted"."""
    if kind not in FEEDBACK_KINDS:
        raise KnowledgeBaseError("反馈须为 {kinds} 之一", kinds=", ".join(FEEDBACK_KINDS))
    article = get_article(session, article_id_)
    if article.status != "published":
        raise InvalidTransition("条目 {id} 尚未发布", id=article.id)
    feedback = Feedback(
        article_id=article.id,
        kind=kind,
        actor=actor,
        query=query.strip()[:QUERY_LIMIT],
        call_id=call_id,
        at=utcnow(),
    )
    session.add(feedback)
    session.flush()
    return feedback


def synonym_groups(session: orm.Session) -> list[list[str]]:
    """The synonym groups search uses: the edited table, or the defaults before any edit."""
    state = session.get(IndexState, index.STATE_ID)
    if state is None or not state.synonyms_edited:
        return [list(group) for group in DEFAULT_SYNONYMS]
    groups: dict[str, list[str]] = {}
    rows = session.execute(
        sa.select(Synonym.group_name, Synonym.term).order_by(Synonym.group_name, Synonym.position)
    )
    for group_name, term in rows:
        groups.setdefault(group_name, []).append(term)
    return list(groups.values())


def save_synonym_group(session: orm.Session, terms: Sequence[str]) -> list[str]:
    """Add a group of synonyms, named by its first word; a word already in another group
    moves to this one, and a group of that name is replaced."""
    words = list(dict.fromkeys(t.strip() for t in terms if t.strip()))
    if len(words) < 2:
        raise InvalidSynonyms("同义词组至少要有两个词")
    if any(len(w) > 64 for w in words):
        raise InvalidSynonyms("同义词不能超过 64 个字符")
    _materialise_defaults(session)
    session.execute(
        sa.delete(Synonym).where(sa.or_(Synonym.group_name == words[0], Synonym.term.in_(words)))
    )
    session.add_all(
        Synonym(term=word, group_name=words[0], position=number)
        for number, word in enumerate(words)
    )
    session.flush()
    index.bump_generation(session)
    return words


def delete_synonym_group(session: orm.Session, name: str) -> None:
    """Remove the group named ``name`` (its first word)."""
    _materialise_defaults(session)
    deleted = session.execute(sa.delete(Synonym).where(Synonym.group_name == name.strip()))
    if affected_rows(deleted) == 0:
        raise InvalidSynonyms("没有同义词组“{name}”", name=name)
    index.bump_generation(session)


def _materialise_defaults(session: orm.Session) -> None:
    # The first edit copies the defaults into the table, which from then on is the truth.
    index.bump_generation(session)
    state = session.get_one(IndexState, index.STATE_ID)
    if state.synonyms_edited:
        return
    session.execute(sa.delete(Synonym))
    seen: set[str] = set()
    for group in DEFAULT_SYNONYMS:
        for number, word in enumerate(group):
            if word not in seen:
                seen.add(word)
                session.add(Synonym(term=word, group_name=group[0], position=number))
    state.synonyms_edited = True
    session.flush()
