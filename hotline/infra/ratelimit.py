"""Per-token rate limits for the machine APIs: a fixed window counted in the database, or
in Redis when HOTLINE_REDIS_URL is set, so every web worker shares the count."""

from __future__ import annotations

import logging
import math
import time

import sqlalchemy as sa
from redis.exceptions import RedisError
from sqlalchemy import orm

from hotline.infra import context
from hotline.models import ApiRateWindow, ApiToken

log = logging.getLogger(__name__)
WINDOW_SECONDS = 60
# Seconds since the epoch; a test may put a fake clock here.
clock = time.time


def retry_after(session: orm.Session, token: ApiToken) -> int | None:
    """Count one request of the token; the seconds to wait when it is over its limit."""
    limit = context.settings().api_rate_limit
    now = clock()
    window = int(now // WINDOW_SECONDS)
    redis_url = context.settings().redis_url
    count = None
    if redis_url:
        try:
            count = _count_in_redis(redis_url, token.token_hash[:24], window)
        except RedisError as exc:  # Redis down: count in the database meanwhile
            log.warning("rate limit counted in the database, Redis is unavailable: %s", exc)
    if count is None:
        count = _count_in_database(session, token.id, window)
    if count <= limit:
        return None
    return max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))


def _count_in_database(session: orm.Session, token_id: int, window: int) -> int:
    bump = (
        sa.update(ApiRateWindow)
        .where(ApiRateWindow.token_id == token_id)
        .values(
            requests=sa.case(
                (ApiRateWindow.window_index == window, ApiRateWindow.requests + 1), else_=1
            ),
            window_index=window,
        )
        .returning(ApiRateWindow.requests)
    )
    count = session.execute(bump).scalar_one_or_none()
    if count is None:
        try:
            with session.begin_nested():
                session.add(ApiRateWindow(token_id=token_id, window_index=window, requests=1))
            count = 1
        except sa.exc.IntegrityError:
            count = session.execute(bump).scalar_one()
    return count


def _count_in_redis(url: str, token_key: str, window: int) -> int:
    from redis import Redis

    clients = context.ratelimit_clients()
    client = clients.get(url) or clients.setdefault(
        url, Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
    )
    key = f"hotline:ratelimit:{token_key}:{window}"
    pipeline = client.pipeline()
    pipeline.incr(key)
    pipeline.expire(key, WINDOW_SECONDS * 2)
    count, _ = pipeline.execute()
    return int(count)
