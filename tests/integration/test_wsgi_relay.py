"""The production web server relays the outbox itself: `gunicorn hotline.wsgi:app`, with no
`hotline worker` anywhere, hands over a job left waiting in the outbox."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from hotline.db import utcnow
from hotline.models import OutboxJob
from tests.served import free_port, hotline_env, wait_until_healthy

pytestmark = [pytest.mark.slow, pytest.mark.db]

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def test_gunicorn_workers_relay_a_job_left_in_the_outbox(app, observer, database_url, tmp_path):
    observer.add(
        OutboxJob(
            id="a" * 32,
            name="sweep_work_orders",
            args=[],
            next_attempt_at=utcnow() - timedelta(minutes=5),  # its hand-over failed long ago
        )
    )
    observer.commit()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = hotline_env(tmp_path / "instance", database_url)
    env.pop("HOTLINE_REDIS_URL", None)  # jobs run in the web process itself
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [GUNICORN, "--workers", "2", "--bind", f"127.0.0.1:{port}", "hotline.wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_healthy(url, server, log, "gunicorn")
        requests.get(f"{url}/login", timeout=5)  # a worker's first request starts its relay
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if observer.scalar(sa.select(sa.func.count(OutboxJob.id))) == 0:
                break
            time.sleep(0.5)
        left = observer.scalars(sa.select(OutboxJob)).all()
        assert not left, (
            f"still in the outbox: {[(j.name, j.last_error) for j in left]}\n"
            + (log.read_text()[-3000:])
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
