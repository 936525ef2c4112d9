"""The gap report: what agents looked for and did not find, what did not help, and which
expired articles are still handed out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from knowledge_base.models import Article, Feedback, SearchLog


@dataclass(frozen=True)
class UnansweredQuery:
    normalized: str
    example: str
    searches: int
    last_at: datetime


@dataclass(frozen=True)
class UnhelpfulArticle:
    id: str
    title: str
    not_helpful: int
    last_query: str


@dataclass(frozen=True)
class ExpiredInUse:
    id: str
    title: str
    valid_until: datetime
    uses: int
    last_used_at: datetime | None


def unanswered_queries(
    session: orm.Session, since: datetime, limit: int = 20
) -> list[UnansweredQuery]:
    """The most frequent searches since ``since`` that found no confident answer."""
    rows = session.execute(
        sa.select(
            SearchLog.normalized,
            sa.func.min(SearchLog.query),
            sa.func.count(),
            sa.func.max(SearchLog.at),
        )
        .where(SearchLog.at >= since, SearchLog.confident.is_(False))
        .group_by(SearchLog.normalized)
        .order_by(sa.func.count().desc(), sa.func.max(SearchLog.at).desc())
        .limit(limit)
    )
    return [UnansweredQuery(*row) for row in rows]


def unhelpful_articles(
    session: orm.Session, since: datetime, limit: int = 20
) -> list[UnhelpfulArticle]:
    """The articles most often marked "not helpful" since ``since``."""
    counts = (
        sa.select(
            Feedback.article_id,
            sa.func.count().label("marks"),
            sa.func.max(Feedback.id).label("last_id"),
        )
        .where(Feedback.kind == "not_helpful", Feedback.at >= since)
        .group_by(Feedback.article_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(Article.id, Article.title, counts.c.marks, Feedback.query)
        .join(counts, counts.c.article_id == Article.id)
        .join(Feedback, Feedback.id == counts.c.last_id)
        .order_by(counts.c.marks.desc(), Article.id)
        .limit(limit)
    )
    return [UnhelpfulArticle(*row) for row in rows]


def expired_in_use(
    session: orm.Session,
    now: datetime,
    resolutions: Mapping[str, tuple[int, datetime | None]] | None = None,
) -> list[ExpiredInUse]:
    """Published articles past their ``valid_until`` that were inserted or texted after it,
    most used first. ``resolutions`` adds, by article, calls resolved with it after it
    expired (the call records are not the knowledge base's)."""
    expired = session.scalars(
        sa.select(Article).where(
            Article.status == "published",
            Article.valid_until.is_not(None),
            Article.valid_until <= now,
        )
    ).all()
    report = []
    for article in expired:
        valid_until = article.valid_until
        if valid_until is None:  # left out by the query; the test tells the type
            continue
        uses, last = session.execute(
            sa.select(sa.func.count(), sa.func.max(Feedback.at)).where(
                Feedback.article_id == article.id,
                Feedback.kind.in_(("inserted", "texted")),
                Feedback.at >= valid_until,
            )
        ).one()
        resolved, resolved_last = (resolutions or {}).get(article.id, (0, None))
        uses += resolved
        latest = max((t for t in (last, resolved_last) if t), default=None)
        if uses:
            report.append(ExpiredInUse(article.id, article.title, valid_until, uses, latest))
    report.sort(key=lambda row: (-row.uses, row.id))
    return report


def expired_articles(session: orm.Session, now: datetime) -> dict[str, datetime]:
    """The published articles past their ``valid_until``, with that time, by id."""
    rows = session.execute(
        sa.select(Article.id, Article.valid_until).where(
            Article.status == "published",
            Article.valid_until.is_not(None),
            Article.valid_until <= now,
        )
    )
    # The query leaves out articles without a valid_until; the test tells the type.
    return {article_id: until for article_id, until in rows if until is not None}
