from pathlib import Path

import pytest

from hotline.settings import Settings, SettingsError

GOOD_SID = "AC" + "0" * 32
GOOD_TOKEN = "f" * 32


def settings(tmp_path: Path, **env) -> Settings:
    return Settings.from_env({"HOTLINE_INSTANCE_PATH": str(tmp_path), **env})


def test_defaults_need_no_setup(tmp_path):
    s = settings(tmp_path)
    assert s.database_url == f"sqlite:///{tmp_path / 'hotline.sqlite3'}"
    assert s.redis_url is None
    assert s.public_url is None
    assert not s.uses_twilio
    assert len(s.secret_key) == 32
    assert len(s.twilio_auth_token) == 32


def test_generated_secrets_are_kept_between_starts(tmp_path):
    first, second = settings(tmp_path), settings(tmp_path)
    assert first.secret_key == second.secret_key
    assert first.twilio_auth_token == second.twilio_auth_token
    assert first.secret_key != first.twilio_auth_token


def test_plain_postgresql_url_uses_psycopg3(tmp_path):
    s = settings(tmp_path, HOTLINE_DATABASE_URL="postgresql://u:p@db.internal/hotline")
    assert s.database_url == "postgresql+psycopg://u:p@db.internal/hotline"


def test_public_url_loses_its_trailing_slash(tmp_path):
    s = settings(tmp_path, HOTLINE_PUBLIC_URL="https://hotline.example.gov/")
    assert s.public_url == "https://hotline.example.gov"


def test_twilio_credentials_switch_on_the_real_gateway(tmp_path):
    s = settings(tmp_path, TWILIO_ACCOUNT_SID=GOOD_SID, TWILIO_AUTH_TOKEN=GOOD_TOKEN)
    assert s.uses_twilio
    assert s.twilio_auth_token == GOOD_TOKEN


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"HOTLINE_DATABASE_URL": "not a url"}, "HOTLINE_DATABASE_URL"),
        ({"HOTLINE_DATABASE_URL": "mysql://u@h/db"}, "HOTLINE_DATABASE_URL"),
        ({"HOTLINE_REDIS_URL": "http://localhost:6379"}, "HOTLINE_REDIS_URL"),
        ({"HOTLINE_REDIS_URL": "redis://localhost:port"}, "HOTLINE_REDIS_URL"),
        ({"HOTLINE_PUBLIC_URL": "hotline.example.gov"}, "HOTLINE_PUBLIC_URL"),
        ({"HOTLINE_PUBLIC_URL": "https://h.example/?a=1"}, "HOTLINE_PUBLIC_URL"),
        ({"TWILIO_ACCOUNT_SID": "AC123"}, "TWILIO_ACCOUNT_SID"),
        ({"TWILIO_ACCOUNT_SID": GOOD_SID}, "TWILIO_AUTH_TOKEN"),
        ({"TWILIO_AUTH_TOKEN": "short"}, "TWILIO_AUTH_TOKEN"),
        ({"HOTLINE_MAIN_NUMBER": "call me"}, "HOTLINE_MAIN_NUMBER"),
        ({"HOTLINE_MAIN_NUMBER": "12345"}, "HOTLINE_MAIN_NUMBER"),
        ({"HOTLINE_MAIN_NUMBER": "+8612345"}, "HOTLINE_MAIN_NUMBER"),
        ({"HOTLINE_MAIN_NUMBER": "020-12345678"}, "HOTLINE_MAIN_NUMBER"),
        ({"HOTLINE_MAIN_NUMBER": "+86 20 1234 5678"}, "HOTLINE_MAIN_NUMBER"),
        ({"HOTLINE_REFERENCE_CACHE_SECONDS": "-1"}, "HOTLINE_REFERENCE_CACHE_SECONDS"),
        ({"HOTLINE_REFERENCE_CACHE_SECONDS": "3601"}, "HOTLINE_REFERENCE_CACHE_SECONDS"),
        ({"HOTLINE_SQLITE_SYNCHRONOUS": "off"}, "HOTLINE_SQLITE_SYNCHRONOUS"),
    ],
)
def test_a_bad_value_names_its_variable_in_one_line(tmp_path, env, variable):
    with pytest.raises(SettingsError) as error:
        settings(tmp_path, **env)
    message = str(error.value)
    assert message.startswith(variable + ":")
    assert "\n" not in message


def test_the_main_number_is_the_twilio_number_in_e164(tmp_path):
    assert settings(tmp_path).main_number == "+862012345678"  # the default: valid E.164
    assert settings(tmp_path, HOTLINE_MAIN_NUMBER="+862083175291").main_number == "+862083175291"
    with pytest.raises(SettingsError) as error:
        settings(tmp_path, HOTLINE_MAIN_NUMBER="12345")
    assert "E.164" in str(error.value) and "\n" not in str(error.value)


def test_an_unwritable_instance_folder_is_reported(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(SettingsError, match="HOTLINE_INSTANCE_PATH"):
        Settings.from_env({"HOTLINE_INSTANCE_PATH": str(blocker / "instance")})


def test_the_reference_cache_and_sqlite_durability_can_be_set(tmp_path):
    assert settings(tmp_path).reference_cache_seconds == 30
    assert settings(tmp_path).sqlite_synchronous == "normal"
    tuned = settings(
        tmp_path, HOTLINE_REFERENCE_CACHE_SECONDS="0", HOTLINE_SQLITE_SYNCHRONOUS="FULL"
    )
    assert (tuned.reference_cache_seconds, tuned.sqlite_synchronous) == (0, "full")


@pytest.mark.parametrize("raw", ["0", "721", "eight hours", "-5", "１２", "²"])
def test_the_session_idle_minutes_are_parsed_strictly(tmp_path, raw):
    assert settings(tmp_path).session_idle_minutes == 480
    assert settings(tmp_path, HOTLINE_SESSION_IDLE_MINUTES="60").session_idle_minutes == 60
    with pytest.raises(SettingsError, match=r"^HOTLINE_SESSION_IDLE_MINUTES: "):
        settings(tmp_path, HOTLINE_SESSION_IDLE_MINUTES=raw)


WAITS = {
    "HOTLINE_DB_CONNECT_TIMEOUT_SECONDS": ("db_connect_timeout_seconds", 2, "5", 5),
    "HOTLINE_DB_POOL_TIMEOUT_SECONDS": ("db_pool_timeout_seconds", 2, "0.5", 0.5),
    "HOTLINE_DB_STATEMENT_TIMEOUT_SECONDS": ("db_statement_timeout_seconds", 5, "1.5", 1.5),
    "HOTLINE_DB_LOCK_TIMEOUT_SECONDS": ("db_lock_timeout_seconds", 2, "3", 3),
    "HOTLINE_DB_MAINTENANCE_TIMEOUT_SECONDS": ("db_maintenance_timeout_seconds", 600, "60", 60),
    "HOTLINE_SQLITE_BUSY_TIMEOUT_SECONDS": ("sqlite_busy_timeout_seconds", 5, "0.2", 0.2),
    "HOTLINE_WEBHOOK_BUDGET_SECONDS": ("webhook_budget_seconds", 8, "12.5", 12.5),
    "HOTLINE_REQUEST_BUDGET_SECONDS": ("request_budget_seconds", 30, "90", 90),
    "HOTLINE_HEALTH_TIMEOUT_SECONDS": ("health_timeout_seconds", 0.8, "2", 2),
}


@pytest.mark.parametrize("variable", list(WAITS))
@pytest.mark.parametrize("raw", ["0", "-1", "99999", "five", "1e3", "1.2.3", "５", "²", ".5"])
def test_every_wait_for_the_database_is_parsed_strictly(tmp_path, variable, raw):
    field, default, good, parsed = WAITS[variable]
    assert getattr(settings(tmp_path), field) == default
    assert getattr(settings(tmp_path, **{variable: good}), field) == parsed
    with pytest.raises(SettingsError) as error:
        settings(tmp_path, **{variable: raw})
    message = str(error.value)
    assert message.startswith(f"{variable}: {raw!r} is not a number of seconds between ")
    assert "\n" not in message


def test_a_webhook_budget_must_leave_room_within_twilios_15_seconds(tmp_path):
    with pytest.raises(SettingsError, match=r"^HOTLINE_WEBHOOK_BUDGET_SECONDS: '15' .* and 14$"):
        settings(tmp_path, HOTLINE_WEBHOOK_BUDGET_SECONDS="15")
    # libpq waits at least 2 seconds for a connection, whatever it is told.
    with pytest.raises(SettingsError, match=r"^HOTLINE_DB_CONNECT_TIMEOUT_SECONDS: '1' "):
        settings(tmp_path, HOTLINE_DB_CONNECT_TIMEOUT_SECONDS="1")
