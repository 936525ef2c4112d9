"""/healthz (does the database answer, and Redis when configured) and the API's description."""

from __future__ import annotations

from flask import Blueprint, jsonify

from hotline.infra import context
from hotline.infra.database import probe
from hotline.views.render.openapi import document

bp = Blueprint("health", __name__)


@bp.get("/api/v1/openapi.json")
def openapi():
    return jsonify(document(context.part(context.OPENAPI_PATHS)))


@bp.get("/healthz")
def healthz():
    """Answers within HOTLINE_HEALTH_TIMEOUT_SECONDS whatever the database and Redis do: a
    load balancer must learn that the database does not answer, not wait with it."""
    seconds = context.settings().health_timeout_seconds
    database = probe().start(seconds)  # in a thread of its own, meanwhile
    checks = {}
    redis_url = context.settings().redis_url
    if redis_url:
        checks["redis"] = _check_redis(redis_url, seconds)
    checks["database"] = database.outcome()
    healthy = all(value == "ok" for value in checks.values())
    return jsonify(status="ok" if healthy else "error", **checks), 200 if healthy else 503


def _check_redis(url: str, seconds: float) -> str:
    from redis import Redis
    from redis.exceptions import RedisError

    # Connecting and the ping share the time.
    wait = seconds / 2
    try:
        Redis.from_url(url, socket_connect_timeout=wait, socket_timeout=wait).ping()
    except RedisError as exc:
        return f"error: {type(exc).__name__}"
    return "ok"
