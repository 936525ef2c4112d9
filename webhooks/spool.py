"""Webhooks that carry facts, kept on disk while the database is down and replayed after.

A call that arrives, ends or leaves a message, a text that comes in and a delivery receipt
must not be lost because the database was unreachable for a minute. Their requests are
appended, as signed, to ``webhook-spool.jsonl`` in the instance folder; once the database
answers again :func:`replay` posts them to the application in the order they came, with the
time they arrived. Every handler is idempotent, so a request replayed twice changes nothing.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from werkzeug.datastructures import MultiDict

from hotline.db import utcnow
from hotline.infra import context
from webhooks.signature import public_url_of_request

log = logging.getLogger(__name__)
SPOOL_FILE = "webhook-spool.jsonl"
RECEIVED_AT = "hotline.received_at"  # WSGI environ key: set by replay, never by a client
SPOOLED_HEADER = "X-Hotline-Spooled"  # on an answer whose request was kept for later
# The endpoints whose requests are facts worth keeping (the menus are a live conversation:
# replaying them after the caller hung up would help no one).
SPOOLED_ENDPOINTS = {
    "voice.incoming",
    "voice.fallback",
    "voice.status",
    "voice.queue_result",
    "voice.recorded",
    "voice.rating",
    "sms.inbound",
    "sms.fallback",
    "sms.status",
}


def spool_path(app: Flask) -> Path:
    return context.settings(app).instance_path / SPOOL_FILE


def keep_if_fact() -> bool:
    """Append the current (signed) request to the spool if it carries a fact; True if kept."""
    if request.endpoint not in SPOOLED_ENDPOINTS:
        return False
    line = {
        "url": public_url_of_request(),
        "form": list(request.form.items(multi=True)),
        "signature": request.headers.get("X-Twilio-Signature", ""),
        "received_at": received_at().isoformat(),
    }
    path = spool_path(current_app)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")
    # One write() with O_APPEND: web workers appending at once never interleave lines.
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, data)
    finally:
        os.close(descriptor)
    return True


def received_at() -> datetime:
    """When Twilio sent the current request: now, or the original time of a replayed one."""
    value = request.environ.get(RECEIVED_AT)
    return datetime.fromisoformat(value) if value else utcnow()


def replay(app: Flask) -> tuple[int, int]:
    """Post every spooled request again, oldest first; returns (accepted, not accepted).

    The spool is renamed first, so requests spooled meanwhile (the database still down) go
    to a new file and wait for the next replay.
    """
    path = spool_path(app)
    if not path.exists():
        return 0, 0
    batch = path.with_name(f"{SPOOL_FILE}.replaying-{os.getpid()}")
    try:
        path.rename(batch)
    except FileNotFoundError:  # another process took it
        return 0, 0
    accepted = refused = 0
    client = app.test_client()
    for raw in batch.read_text(encoding="utf-8").splitlines():
        if not raw.strip():
            continue
        line = json.loads(raw)
        url = urlsplit(line["url"])
        response = client.post(
            url.path + (f"?{url.query}" if url.query else ""),
            base_url=f"{url.scheme}://{url.netloc}",
            data=MultiDict([tuple(pair) for pair in line["form"]]),
            headers={"X-Twilio-Signature": line["signature"]},
            environ_overrides={RECEIVED_AT: line["received_at"]},
        )
        if response.headers.get(SPOOLED_HEADER):  # the database is still down: kept again
            refused += 1
        elif response.status_code < 400:
            accepted += 1
        else:
            refused += 1
            log.warning("replayed %s refused: %s", url.path, response.status_code)
    batch.unlink()
    if accepted or refused:
        log.info("webhook spool: %d replayed, %d refused", accepted, refused)
    return accepted, refused
