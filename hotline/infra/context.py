"""The running application's parts, for the code that runs inside it.

This is the one reader of ``current_app.extensions``: every other module asks here for
the settings, the database sessions, the gateway, the job runner, the reference cache,
the public URL and the timing rules built from the settings.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import Flask, current_app, has_request_context, request
from sqlalchemy import orm

from hotline.settings import Settings

if TYPE_CHECKING:
    from hotline.infra.gateway import Gateway
    from hotline.infra.jobs import InProcessRunner, RqRunner
    from hotline.infra.reference import ReferenceCache
    from routing.services import RouterSettings
    from workorders.deadlines import DeadlinePolicy

SETTINGS = "hotline.settings"
ENGINE = "hotline.engine"
AUTOCOMMIT_ENGINE = "hotline.autocommit_engine"
SESSIONS = "hotline.sessions"
GATEWAY = "hotline.gateway"
JOBS = "hotline.jobs"
REFERENCE = "hotline.reference"
OPENAPI_PATHS = "hotline.openapi_paths"
RATELIMIT_CLIENTS = "hotline.ratelimit_redis"


def application() -> Flask:
    """The running application itself rather than its proxy, to hand to a server or worker."""
    # current_app is a proxy: mypy sees the Flask it stands for, without the proxy's method.
    return current_app._get_current_object()  # type: ignore[attr-defined]


def _app(app: Flask | None) -> Flask:
    return app if app is not None else application()


def settings(app: Flask | None = None) -> Settings:
    """The settings the application was built with (parsed once, immutable)."""
    return _app(app).extensions[SETTINGS]


def replace_settings(app: Flask, **changes: Any) -> Settings:
    """Swap in settings with ``changes`` (tests and tools; the parts built at start-up from
    the old values, such as the engines, stay as they are)."""
    new = dataclasses.replace(settings(app), **changes)
    app.extensions[SETTINGS] = new
    return new


def provide(app: Flask, name: str, value: Any) -> None:
    """Register one of the application's parts (the factory and the infra modules do)."""
    app.extensions[name] = value


def part(name: str, app: Flask | None = None, default: Any = None) -> Any:
    """A registered part by name (for the infra modules that registered it)."""
    return _app(app).extensions.get(name, default)


def ratelimit_clients() -> dict[str, Any]:
    """The Redis clients of the monitor API's rate limit, one per URL, kept per process."""
    return _app(None).extensions.setdefault(RATELIMIT_CLIENTS, {})


def engine(app: Flask | None = None) -> sa.Engine:
    return _app(app).extensions[ENGINE]


def autocommit_engine(app: Flask | None = None) -> sa.Engine:
    return _app(app).extensions[AUTOCOMMIT_ENGINE]


def sessions(app: Flask | None = None) -> orm.sessionmaker[orm.Session]:
    return _app(app).extensions[SESSIONS]


def gateway(app: Flask | None = None) -> Gateway:
    """Where texts and calls go out: Twilio's REST API, or the local outbox."""
    return _app(app).extensions[GATEWAY]


def jobs_runner(app: Flask | None = None) -> InProcessRunner | RqRunner:
    return _app(app).extensions[JOBS]


def reference_cache(app: Flask | None = None) -> ReferenceCache:
    return _app(app).extensions[REFERENCE]


def public_url(path: str = "") -> str:
    """An absolute URL Twilio can reach: HOTLINE_PUBLIC_URL, else this request's own host
    (outside a request, without the setting: the path alone)."""
    base = settings().public_url
    if base is None and has_request_context():
        base = request.host_url.rstrip("/")
    return (base or "") + path


def status_callback(path: str) -> str | None:
    """A callback URL for Twilio only where one is known (the public URL is set)."""
    base = settings().public_url
    return base + path if base else None


def deadline_policy() -> DeadlinePolicy:
    """The work-order timing rules from the settings: the one policy of every channel."""
    from workorders.deadlines import DeadlinePolicy

    config = settings()
    return DeadlinePolicy(
        urgent_reply_hours=config.urgent_reply_hours,
        reminder_hours=config.reminder_hours,
        callback_days=config.callback_days,
    )


def router_settings() -> RouterSettings:
    """The call router's timing rules from the settings."""
    from routing.services import RouterSettings

    config = settings()
    return RouterSettings(
        reservation_seconds=config.reservation_seconds,
        short_abandon_seconds=config.short_abandon_seconds,
        offer_choices_after_seconds=config.callback_offer_seconds,
        service_level_seconds=config.service_level_seconds,
        callback_attempts=config.callback_attempts,
        callback_retry_minutes=config.callback_retry_minutes,
        wrap_up_limit_seconds=config.wrap_up_limit_seconds,
    )
