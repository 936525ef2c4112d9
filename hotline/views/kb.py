"""The knowledge base in the console: search API, feedback, texting an answer, gap report."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, jsonify, render_template, request
from flask_login import current_user

from hotline.db import utcnow
from hotline.infra.database import get_session
from hotline.services import knowledge
from hotline.views.auth import roles_required
from hotline.views.common import is_whole
from knowledge_base import reports
from knowledge_base import services as kb
from knowledge_base.models import Article
from routing import services as routing
from routing.models import Call

bp = Blueprint("kb", __name__)

RESULT_LIMIT = 10
REPORT_DAYS = (7, 30, 90)


@bp.get("/api/v1/kb/search")
@roles_required("agent", "supervisor")
def search():
    query = request.args.get("q", "").strip()
    if not query:
        abort(400, "q is required")
    query = query[: kb.QUERY_LIMIT]
    limit = request.args.get("limit", "5")
    if not is_whole(limit) or not 1 <= int(limit) <= RESULT_LIMIT:
        abort(400, f"limit must be between 1 and {RESULT_LIMIT}")
    filters = {name: request.args.get(name) or None for name in ("category", "unit", "lang")}
    ranking, articles = knowledge.search(
        get_session(), query, int(limit), filters, current_user.username
    )
    return jsonify(
        query=query,
        confident=ranking.confident,
        confidence=ranking.confidence,
        results=[_result(hit, articles.get(hit.id)) for hit in ranking.hits],
    )


def _result(hit, article: Article | None) -> dict:
    result = {
        "id": hit.id,
        "title": hit.title,
        "score": hit.score,
        "confidence": hit.confidence,
        "expired": hit.expired,
    }
    if article is not None:
        result.update(
            answer=article.answer,
            category=article.category_code,
            unit=article.unit_code,
            lang=article.lang,
        )
    return result


@bp.post("/kb/feedback")
@roles_required("agent", "supervisor")
def feedback():
    kind = request.form.get("kind", "")
    if kind not in ("not_helpful", "inserted"):
        abort(400, "kind must be not_helpful or inserted")
    knowledge.record_feedback(
        get_session(),
        request.form.get("article_id", ""),
        kind,
        current_user.username,
        query=request.form.get("query", ""),
        call_id=_existing_call_id(),
    )
    return jsonify(ok=True)


@bp.post("/kb/articles/<article_id>/text")
@roles_required("agent", "supervisor")
def text_answer(article_id: str):
    """Text the article's answer to the caller of the given call (after commit, as a job)."""
    session = get_session()
    call_id = _call_id()
    if call_id is None:
        abort(400, "a call with the caller's number is needed")
    call = session.get(Call, call_id)
    # Only the call's own agent (or a supervisor) may text its caller; to anyone else the
    # call does not exist, so that its caller's number cannot be reached by guessing ids.
    if call is None or not _may_text_caller_of(session, call):
        abort(404, f"no call {call_id} of yours")
    if not call.from_number:
        abort(400, "a call with the caller's number is needed")
    knowledge.text_answer(
        session, article_id, call, current_user.username, query=request.form.get("query", "")
    )
    return jsonify(ok=True, queued=True)


def _may_text_caller_of(session, call: Call) -> bool:
    if current_user.role in ("supervisor", "admin"):
        return True
    agent = routing.agent_for_user(session, current_user.id)
    return agent is not None and call.agent_id == agent.id


def _existing_call_id() -> int | None:
    """The form's call_id, 404 when it names no call (rather than a foreign-key failure)."""
    call_id = _call_id()
    if call_id is not None and get_session().get(Call, call_id) is None:
        abort(404, f"no call {call_id}")
    return call_id


def _call_id() -> int | None:
    raw = request.form.get("call_id", "").strip()
    if not raw:
        return None
    if not is_whole(raw):
        abort(400, "call_id must be a number")
    return int(raw)


@bp.get("/reports/kb-gaps")
@roles_required("supervisor")
def gaps():
    days = request.args.get("days", "30")
    if not is_whole(days) or int(days) not in REPORT_DAYS:
        abort(400, f"days must be one of {', '.join(map(str, REPORT_DAYS))}")
    session = get_session()
    now = utcnow()
    since = now - timedelta(days=int(days))
    expired = reports.expired_articles(session, now)
    return render_template(
        "kb_gaps.html",
        days=int(days),
        choices=REPORT_DAYS,
        unanswered=reports.unanswered_queries(session, since),
        unhelpful=reports.unhelpful_articles(session, since),
        expired=reports.expired_in_use(session, now, _resolutions_after(session, expired)),
    )


def _resolutions_after(session, expired: dict) -> dict:
    """Calls resolved with each expired article after it expired: (count, last time)."""
    if not expired:
        return {}
    rows = session.execute(
        sa.select(Call.kb_article_id, Call.created_at).where(Call.kb_article_id.in_(list(expired)))
    )
    resolutions: dict = {}
    for article_id, at in rows:
        if at >= expired[article_id]:
            count, last = resolutions.get(article_id, (0, None))
            resolutions[article_id] = (count + 1, max(filter(None, (last, at))))
    return resolutions
