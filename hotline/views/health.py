"""/healthz (does the database answer, and Redis when configured) and the API's description."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify

from hotline.infra import context
from hotline.infra.database import engine
from hotline.views.render.openapi import document

bp = Blueprint("health", __name__)


@bp.get("/api/v1/openapi.json")
def openapi():
    return jsonify(document(context.part(context.OPENAPI_PATHS)))


@bp.get("/healthz")
def healthz():
    checks = {"database": _check_database()}
    redis_url = context.settings().redis_url
    if redis_url:
        checks["redis"] = _check_redis(redis_url)
    healthy = all(value == "ok" for value in checks.values())
    return jsonify(status="ok" if healthy else "error", **checks), 200 if healthy else 503


def _check_database() -> str:
    try:
        with engine().connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


def _check_redis(url: str) -> str:
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except RedisError as exc:
        return f"error: {type(exc).__name__}"
    return "ok"
