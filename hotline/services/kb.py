"""The knowledge base as the console uses it: searches and feedback are recorded here."""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.infra.jobs import enqueue
from knowledge_base import services as kb
from knowledge_base.models import Article
from knowledge_base.search import Ranking
from routing.models import Call


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
