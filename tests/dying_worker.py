"""An rq worker whose job process dies right after Twilio accepted a text.

    python -m tests.dying_worker MARKER_FILE [horse|worker] [after|before]

Run with the same HOTLINE_* environment as the app under test. The first text the gateway
accepts is recorded (as the local gateway does), then the work horse kills itself with
SIGKILL before its job can record the send: a worker lost at the worst moment. The marker
file says it happened. Later texts go out normally, so the job's retry can run. With
``worker`` the whole worker dies (its process group: worker, scheduler, work horse) instead,
and with ``before`` it dies just before the gateway is called rather than just after.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from redis import Redis
from rq import Queue, Worker

from hotline.app import create_app
from hotline.infra import context
from hotline.infra.database import dispose_engines
from hotline.infra.gateway import LocalGateway
from hotline.infra.jobs import QUEUES


class DyingGateway(LocalGateway):
    def __init__(self, path: Path, from_number: str, marker: Path, whole=False, before=False):
        super().__init__(path, from_number)
        self.marker, self.whole, self.before = marker, whole, before

    def die(self, sid: str) -> None:
        self.marker.write_text(sid)
        if self.whole:
            os.killpg(os.getpgid(os.getppid()), signal.SIGKILL)  # the worker and its group
        os.kill(os.getpid(), signal.SIGKILL)

    def send_sms(self, to: str, body: str, status_callback: str | None = None) -> str:
        if self.before and not self.marker.exists():
            self.die("")
        sid = super().send_sms(to, body, status_callback)
        if not self.marker.exists():
            self.die(sid)
        return sid


def main() -> None:
    marker = Path(sys.argv[1])
    whole = len(sys.argv) > 2 and sys.argv[2] == "worker"
    before = len(sys.argv) > 3 and sys.argv[3] == "before"
    app = create_app()
    settings = context.settings(app)
    outbox = settings.instance_path / "outbox.jsonl"
    context.provide(
        app, context.GATEWAY, DyingGateway(outbox, settings.main_number, marker, whole, before)
    )
    connection = Redis.from_url(settings.redis_url)
    with app.app_context():
        dispose_engines(app)
        queues = [Queue(name, connection=connection) for name in QUEUES]
        Worker(queues, connection=connection).work(with_scheduler=True)


if __name__ == "__main__":
    main()
