"""Fixtures of the integration tests that start apps of their own."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from hotline.infra import context
from hotline.infra.database import dispose_engines
from tests.conftest import empty_transactional_tables


@pytest.fixture
def cleanup():
    """Call it with each app the test made: its tables are emptied and its pools closed
    after the test."""
    apps = []
    yield apps.append
    for app in apps:
        empty_transactional_tables(context.engine(app))
        dispose_engines(app)


class PrivateRedis:
    """A redis-server of the test's own on a free port, to kill, stop and restart (never the
    shared one)."""

    def __init__(self, directory: Path):
        binary = shutil.which("redis-server")
        if binary is None:
            if os.environ.get("CI"):
                pytest.fail("redis-server is needed for the job fault tests")
            pytest.skip("redis-server is not installed")
        self.binary, self.directory = binary, directory
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self, empty: bool = True) -> None:
        if empty:
            (self.directory / "dump.rdb").unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        pytest.fail("the private redis-server did not start")

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def signal(self, number: int) -> None:
        assert self.process is not None
        self.process.send_signal(number)


@pytest.fixture
def private_redis(tmp_path):
    redis = PrivateRedis(tmp_path)
    redis.start()
    yield redis
    if redis.process and redis.process.poll() is None:
        redis.signal(signal.SIGCONT)
        redis.kill()
