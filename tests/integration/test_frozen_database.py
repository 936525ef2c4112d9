"""PostgreSQL frozen (SIGSTOP) or stopped under a served hotline: every webhook answers in
time, nobody waiting in the queue is hung up on, nothing is lost.

A private PostgreSQL of the test's own (initdb into a temporary folder, a free port) runs
under `hotline serve`, as in production; the machine's shared PostgreSQL is never touched.
Freezing stops its postmaster and every backend: the kernel still accepts connections and
keeps what is sent, nothing ever answers, which is what a hung disk, a swapping machine or a
paused VM look like from the application.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pytest
import requests
import sqlalchemy as sa

from routing.messaging import Message
from routing.models import Call
from tests.conftest import service_missing, sign
from tests.served import free_port, hotline, hotline_env, serving

PG_BIN = Path(os.environ.get("HOTLINE_TEST_PG_BIN", "/usr/local/bin"))
# Functional deadlines, not benchmarks: Twilio gives up on a webhook after 15 s, and a load
# balancer's health check should hear within about a second.
WEBHOOK_DEADLINE = 10.0
HEALTH_DEADLINE = 1.5
REPLAY_DEADLINE = 30.0
NEW_CALLS = 8


@dataclass
class PrivatePostgres:
    """A PostgreSQL server of the test's own: its data folder, port and the user it runs as."""

    base: Path
    port: int
    user: str | None  # the user the server runs as when the tests run as root

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/hotline"

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        extra = {"user": self.user, "extra_groups": []} if self.user else {}
        return subprocess.run(
            args, capture_output=True, text=True, timeout=timeout, check=False, **extra
        )

    def start(self) -> None:
        # No fsync: the files only have to survive the server's processes (an immediate
        # stop), not the machine. Commits still wait for the WAL to be written.
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.base} -c fsync=off -c full_page_writes=off"
        )
        started = self.run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.base / "server.log"),
            "-o", options, "-w", "-t", "30", "start",
        )  # fmt: skip
        assert started.returncode == 0, started.stdout + started.stderr + self.log()

    def stop(self, mode: str = "immediate") -> None:
        self.run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def log(self) -> str:
        path = self.base / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def postmaster(self) -> int:
        pid = int((self.data / "postmaster.pid").read_text().split()[0])
        # Never signal anything but this test's own server.
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        assert str(self.data) in command, f"pid {pid} is not our postmaster: {command}"
        return pid

    def processes(self) -> list[int]:
        postmaster = self.postmaster()
        children = subprocess.run(
            ["pgrep", "-P", str(postmaster)], capture_output=True, text=True, check=False
        ).stdout.split()
        return [postmaster, *map(int, children)]

    def freeze(self) -> None:
        """SIGSTOP the postmaster first (it forks no backend after), then every child."""
        os.kill(self.postmaster(), signal.SIGSTOP)
        for pid in self.processes()[1:]:
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in reversed(self.processes()):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)


def _server_user() -> str | None:
    """PostgreSQL refuses to run as root: then it runs as postgres (or nobody)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    service_missing("running as root, and there is no postgres or nobody user to run PostgreSQL")
    return None


@pytest.fixture(scope="module")
def private_postgres(tmp_path_factory) -> Iterator[PrivatePostgres]:
    missing = [name for name in ("initdb", "pg_ctl") if not (PG_BIN / name).is_file()]
    if missing or shutil.which("pgrep") is None:
        service_missing(
            f"{' and '.join(missing) or 'pgrep'} not found in {PG_BIN}: the frozen-database "
            "test starts a PostgreSQL server of its own (set HOTLINE_TEST_PG_BIN to the folder "
            "of PostgreSQL's programs)"
        )
    user = _server_user()
    if user:  # root's pytest folders are closed to the server's user
        base = Path(tempfile.mkdtemp(prefix="hotline-frozen-pg-"))
        entry = pwd.getpwnam(user)
        os.chown(base, entry.pw_uid, entry.pw_gid)
    else:
        base = tmp_path_factory.mktemp("frozen-pg")
    server = PrivatePostgres(base, free_port(), user)
    made = server.run(
        str(PG_BIN / "initdb"), "-D", str(server.data), "-A", "trust", "-U", "postgres",
        "-E", "UTF8", "--no-sync",
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    server.start()
    try:
        admin = sa.create_engine(
            server.url.replace("/hotline", "/postgres"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as connection:
            connection.execute(sa.text("CREATE DATABASE hotline"))
        admin.dispose()
        yield server
    finally:
        server.thaw()
        server.stop()
        if user:
            shutil.rmtree(base, ignore_errors=True)


@dataclass
class Product:
    url: str
    instance: Path
    database_url: str

    def post(self, path: str, params: dict) -> tuple[requests.Response, float]:
        """A signed webhook, as Twilio sends it; the answer and how long it took."""
        began = time.monotonic()
        response = requests.post(
            self.url + path,
            data=params,
            headers={"X-Twilio-Signature": sign(self.url + path, params)},
            timeout=30,
        )
        return response, time.monotonic() - began

    def health(self) -> tuple[requests.Response, float]:
        began = time.monotonic()
        response = requests.get(self.url + "/healthz", timeout=30)
        return response, time.monotonic() - began

    @property
    def spool(self) -> Path:
        return self.instance / "webhook-spool.jsonl"

    def spooled(self) -> int:
        """Requests kept in the spool, or in a batch being replayed."""
        files = self.instance.glob(self.spool.name + "*")
        return sum(len(path.read_text().splitlines()) for path in files)


@pytest.fixture(scope="module")
def product(private_postgres, tmp_path_factory) -> Iterator[Product]:
    directory = tmp_path_factory.mktemp("served")
    env = hotline_env(directory / "instance", private_postgres.url)
    for command in (("db", "upgrade"), ("seed",)):
        done = hotline(*command, env=env)
        assert done.returncode == 0, done.stderr
    with serving(env, directory) as url:
        yield Product(url, directory / "instance", private_postgres.url)


@pytest.fixture
def observer(product) -> Iterator[sa.Engine]:
    """Reads the database, never while it is frozen."""
    engine = sa.create_engine(product.database_url, poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()


def call_status(engine: sa.Engine, call_sid: str) -> str | None:
    with engine.connect() as connection:
        return connection.scalar(sa.select(Call.status).where(Call.call_sid == call_sid))


def verbs(response: requests.Response) -> list[str]:
    """The TwiML verbs of an answer (an empty list for one that is not TwiML)."""
    assert response.status_code == 200, (response.status_code, response.text[:300])
    return [element.tag for element in ElementTree.fromstring(response.content)]


def queue_a_caller(product: Product, call_sid: str) -> str:
    """A caller through the menus into the queue; returns the wait URL Twilio was given."""
    caller = {"CallSid": call_sid, "From": "+8613700137001", "To": "12345"}
    assert "Gather" in verbs(product.post("/twilio/voice", caller)[0])
    choice = {"CallSid": call_sid, "Digits": "1"}
    assert "Gather" in verbs(product.post("/twilio/voice/language", choice)[0])
    queued, _ = product.post("/twilio/voice/menu", choice)
    enqueue = ElementTree.fromstring(queued.content).find("Enqueue")
    assert enqueue is not None, queued.text
    wait_url = enqueue.get("waitUrl")
    assert wait_url
    return wait_url


def waiting_answer(product: Product, wait_url: str, call_sid: str) -> tuple[list[str], float]:
    response, took = product.post(wait_url, {"CallSid": call_sid, "QueueTime": "40"})
    return verbs(response), took


def assert_keeps_them_in_the_queue(answer: list[str], body: str, wait_url: str) -> None:
    assert "Hangup" not in answer and "Leave" not in answer, body
    assert answer[0] == "Say" and answer[-1] == "Redirect", body
    redirect = ElementTree.fromstring(body).find("Redirect")
    assert redirect is not None and (redirect.text or "").strip() == wait_url, body


def wait_for_replay(product: Product, observer: sa.Engine, sids: list[str]) -> float:
    """Until the relay of `hotline serve` replayed the spool and every call is on record."""
    began = time.monotonic()
    while time.monotonic() - began < REPLAY_DEADLINE:
        if product.spooled() == 0:
            with observer.connect() as connection:
                found = connection.scalar(
                    sa.select(sa.func.count(Call.id)).where(Call.call_sid.in_(sids))
                )
            if found == len(sids):
                return time.monotonic() - began
        time.sleep(0.5)
    pytest.fail(f"the spool was not replayed within {REPLAY_DEADLINE:.0f} s")


def test_a_frozen_database_hangs_up_no_one_and_loses_nothing(private_postgres, product, observer):
    waiting = "CA" + "a1" * 16
    wait_url = queue_a_caller(product, waiting)
    assert call_status(observer, waiting) == "queued"
    assert product.health()[0].status_code == 200

    new_calls = [f"CA{n:032x}" for n in range(0xF00, 0xF00 + NEW_CALLS)]
    late = "CA" + "b2" * 16
    text_sid = "SM" + "c3" * 16
    private_postgres.freeze()
    try:
        health, health_took = product.health()
        assert health.status_code == 503 and health_took < HEALTH_DEADLINE, (
            health.text,
            health_took,
        )
        assert "did not answer" in health.json()["database"]

        requests_ = [
            ("/twilio/voice", {"CallSid": sid, "From": f"+86137001370{n:02d}", "To": "12345"})
            for n, sid in enumerate(new_calls)
        ]
        requests_ += [
            (wait_url, {"CallSid": waiting, "QueueTime": "45"}),
            ("/twilio/voice/fallback", {"CallSid": late, "From": "+8613600136000", "To": "12345"}),
            ("/twilio/sms", {"MessageSid": text_sid, "From": "+8613700137009", "Body": "路灯坏了"}),
        ]  # fmt: skip
        with ThreadPoolExecutor(len(requests_)) as pool:
            answers = list(pool.map(lambda r: product.post(*r), requests_))
        took = [seconds for _, seconds in answers]
        assert max(took) < WEBHOOK_DEADLINE, took

        calls, (wait_answer, _), (fallback, _), (text, _) = (
            answers[:NEW_CALLS],
            *answers[NEW_CALLS:],
        )
        for response, _ in calls:  # the apology, kept for later
            assert verbs(response) == ["Say", "Hangup"], response.text
            assert response.headers["X-Hotline-Spooled"] == "1"
        assert_keeps_them_in_the_queue(verbs(wait_answer), wait_answer.text, wait_url)
        assert verbs(fallback) == ["Say", "Hangup"]
        assert text.status_code == 204 and text.headers["X-Hotline-Spooled"] == "1"
        assert product.spooled() == NEW_CALLS + 2  # the calls, the fallback's call, the text

        health, health_took = product.health()
        assert health.status_code == 503 and health_took < HEALTH_DEADLINE, health_took
        print(
            f"\nfrozen: {len(answers)} webhooks answered in {min(took):.1f}-{max(took):.1f} s, "
            f"/healthz 503 in {health_took:.2f} s"
        )
    finally:
        private_postgres.thaw()

    replayed_in = wait_for_replay(product, observer, [*new_calls, late])
    print(f"replayed within {replayed_in:.1f} s of the thaw")
    with observer.connect() as connection:
        bodies = connection.scalars(
            sa.select(Message.body).where(Message.direction == "in", Message.sid == text_sid)
        ).all()
        abandoned = connection.scalar(
            sa.select(sa.func.count(Call.id)).where(Call.status == "abandoned")
        )
    assert bodies == ["路灯坏了"]
    assert call_status(observer, late) == "completed"  # turned away by the fallback
    # The caller who was waiting is waiting still, and is spoken to as before.
    assert call_status(observer, waiting) == "queued" and abandoned == 0
    answer, _ = waiting_answer(product, wait_url, waiting)
    assert "Hangup" not in answer and "Say" in answer
    assert product.health()[0].status_code == 200


def test_a_stopped_database_hangs_up_no_one_and_loses_nothing(private_postgres, product, observer):
    waiting = "CA" + "d4" * 16
    wait_url = queue_a_caller(product, waiting)
    new_call = "CA" + "e5" * 16
    private_postgres.stop("immediate")
    try:
        answer, took = product.post(
            "/twilio/voice", {"CallSid": new_call, "From": "+8613700137010", "To": "12345"}
        )
        assert verbs(answer) == ["Say", "Hangup"] and took < WEBHOOK_DEADLINE, took
        holding, took = product.post(wait_url, {"CallSid": waiting, "QueueTime": "45"})
        assert_keeps_them_in_the_queue(verbs(holding), holding.text, wait_url)
        assert took < WEBHOOK_DEADLINE, took
        health, health_took = product.health()
        assert health.status_code == 503 and health_took < HEALTH_DEADLINE, health_took
    finally:
        private_postgres.start()

    wait_for_replay(product, observer, [new_call])
    assert call_status(observer, waiting) == "queued"
    assert re.search(r"<Say", product.post(wait_url, {"CallSid": waiting})[0].text)
