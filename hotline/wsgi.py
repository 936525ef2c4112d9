"""The WSGI application for a production web server:

    gunicorn --workers 4 --bind 0.0.0.0:8000 hotline.wsgi:app

Each web server process also runs the outbox relay (started at its first request, after the
server forked it): jobs waiting in the outbox, jobs whose rq job vanished, and the webhooks
spooled on this machine while the database was down are handed over wherever web servers
run, even with no `hotline worker` on the machine. Relays claim rows with ``FOR UPDATE SKIP
LOCKED`` and a lease, so any number of them run at once.
"""

from __future__ import annotations

from hotline.app import create_app
from hotline.infra.jobs import start_relay_once

app = create_app()


@app.before_request
def _relay() -> None:
    start_relay_once(app)
