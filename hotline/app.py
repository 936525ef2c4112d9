"""The application factory."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask, abort, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter
from werkzeug.security import safe_join

from hotline.infra import context, database, listeners, reference
from hotline.infra.gateway import LocalGateway, TwilioGateway
from hotline.infra.jobs import InProcessRunner, RqRunner
from hotline.services.logins import ABSOLUTE_LIFETIME
from hotline.settings import Settings
from hotline.views import (
    admin,
    agent_api,
    auth,
    console,
    conversations,
    department,
    errors,
    health,
    json_depth,
    kb,
    live,
    monitor_api,
    navigation,
    open311,
    reports,
    supervisor,
    wallboard,
    workorder_admin,
    workorder_api,
)
from hotline.views.render import i18n
from hotline.views.render.names import (
    actor_name,
    assignment_reason,
    audit_action,
    audit_changes,
    audit_subject,
    category_keys,
    category_name,
    channel_name,
    figure_name,
    language_name,
    place,
    remaining,
    skill_name,
    unit_name,
)
from hotline.views.render.timeline import isotime, order_timeline
from webhooks import sms, voice
from workorders.calendar import LOCAL

csrf = CSRFProtect()
MAX_ROW_ID = 2**31 - 1


class RowId(IntegerConverter):
    """``<int:…>`` in our routes is a row id: one beyond the database's integers is no such
    page (404), never a query the driver cannot send."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(map, *args, **kwargs)


class CookieSessions(SecureCookieSessionInterface):
    """Twilio's webhooks carry no cookie and must set none: they skip the signed session."""

    def open_session(self, app: Flask, request):
        if request.path.startswith("/twilio/"):
            return self.session_class()
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Flask) -> bool:
        # Secure under an https public URL, and on any request that came in over https
        # (directly, or through a trusted proxy that ProxyFix believes).
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)


def create_app(
    settings: Settings | None = None, flask_config: Mapping[str, Any] | None = None
) -> Flask:
    """The application on ``settings`` (default: read from the environment, once).

    ``flask_config`` is Flask's own configuration (``TESTING``, ``SERVER_NAME``…); every
    setting of the hotline is in ``settings``, which tests vary with
    ``dataclasses.replace``.
    """
    settings = settings if settings is not None else Settings.from_env()
    app = Flask(__name__)
    https = (settings.public_url or "").startswith("https://")
    app.session_interface = CookieSessions()
    app.url_map.converters["int"] = RowId
    app.config.from_mapping(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=https,
        # Flask signs the cookie with its time: none is accepted older than a login may be.
        PERMANENT_SESSION_LIFETIME=ABSOLUTE_LIFETIME,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=https,
        REMEMBER_COOKIE_DURATION=ABSOLUTE_LIFETIME,
        WTF_CSRF_TIME_LIMIT=None,
    )
    if flask_config:
        app.config.from_mapping(flask_config)
    context.provide(app, context.SETTINGS, settings)
    if settings.proxy_fix:
        # Behind N trusted proxies: the scheme, host, port and client address are theirs.
        hops = settings.proxy_fix
        # Wrapping the method is how Flask documents it; mypy sees only a method assigned.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )
    # Before CSRF's check, which reads the form.
    app.before_request(_refuse_oversize_bodies)
    app.before_request(json_depth.refuse_deep_json)
    app.before_request(_refuse_nul_characters)
    app.after_request(_security_headers)
    _versioned_static_files(app)

    database.init_app(app)
    reference.init_app(app)
    listeners.attach(context.sessions(app))
    i18n.init_app(app)
    csrf.init_app(app)
    auth.login_manager.init_app(app)
    context.provide(app, context.GATEWAY, _gateway(settings))
    context.provide(
        app,
        context.JOBS,
        RqRunner(settings.redis_url) if settings.redis_url else InProcessRunner(),
    )

    csrf.exempt(voice.bp)
    csrf.exempt(sms.bp)
    csrf.exempt(agent_api.bp)
    csrf.exempt(workorder_api.bp)
    csrf.exempt(open311.bp)
    for blueprint in (
        auth.bp,
        console.bp,
        conversations.bp,
        supervisor.bp,
        department.bp,
        reports.bp,
        monitor_api.bp,
        open311.bp,
        kb.bp,
        agent_api.bp,
        workorder_api.bp,
        admin.bp,
        workorder_admin.bp,
        wallboard.bp,
        live.bp,
        health.bp,
        voice.bp,
        sms.bp,
    ):
        app.register_blueprint(blueprint)

    errors.init_app(app)
    app.jinja_env.filters.update(
        localtime=localtime, percent=percent, remaining=remaining, isotime=isotime
    )
    app.jinja_env.globals.update(
        menu=navigation.menu,
        unit_name=unit_name,
        category_name=category_name,
        actor_name=actor_name,
        order_timeline=order_timeline,
        channel_name=channel_name,
        figure_name=figure_name,
        language_name=language_name,
        place=place,
        skill_name=skill_name,
        assignment_reason=assignment_reason,
        audit_action=audit_action,
        audit_changes=audit_changes,
        audit_subject=audit_subject,
        category_keys=category_keys,
    )
    app.jinja_env.filters.update(unit_name=unit_name)

    from hotline import cli

    cli.register(app)
    return app


def _gateway(settings: Settings):
    if settings.twilio_account_sid:
        return TwilioGateway(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            settings.main_number,
            base_url=settings.twilio_api_base_url,
        )
    return LocalGateway(settings.instance_path / "outbox.jsonl", settings.main_number)


def _refuse_oversize_bodies():
    limit = request.max_content_length
    if limit is not None and (request.content_length or 0) > limit:
        abort(413, f"the request body is larger than the {limit} bytes this server accepts")


def _refuse_nul_characters():
    """NUL characters have no place in text, and PostgreSQL refuses them in strings."""
    texts = [request.path, *request.args.keys(), *request.args.values()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        texts += [*request.form.keys(), *request.form.values()]
    elif request.is_json:
        texts += list(_strings_in(request.get_json(silent=True)))
    if any("\x00" in text for text in texts):
        abort(400, "the request contains a NUL character")


SECURITY_HEADERS = {
    # No page of ours may be framed (clickjacking); the console's inline scripts keep working.
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


# A year: a file's URL names its content, so a changed file is a new URL.
STATIC_MAX_AGE = 365 * 24 * 3600


def _versioned_static_files(app: Flask) -> None:
    """``url_for('static', ...)`` adds ``v=`` (a digest of the file's content) and such a
    URL is cached by the browser for a year: a page then loads its scripts and style from
    the browser's cache instead of asking the server whether each changed. The vendored
    libraries keep their plain URLs (tests stand in for them by URL)."""
    digests: dict[str, str] = {}

    def digest(filename: str) -> str:
        if filename not in digests:
            path = safe_join(app.static_folder or "", filename)
            try:
                content = Path(path).read_bytes() if path else b""
            except OSError:
                content = b""
            digests[filename] = hashlib.sha256(content).hexdigest()[:12] if content else ""
        return digests[filename]

    @app.url_defaults
    def add_version(endpoint: str, values: dict[str, Any]) -> None:
        filename = values.get("filename") or ""
        if endpoint != "static" or "v" in values or filename.startswith("vendor/"):
            return
        if version := digest(filename):
            values["v"] = version

    plain_max_age = app.get_send_file_max_age

    def max_age(filename: str | None) -> int | None:
        if has_request_context() and request.args.get("v"):
            return STATIC_MAX_AGE
        return plain_max_age(filename)

    app.get_send_file_max_age = max_age  # type: ignore[method-assign]


def _security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _strings_in(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings_in(item)


def localtime(value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC timestamp (or its ISO text, as the agent API gives it) in Asia/Shanghai time."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if value else None
    return value.astimezone(LOCAL).strftime(fmt) if value else ""


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"
