"""Webhooks that carry facts, kept on disk while the database is down and replayed after.

A call that arrives, ends or leaves a message, a text that comes in and a delivery receipt
must not be lost because the database was unreachable for a minute. Their requests are
appended, as signed, to ``webhook-spool.jsonl`` in the instance folder; once the database
answers again :func:`replay` posts them to the application in the order they came, with the
time they arrived. Every handler is idempotent, so a request replayed twice changes nothing.
Which requests carry facts is the webhooks' business (webhooks/facts.py).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.datastructures import MultiDict

from hotline.infra import context

log = logging.getLogger(__name__)
SPOOL_FILE = "webhook-spool.jsonl"
RECEIVED_AT = "hotline.received_at"  # WSGI environ key: set by replay, never by a client
SPOOLED_HEADER = "X-Hotline-Spooled"  # on an answer whose request was kept for later


def spool_path(app: Flask) -> Path:
    return context.settings(app).instance_path / SPOOL_FILE


def keep(
    app: Flask,
    url: str,
    form: Iterable[tuple[str, str]],
    signature: str,
    received_at: datetime,
) -> None:
    """Append one signed request (the URL Twilio signed, its form, its signature) to the spool."""
    line = {
        "url": url,
        "form": list(form),
        "signature": signature,
        "received_at": received_at.isoformat(),
    }
    path = spool_path(app)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")
    # One write() with O_APPEND: web workers appending at once never interleave lines.
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, data)
    finally:
        os.close(descriptor)


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
