"""Starting the product in its own process, as an operator would, for tests over real HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.conftest import TWILIO_TOKEN, make_database, sign

HOTLINE = str(Path(sys.executable).parent / "hotline")
START_TIMEOUT = 20.0


@dataclass(frozen=True)
class Served:
    url: str
    env: dict[str, str]
    seed_output: str


def hotline_env(instance: Path, database_url: str) -> dict[str, str]:
    env = {**os.environ}
    env.pop("HOTLINE_PUBLIC_URL", None)
    env.update(
        HOTLINE_DATABASE_URL=database_url,
        HOTLINE_INSTANCE_PATH=str(instance),
        TWILIO_AUTH_TOKEN=TWILIO_TOKEN,
    )
    return env


def hotline(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [HOTLINE, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(
    url: str,
    server: subprocess.Popen,
    log: Path,
    name: str = "hotline serve",
    timeout: float = START_TIMEOUT,
) -> None:
    """Until /healthz answers 200; workers booting on a busy machine may be slow to."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"{name} exited with {server.returncode}:\n{log.read_text()}")
        try:
            if requests.get(f"{url}/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:  # refused while starting, or slow to answer
            pass
        time.sleep(0.1)
    pytest.fail(f"{name} did not answer /healthz within {timeout:.0f} s:\n{log.read_text()}")


@contextmanager
def serving(env: dict[str, str], directory: Path):
    """`hotline serve` on a free loopback port with ``env``; yields its URL, stops it after."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = directory / "serve.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [HOTLINE, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_healthy(url, server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@contextmanager
def served_product(backend: str, directory: Path, seed_args=("--demo",), env_changes=None):
    """The product as an operator starts it: db upgrade, seed, serve on a free port (with
    the environment variables ``env_changes`` on top of the usual ones)."""
    database_url, drop = make_database(backend, "served", directory)
    env = {**hotline_env(directory / "instance", database_url), **(env_changes or {})}
    try:
        upgraded = hotline("db", "upgrade", env=env)
        assert upgraded.returncode == 0, upgraded.stderr
        seeded = hotline("seed", *seed_args, env=env)
        assert seeded.returncode == 0, seeded.stderr

        with serving(env, directory) as url:
            yield Served(url, env, seeded.stdout)
    finally:
        drop()


def signed_post(served: Served, path: str, params: dict) -> requests.Response:
    """What Twilio sends: the served app has no public URL, so it checks its own URL."""
    signature = sign(served.url + path, params)
    return requests.post(
        served.url + path, data=params, headers={"X-Twilio-Signature": signature}, timeout=10
    )


def outbox(served: Served) -> list[dict]:
    """What the served product's local gateway would have sent to Twilio."""
    path = Path(served.env["HOTLINE_INSTANCE_PATH"]) / "outbox.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
