"""JSON endpoints the console uses."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from hotline.auth import roles_required
from hotline.database import get_session
from knowledge_base import services as kb

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/kb/search")
@roles_required("agent", "supervisor")
def kb_search():
    query = request.args.get("q", "").strip()
    if not query:
        return jsonify(error="q is required"), 400
    hits = kb.search_articles(get_session(), query[:200])
    return jsonify(
        query=query, results=[{"id": h.id, "title": h.title, "score": h.score} for h in hits]
    )
