"""Fixtures: the app on a real database (SQLite and PostgreSQL), Redis, signed Twilio posts.

Every test that asks for ``app`` runs once per database backend. Services missing on a
developer's machine skip those tests; under CI=true a missing service fails them.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from twilio.request_validator import RequestValidator

INSTANCE = tempfile.mkdtemp(prefix="hotline-test-")
TWILIO_TOKEN = "0123456789abcdef0123456789abcdef"
TWILIO_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
PUBLIC_URL = "https://hotline.example.gov"
# The app under test is configured by the fixtures alone, not by the developer's shell
# (HOTLINE_TEST_* variables configure the tests themselves and stay).
for name in list(os.environ):
    if name.startswith(("HOTLINE_", "TWILIO_")) and not name.startswith("HOTLINE_TEST_"):
        del os.environ[name]
os.environ["HOTLINE_INSTANCE_PATH"] = INSTANCE
os.environ["TWILIO_AUTH_TOKEN"] = TWILIO_TOKEN

from hotline import db  # noqa: E402
from hotline.app import create_app  # noqa: E402
from hotline.infra import context  # noqa: E402
from hotline.infra.database import dispose_engines, upgrade  # noqa: E402
from hotline.models import Base  # noqa: E402
from hotline.seed.reference import seed_reference  # noqa: E402
from hotline.settings import Settings  # noqa: E402
from hotline.simulator.twilio_api import FakeTwilioApi, Scheduler, Telephony  # noqa: E402

# The evaluation data shared by the projects beside this checkout (not part of it).
SHARED_DATA = Path(
    os.environ.get("HOTLINE_TEST_SHARED_DATA")
    or Path(__file__).resolve().parents[1].parent / "shared" / "data"
)
SHARED_FILES = {
    "units.json": "units",
    "categories.json": "categories",
    "legacy_lines.json": "legacy hotlines",
    "kb_articles.jsonl": "knowledge-base articles",
    "queries_dev.jsonl": "evaluation queries",
}
POSTGRES_ADMIN_URL = os.environ.get(
    "HOTLINE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# With parallel workers (pytest -n), each worker has a Redis database of its own.
WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
REDIS_TEST_URL = os.environ.get(
    "HOTLINE_TEST_REDIS_URL", f"redis://127.0.0.1:6379/{13 + WORKER % 3}"
)
BACKENDS = [b for b in os.environ.get("HOTLINE_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]
REFERENCE_TABLES = {
    "skills",
    "units",
    "categories",
    "legacy_lines",
    "ivr_options",
    "wrap_up_reasons",
    "transfer_directory",
}
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def service_missing(message: str):
    """Fail under CI (the service or data must be there), skip on a developer's machine."""
    if IN_CI:
        pytest.fail(f"{message} (CI=true: it is required)", pytrace=False)
    pytest.skip(message)


def _postgres_database(name: str) -> str:
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        service_missing(f"PostgreSQL unreachable at {POSTGRES_ADMIN_URL}: {exc.orig}")
    finally:
        admin.dispose()
    return sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(False)


def _drop_postgres_database(name: str) -> None:
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def make_database(backend: str, name: str, directory: Path) -> tuple[str, callable]:
    """A new, empty database of ``backend``; returns its URL and a function that drops it."""
    if backend == "sqlite":
        path = directory / f"{name}.sqlite3"
        return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)
    full_name = f"hotline_{name}_{os.getpid()}"
    url = _postgres_database(full_name)
    return url, lambda: _drop_postgres_database(full_name)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """A migrated database with the reference data, shared by the tests of one backend."""
    url, drop = make_database(request.param, "test", tmp_path_factory.mktemp("db"))
    upgrade(url)
    engine = db.create_engine(url)
    with db.session_factory(engine)() as session:
        seed_reference(session)
        session.commit()
    engine.dispose()
    yield url
    drop()


@pytest.fixture
def backend(database_url) -> str:
    return sa.engine.make_url(database_url).get_backend_name()


def app_with(database_url: str, instance: Path | str, **changes):
    """The application on ``database_url`` with its instance folder at ``instance`` and the
    settings ``changes`` (field names of :class:`Settings`); no Redis, no public URL unless
    given."""
    settings = dataclasses.replace(
        Settings.from_env(),
        database_url=database_url,
        instance_path=Path(instance),
        redis_url=changes.pop("redis_url", None),
        public_url=changes.pop("public_url", None),
        # Every request ticks the router: tests move time and look at once.
        router_tick_seconds=changes.pop("router_tick_seconds", 0),
        **changes,
    )
    return create_app(settings, {"TESTING": True})


def override(app, **changes):
    """Run ``app`` on its settings with ``changes`` from now on (e.g. a lower rate limit)."""
    return context.replace_settings(app, **changes)


@pytest.fixture
def app(database_url, tmp_path, request):
    app = app_with(database_url, tmp_path, public_url=PUBLIC_URL)
    yield app
    engine = context.engine(app)
    empty_transactional_tables(engine)
    if request.node.get_closest_marker("changes_reference_data"):
        with db.session_factory(engine)() as session:
            seed_reference(session)
            session.commit()
    dispose_engines(app)


TRANSACTIONAL_TABLES = [t for t in Base.metadata.sorted_tables if t.name not in REFERENCE_TABLES]
# Which transactional tables hold rows, in one round trip.
TABLES_WITH_ROWS = sa.union_all(
    *(
        sa.select(sa.literal(table.name).label("name")).where(sa.exists().select_from(table))
        for table in TRANSACTIONAL_TABLES
    )
)
# The sequences of those tables (their ids) that handed out a number since they were last
# restarted, each restarted; tests may rely on ids starting afresh.
RESTART_MOVED_SEQUENCES = sa.text(
    """
    SELECT setval(s.seqrelid, s.seqstart, false)
    FROM pg_sequence s
    JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid
        AND d.refclassid = 'pg_class'::regclass
    WHERE d.refobjid IN (
            SELECT to_regclass(quote_ident(name)) FROM unnest(CAST(:tables AS text[])) name
        )
        AND pg_sequence_last_value(s.seqrelid) IS NOT NULL
    """
)


SQLITE_TRIGGERS = sa.text(
    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN :tables"
).bindparams(sa.bindparam("tables", expanding=True))


def empty_transactional_tables(engine: sa.Engine) -> None:
    """Delete the rows a test left, and restart the ids it used.

    Only the tables that hold rows are touched: a test uses a few, and TRUNCATE of all of them
    (new files for every table and index) took most of the suite's time on PostgreSQL.
    """
    with engine.begin() as connection:
        used = set(connection.scalars(TABLES_WITH_ROWS))
        # The audit trails refuse DELETE (migration 0009) to everyone but this: PostgreSQL
        # skips ordinary triggers for a superuser's replica session; on SQLite their
        # triggers are dropped and put back within this transaction.
        triggers = []
        if engine.dialect.name == "postgresql":
            connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
        elif used:
            triggers = connection.execute(SQLITE_TRIGGERS, {"tables": list(used)}).all()
            for name, _ in triggers:
                connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
        for table in reversed(TRANSACTIONAL_TABLES):  # the rows that refer to others first
            if table.name in used:
                connection.execute(table.delete())
        for _, definition in triggers:
            connection.exec_driver_sql(definition)
        if engine.dialect.name == "postgresql":
            names = [table.name for table in TRANSACTIONAL_TABLES]
            connection.execute(RESTART_MOVED_SEQUENCES, {"tables": names})


@pytest.fixture
def session(app):
    """A transactional session, for tests that call services directly."""
    with app.app_context():
        factory = context.sessions(app)
        with factory() as session:
            yield session


@pytest.fixture
def observer(app):
    """An autocommit session for tests that drive the app over HTTP: it arranges rows that
    are visible at once and reads current state, without holding a transaction (and, on
    SQLite, the write lock) open between requests."""
    engine = context.engine(app).execution_options(isolation_level="AUTOCOMMIT")
    with db.session_factory(engine)() as session:
        yield session


@pytest.fixture
def gateway(app):
    """The local gateway: what would have been sent to Twilio."""
    return context.gateway(app)


@dataclasses.dataclass
class FakeTwilio:
    """Twilio's REST API as the simulator fakes it, on a local port, the app's gateway sending
    to it: what it received is counted in ``telephony.rest_requests``."""

    telephony: Telephony
    base_url: str
    account_sid: str = TWILIO_ACCOUNT_SID

    def gateway(self, from_number: str | None = None):
        """A gateway to the fake that sends from ``from_number`` (the account's own number
        unless another is given)."""
        from hotline.infra.gateway import TwilioGateway

        sender = from_number or self.telephony.main_number
        return TwilioGateway(self.account_sid, TWILIO_TOKEN, sender, base_url=self.base_url)

    def requests(self, resource: str) -> int:
        """How many requests ``resource`` ("messages.create", "calls.create") received."""
        return self.telephony.rest_requests[resource]


@pytest.fixture
def twilio_api(app):
    """The app's texts and calls go to the simulator's stand-in for Twilio's REST API."""
    scheduler = Scheduler(workers=2)
    # Webhooks back to the hotline (a placed call's status) go nowhere: tests post them.
    telephony = Telephony(
        "http://127.0.0.1:9",
        TWILIO_ACCOUNT_SID,
        TWILIO_TOKEN,
        context.settings(app).main_number,
        public_url=PUBLIC_URL,
        scheduler=scheduler,
    )
    telephony.post = lambda target, params: (0, "")
    with FakeTwilioApi(telephony, "127.0.0.1", 0) as api:
        fake = FakeTwilio(telephony, f"http://127.0.0.1:{api.server.server_address[1]}")
        context.provide(app, context.GATEWAY, fake.gateway())
        yield fake
    scheduler.stop()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def redis_url():
    from redis import Redis
    from redis.exceptions import RedisError

    connection = Redis.from_url(REDIS_TEST_URL)
    try:
        connection.ping()
    except RedisError as exc:
        service_missing(f"Redis unreachable at {REDIS_TEST_URL}: {exc}")
    connection.flushdb()
    yield REDIS_TEST_URL
    connection.flushdb()
    connection.close()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of shared evaluation data (``../shared/data`` beside the checkout, or
    HOTLINE_TEST_SHARED_DATA)."""
    missing = [name for name in SHARED_FILES if not (SHARED_DATA / name).is_file()]
    if missing:
        holds = ", ".join(f"{name} ({SHARED_FILES[name]})" for name in missing)
        service_missing(
            f"the shared evaluation data is missing: {SHARED_DATA} should hold {holds}; "
            "put it there or point HOTLINE_TEST_SHARED_DATA at a copy"
        )
    return SHARED_DATA


def sign(url: str, params: dict, token: str = TWILIO_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def signed_post(client, path: str, params: dict, token: str = TWILIO_TOKEN):
    """POST ``params`` to ``path`` with the signature Twilio would compute for it."""
    return client.post(
        path, data=params, headers={"X-Twilio-Signature": sign(PUBLIC_URL + path, params, token)}
    )


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    match = CSRF.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, username: str, password: str):
    token = csrf_token(client, "/login")
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


def post_form(client, path: str, data: dict, page: str):
    """Submit a form the way a browser does: with the CSRF token from the page it is on."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page)})
