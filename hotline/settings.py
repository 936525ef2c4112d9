"""Settings read from the environment, parsed strictly.

Every value is checked at start-up; a wrong one raises :class:`SettingsError` whose message
names the variable, so the command line can stop with one clear line.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import phonenumbers
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_INSTANCE_PATH = Path.cwd() / "instance"
DEFAULT_MAIN_NUMBER = "+862012345678"


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str | None
    secret_key: str
    public_url: str | None
    twilio_account_sid: str | None
    twilio_auth_token: str
    main_number: str
    instance_path: Path
    reservation_seconds: int = 15
    short_abandon_seconds: int = 5
    job_lease_seconds: int = 30
    service_level_seconds: int = 20
    callback_offer_seconds: int = 60
    twilio_api_key: str | None = None
    twilio_api_secret: str | None = None
    twilio_twiml_app_sid: str | None = None
    urgent_reply_hours: int = 24
    reminder_hours: int = 24
    callback_days: int = 3
    callback_attempts: int = 3
    callback_retry_minutes: float = 10
    supervisor_email: str | None = None
    api_rate_limit: int = 60
    proxy_fix: int = 0
    max_body_bytes: int = 1024 * 1024
    reference_cache_seconds: int = 30
    sqlite_synchronous: str = "normal"
    twilio_api_base_url: str | None = None
    session_idle_minutes: int = 480
    db_connect_timeout_seconds: int = 2
    db_pool_timeout_seconds: float = 2
    db_statement_timeout_seconds: float = 5
    db_lock_timeout_seconds: float = 2
    db_maintenance_timeout_seconds: float = 600
    sqlite_busy_timeout_seconds: float = 5
    webhook_budget_seconds: float = 8
    request_budget_seconds: float = 30
    health_timeout_seconds: float = 0.8
    live_streams: int = 48
    wrap_up_limit_seconds: int = 60
    router_tick_seconds: float = 1.0

    @property
    def uses_twilio(self) -> bool:
        """True when real Twilio credentials are configured (else the local gateway is used)."""
        return self.twilio_account_sid is not None

    @property
    def voice_client(self) -> bool:
        """True when agents' browsers can be given Voice access tokens (an API key is set)."""
        return bool(self.twilio_account_sid and self.twilio_api_key and self.twilio_api_secret)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        instance = Path(_get(env, "HOTLINE_INSTANCE_PATH") or DEFAULT_INSTANCE_PATH).resolve()
        sid = _twilio_sid(env)
        token = _twilio_token(env, sid)
        return cls(
            database_url=_database_url(env, instance),
            redis_url=_redis_url(env),
            secret_key=_get(env, "HOTLINE_SECRET_KEY") or _instance_secret(instance, "secret_key"),
            public_url=_public_url(env),
            twilio_account_sid=sid,
            twilio_auth_token=token or _instance_secret(instance, "local_twilio_auth_token"),
            main_number=_main_number(env),
            instance_path=instance,
            reservation_seconds=_seconds(env, "HOTLINE_RESERVATION_SECONDS", 15),
            short_abandon_seconds=_seconds(env, "HOTLINE_SHORT_ABANDON_SECONDS", 5),
            job_lease_seconds=_seconds(env, "HOTLINE_JOB_LEASE_SECONDS", 30),
            service_level_seconds=_seconds(env, "HOTLINE_SERVICE_LEVEL_SECONDS", 20),
            callback_offer_seconds=_seconds(env, "HOTLINE_CALLBACK_OFFER_SECONDS", 60),
            urgent_reply_hours=_whole(env, "HOTLINE_URGENT_REPLY_HOURS", 24, 1, 720, "hours"),
            reminder_hours=_whole(env, "HOTLINE_REMINDER_HOURS", 24, 1, 720, "hours"),
            callback_days=_whole(env, "HOTLINE_CALLBACK_DAYS", 3, 1, 60, "days"),
            callback_attempts=_whole(env, "HOTLINE_CALLBACK_ATTEMPTS", 3, 1, 10, "attempts"),
            callback_retry_minutes=_decimal(
                env, "HOTLINE_CALLBACK_RETRY_MINUTES", 10, 0.1, 1440, "minutes"
            ),
            supervisor_email=_email(env, "HOTLINE_SUPERVISOR_EMAIL"),
            api_rate_limit=_whole(env, "HOTLINE_API_RATE_LIMIT", 60, 1, 100000, "requests"),
            proxy_fix=_whole(env, "HOTLINE_PROXY_FIX", 0, 0, 5, "trusted proxies"),
            max_body_bytes=_whole(
                env, "HOTLINE_MAX_BODY_BYTES", 1024 * 1024, 1024, 1024 * 1024 * 1024, "bytes"
            ),
            reference_cache_seconds=_whole(
                env, "HOTLINE_REFERENCE_CACHE_SECONDS", 30, 0, 3600, "seconds"
            ),
            sqlite_synchronous=_sqlite_synchronous(env),
            twilio_api_base_url=_twilio_api_base_url(env),
            # Live pages (server-sent events) one web process holds open at once, each on a
            # server thread of its own; past it, pages poll.
            live_streams=_whole(env, "HOTLINE_LIVE_STREAMS", 48, 0, 10000, "streams"),
            # After this long in wrap-up an agent is offered calls again (0: no limit).
            wrap_up_limit_seconds=_whole(
                env, "HOTLINE_WRAP_UP_LIMIT_SECONDS", 60, 0, 3600, "seconds"
            ),
            # The router's housekeeping (expiring offers, ending wrap-ups past the limit,
            # overflowing queues) runs when a console, the wallboard or a waiting caller
            # asks, at most this often in each web process: twenty consoles told of one
            # change at once do not all take the router's locks.
            router_tick_seconds=_whole(env, "HOTLINE_ROUTER_TICK_MS", 1000, 0, 10000, "ms") / 1000,
            session_idle_minutes=_whole(
                env, "HOTLINE_SESSION_IDLE_MINUTES", 480, 1, 720, "minutes"
            ),
            # How long anything may wait for the database: a Twilio webhook must answer
            # within Twilio's 15 seconds, whatever the database does (slow, locked, frozen).
            # libpq counts whole seconds and waits at least 2.
            db_connect_timeout_seconds=_whole(
                env, "HOTLINE_DB_CONNECT_TIMEOUT_SECONDS", 2, 2, 60, "seconds"
            ),
            db_pool_timeout_seconds=_decimal(
                env, "HOTLINE_DB_POOL_TIMEOUT_SECONDS", 2, 0.1, 60, "seconds"
            ),
            db_statement_timeout_seconds=_decimal(
                env, "HOTLINE_DB_STATEMENT_TIMEOUT_SECONDS", 5, 0.1, 3600, "seconds"
            ),
            db_lock_timeout_seconds=_decimal(
                env, "HOTLINE_DB_LOCK_TIMEOUT_SECONDS", 2, 0.1, 3600, "seconds"
            ),
            db_maintenance_timeout_seconds=_decimal(
                env, "HOTLINE_DB_MAINTENANCE_TIMEOUT_SECONDS", 600, 1, 86400, "seconds"
            ),
            sqlite_busy_timeout_seconds=_decimal(
                env, "HOTLINE_SQLITE_BUSY_TIMEOUT_SECONDS", 5, 0.1, 600, "seconds"
            ),
            # Twilio gives up on a webhook after 15 seconds.
            webhook_budget_seconds=_decimal(
                env, "HOTLINE_WEBHOOK_BUDGET_SECONDS", 8, 1, 14, "seconds"
            ),
            request_budget_seconds=_decimal(
                env, "HOTLINE_REQUEST_BUDGET_SECONDS", 30, 1, 600, "seconds"
            ),
            health_timeout_seconds=_decimal(
                env, "HOTLINE_HEALTH_TIMEOUT_SECONDS", 0.8, 0.1, 10, "seconds"
            ),
            **_voice_client(env),
        )


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _database_url(env: Mapping[str, str], instance: Path) -> str:
    raw = _get(env, "HOTLINE_DATABASE_URL")
    if raw is None:
        return f"sqlite:///{instance / 'hotline.sqlite3'}"
    try:
        url = make_url(raw)
    except ArgumentError:
        raise SettingsError(
            f"HOTLINE_DATABASE_URL: {raw!r} is not a database URL "
            "(expected e.g. postgresql+psycopg://user@host/db or sqlite:///path)"
        ) from None
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise SettingsError(
            f"HOTLINE_DATABASE_URL: unsupported database {backend!r} (use postgresql or sqlite)"
        )
    if backend == "postgresql" and url.drivername == "postgresql":
        # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def _redis_url(env: Mapping[str, str]) -> str | None:
    raw = _get(env, "HOTLINE_REDIS_URL")
    if raw is None:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("redis", "rediss", "unix") or not (parts.hostname or parts.path):
        raise SettingsError(
            f"HOTLINE_REDIS_URL: {raw!r} is not a Redis URL (expected redis://host:6379/0)"
        )
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise SettingsError(f"HOTLINE_REDIS_URL: {raw!r} has a malformed port") from None
    return raw


def _public_url(env: Mapping[str, str]) -> str | None:
    return _base_url(env, "HOTLINE_PUBLIC_URL", "https://hotline.example.gov")


def _twilio_api_base_url(env: Mapping[str, str]) -> str | None:
    """Where Twilio's REST API is reached instead of https://api.twilio.com (a simulator)."""
    return _base_url(env, "TWILIO_API_BASE_URL", "http://127.0.0.1:8099")


def _base_url(env: Mapping[str, str], name: str, example: str) -> str | None:
    """An absolute http(s) URL without query or fragment, kept without a trailing slash."""
    raw = _get(env, name)
    if raw is None:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"{name}: {raw!r} must be an absolute http(s) URL such as {example}")
    if parts.query or parts.fragment:
        raise SettingsError(f"{name}: {raw!r} must not have a query or fragment")
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise SettingsError(f"{name}: {raw!r} has a malformed port") from None
    return raw.rstrip("/")


def _twilio_sid(env: Mapping[str, str]) -> str | None:
    raw = _get(env, "TWILIO_ACCOUNT_SID")
    if raw is None:
        return None
    if not re.fullmatch(r"AC[0-9a-fA-F]{32}", raw):
        raise SettingsError(
            "TWILIO_ACCOUNT_SID: expected 'AC' followed by 32 hexadecimal characters"
        )
    return raw


def _twilio_token(env: Mapping[str, str], sid: str | None) -> str | None:
    raw = _get(env, "TWILIO_AUTH_TOKEN")
    if raw is None:
        if sid is not None:
            raise SettingsError("TWILIO_AUTH_TOKEN: required when TWILIO_ACCOUNT_SID is set")
        return None
    if not re.fullmatch(r"[0-9a-fA-F]{32}", raw):
        raise SettingsError("TWILIO_AUTH_TOKEN: expected 32 hexadecimal characters")
    return raw


def _main_number(env: Mapping[str, str]) -> str:
    """The Twilio number texts and callbacks come from, exactly as Twilio writes it (E.164).

    Callers dial and are told 12345; that short code cannot be a sender, so Twilio refuses
    it as From (error 21212). The default is a Guangzhou landline, enough for the local
    gateway.
    """
    raw = _get(env, "HOTLINE_MAIN_NUMBER") or DEFAULT_MAIN_NUMBER
    if not re.fullmatch(r"\+[1-9][0-9]{6,14}", raw) or not _valid_number(raw):
        raise SettingsError(
            f"HOTLINE_MAIN_NUMBER: {raw!r} is not the hotline's Twilio number in E.164 form "
            f"(+, country code and number, such as {DEFAULT_MAIN_NUMBER}); 12345 is only "
            "what callers dial"
        )
    return raw


def _valid_number(raw: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(raw))
    except phonenumbers.NumberParseException:
        return False


def _sqlite_synchronous(env: Mapping[str, str]) -> str:
    raw = (_get(env, "HOTLINE_SQLITE_SYNCHRONOUS") or "normal").lower()
    if raw not in ("normal", "full"):
        raise SettingsError(f"HOTLINE_SQLITE_SYNCHRONOUS: {raw!r} is not one of: normal, full")
    return raw


def _seconds(env: Mapping[str, str], name: str, default: int) -> int:
    raw = _get(env, name)
    if raw is None:
        return default
    if not _is_number(raw) or not 1 <= int(raw) <= 86400:
        raise SettingsError(f"{name}: {raw!r} is not a number of seconds between 1 and 86400")
    return int(raw)


def _whole(env: Mapping[str, str], name: str, default: int, low: int, high: int, unit: str):
    raw = _get(env, name)
    if raw is None:
        return default
    if not _is_number(raw) or not low <= int(raw) <= high:
        raise SettingsError(f"{name}: {raw!r} is not a number of {unit} between {low} and {high}")
    return int(raw)


def _decimal(
    env: Mapping[str, str], name: str, default: float, low: float, high: float, unit: str
) -> float:
    """A plain decimal ("10", "0.5"): a simulation compresses time below whole units."""
    raw = _get(env, name)
    if raw is None:
        return default
    whole, _, fraction = raw.partition(".")
    plain = _is_number(whole) and (not fraction or _is_number(fraction))
    if not plain or not low <= float(raw) <= high:
        raise SettingsError(f"{name}: {raw!r} is not a number of {unit} between {low} and {high}")
    return float(raw)


def _is_number(raw: str) -> bool:
    """ASCII digits only ("²" and other Unicode digits pass str.isdigit but not int())."""
    return raw.isascii() and raw.isdigit() and len(raw) <= 12


def _email(env: Mapping[str, str], name: str) -> str | None:
    raw = _get(env, name)
    if raw is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", raw):
        raise SettingsError(f"{name}: {raw!r} is not an e-mail address")
    return raw


def _voice_client(env: Mapping[str, str]) -> dict[str, str | None]:
    """The API key and TwiML app that browser agents' Voice access tokens are made with."""
    values = {
        "twilio_api_key": _get(env, "TWILIO_API_KEY"),
        "twilio_api_secret": _get(env, "TWILIO_API_SECRET"),
        "twilio_twiml_app_sid": _get(env, "TWILIO_TWIML_APP_SID"),
    }
    key, app = values["twilio_api_key"], values["twilio_twiml_app_sid"]
    if key is not None and not re.fullmatch(r"SK[0-9a-fA-F]{32}", key):
        raise SettingsError("TWILIO_API_KEY: expected 'SK' followed by 32 hexadecimal characters")
    if app is not None and not re.fullmatch(r"AP[0-9a-fA-F]{32}", app):
        raise SettingsError(
            "TWILIO_TWIML_APP_SID: expected 'AP' followed by 32 hexadecimal characters"
        )
    if key is not None and values["twilio_api_secret"] is None:
        raise SettingsError("TWILIO_API_SECRET: required when TWILIO_API_KEY is set")
    return values


def _instance_secret(instance: Path, name: str) -> str:
    """A random secret kept in the instance folder, so the embedded default needs no setup."""
    path = instance / name
    try:
        if path.exists():
            return path.read_text().strip()
        instance.mkdir(parents=True, exist_ok=True)
        value = secrets.token_hex(16)
        path.write_text(value + "\n")
        path.chmod(0o600)
        return value
    except OSError as exc:
        raise SettingsError(
            f"HOTLINE_INSTANCE_PATH: cannot keep {name} in {instance}: {exc.strerror}"
        ) from None
