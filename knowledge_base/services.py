"""Knowledge-base services: store articles, search the published ones."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from knowledge_base.errors import InvalidArticle
from knowledge_base.models import Article
from knowledge_base.search import Document, Hit, SearchIndex


def build_index(session: orm.Session) -> SearchIndex:
    """An index over the published articles."""
    articles = session.scalars(sa.select(Article).where(Article.status == "published"))
    return SearchIndex([Document(a.id, a.title, (*a.questions, *a.keywords)) for a in articles])


def search_articles(session: orm.Session, query: str, limit: int = 5) -> list[Hit]:
    return build_index(session).search(query, limit=limit)


def upsert_article(session: orm.Session, data: Mapping[str, Any]) -> tuple[Article, bool]:
    """Create or update a published article from a record in the JSONL format.

    Returns the article and whether it was created.
    """
    article_id = str(data.get("id") or "").strip()
    title = str(data.get("title") or "").strip()
    answer = str(data.get("answer") or "").strip()
    if not article_id or not title or not answer:
        raise InvalidArticle("an article needs an id, a title and an answer")
    questions = _string_list(data.get("questions"), "questions")
    keywords = _string_list(data.get("keywords"), "keywords")
    article = session.get(Article, article_id)
    created = article is None
    if created:
        article = Article(id=article_id)
        session.add(article)
    article.title = title
    article.answer = answer
    article.questions = questions
    article.keywords = keywords
    article.category_code = data.get("category") or None
    article.unit_code = data.get("unit") or None
    article.lang = data.get("lang") or "zh"
    article.status = "published"
    return article, created


def _string_list(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidArticle(f"{name} must be a list of strings")
    return [v.strip() for v in value if v.strip()]
