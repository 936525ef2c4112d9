"""`hotline serve` and `hotline worker`: the processes of a deployment."""

from __future__ import annotations

import os
import socket
import time

import click
from flask.cli import with_appcontext

from hotline.cli.common import database_errors
from hotline.infra import context


@click.command(help="Serve the web console and the webhooks (waitress).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--threads",
    default=64,
    show_default=True,
    type=click.IntRange(12, 512),
    help="Server threads; each live page holds one, and eight are always kept for requests.",
)
@database_errors
@with_appcontext
def serve(host: str, port: int, threads: int) -> None:
    from waitress import serve as waitress_serve

    from hotline.infra.database import engine, schema_revisions
    from hotline.infra.jobs import start_relay

    _check_port(host, port)
    with engine().connect() as connection:
        current, needed = schema_revisions(connection)
    if current != needed:
        raise click.ClickException(
            f"database schema is at {current or 'nothing'}, this code needs {needed}; "
            "run `hotline db upgrade`"
        )
    app = context.application()
    # A live page's stream holds a thread: some are always left for the requests.
    live_streams = min(context.settings(app).live_streams, threads - 8)
    context.replace_settings(app, live_streams=live_streams)
    start_relay(app)  # jobs left in the outbox (one that failed in-process) are retried
    click.echo(f"serving the 12345 hotline on http://{host}:{port} (Ctrl-C stops)")
    # Each browser keeps up to six idle connections open beside its live stream: twenty
    # consoles are well over waitress's default of 100 connections, past which it accepts
    # no more and every page hangs.
    waitress_serve(
        app, host=host, port=port, threads=threads, ident="hotline", connection_limit=2000
    )


def _check_port(host: str, port: int) -> None:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise click.ClickException(f"cannot resolve host {host!r}") from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise click.ClickException(
                f"cannot listen on {host}:{port}: {(exc.strerror or str(exc)).lower()}"
            ) from None


@click.command(help="Run an rq worker on the hotline's named queues.")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--queue", "queues", multiple=True, help="Queues to listen on (default: all).")
@with_appcontext
def worker(burst: bool, queues: tuple[str, ...]) -> None:
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue, Worker

    from hotline.infra.database import dispose_engines
    from hotline.infra.jobs import QUEUES, start_relay

    url = context.settings().redis_url
    if not url:
        raise click.ClickException("HOTLINE_REDIS_URL is not set; without it jobs run in-process")
    connection = Redis.from_url(url)
    try:
        connection.ping()
    except RedisError as exc:
        raise click.ClickException(f"Redis unreachable: {exc}") from None
    # Each job runs in a forked child: it must not share the parent's pooled connections,
    # and starts with empty pools of its own.
    app = context.application()
    dispose_engines(app)
    pools = (context.engine(app), context.autocommit_engine(app))

    def empty_pools() -> None:
        for pool in pools:
            pool.dispose(close=False)

    os.register_at_fork(after_in_child=empty_pools)
    # Jobs that could not reach Redis (it was down), and jobs whose rq job vanished: the
    # relay hands them over, and keeps doing so while Redis is away.
    start_relay(app)
    names = queues or QUEUES
    # The heartbeat tells the relay that a running job's worker is alive: beat well within
    # the job lease.
    lease = context.settings().job_lease_seconds
    monitoring = max(1, lease // 3)
    wait = 1
    while True:
        try:
            worker = Worker(
                [Queue(name, connection=connection) for name in names],
                connection=connection,
                job_monitoring_interval=monitoring,
            )
            worker.work(burst=burst, with_scheduler=True)
            return
        except RedisError as exc:  # Redis went away: outlive it, and work again once it is back
            if burst:
                raise click.ClickException(f"Redis unreachable: {exc}") from None
            click.echo(f"Redis unreachable ({exc}); reconnecting in {wait}s", err=True)
            time.sleep(wait)
            wait = min(wait * 2, 30)
            try:
                connection.ping()
                wait = 1
            except RedisError:
                pass
