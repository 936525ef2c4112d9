"""The `hotline` command: db, seed, serve, worker, token, user (and Flask's own commands)."""

from __future__ import annotations

import functools
import os
import socket
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from hotline.settings import Settings, SettingsError


def _create_app() -> Flask:
    from hotline.app import create_app

    return create_app()


cli = FlaskGroup(
    name="hotline",
    create_app=_create_app,
    load_dotenv=False,
    help="The 12345 hotline: contact center and work orders.",
)


def main() -> None:
    """Entry point: a bad setting stops here with one line naming the variable."""
    try:
        Settings.from_env()
    except SettingsError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    cli.main(prog_name="hotline")


def database_errors(command):
    """Turn an unreachable or unmigrated database into one clear line."""

    @functools.wraps(command)
    def wrapped(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except sa.exc.OperationalError as exc:
            raise click.ClickException(f"database unreachable: {_first_line(exc)}") from None
        except sa.exc.ProgrammingError as exc:
            raise click.ClickException(
                f"database schema is missing or old ({_first_line(exc)}); run `hotline db upgrade`"
            ) from None

    return wrapped


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def register(app: Flask) -> None:
    from hotline.kb_cli import kb
    from hotline.reports_cli import reports
    from hotline.simulator.cli import simulate
    from hotline.staffing_cli import staffing
    from hotline.workorders_cli import workorders

    for command in (seed, serve, worker, token, user, staffing, kb, workorders, reports, simulate):
        app.cli.add_command(command)


@click.command(help="Load the reference data; with --demo also demo logins, articles, history.")
@click.option("--demo", is_flag=True, help="Add demo logins (printed), articles and history.")
@click.option("--units", type=click.Path(exists=True, path_type=Path), help="A units.json file.")
@click.option("--lines", type=click.Path(exists=True, path_type=Path), help="A legacy_lines.json.")
@click.option(
    "--categories", type=click.Path(exists=True, path_type=Path), help="A categories.json file."
)
@click.option("--kb", type=click.Path(exists=True, path_type=Path), help="A kb_articles.jsonl.")
@database_errors
@with_appcontext
def seed(demo: bool, units, lines, categories, kb) -> None:
    from hotline import seed as loaders
    from hotline.database import get_session

    session = get_session()
    try:
        results = loaders.seed_reference(session)
        if units:
            results.append(loaders.load_units(session, loaders.read_json(units)))
        if categories:
            results.append(loaders.load_categories(session, loaders.read_json(categories)))
        if lines:
            results.append(loaders.load_legacy_lines(session, loaders.read_json(lines)))
        if kb:
            records = loaders.read_jsonl(kb)
            with click.progressbar(length=len(records), label="articles") as bar:
                results.append(loaders.load_articles(session, records, progress=bar.update))
        logins = []
        if demo:
            logins, articles = loaders.seed_demo(session)
            results.append(articles)
        session.commit()
    except loaders.SeedError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from None
    for result in results:
        click.echo(str(result))
        for where, reason in result.rejected:
            click.echo(f"  rejected {where}: {reason}")
    if logins:
        click.echo("\nDemo logins (change them before real use):")
        click.echo(f"  {'username':<12} {'password':<18} {'role':<11} unit")
        for login in logins:
            click.echo(
                f"  {login.username:<12} {login.password:<18} {login.role:<11} "
                f"{login.unit_code or ''}"
            )


@click.command(help="Serve the web console and the webhooks (waitress).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@database_errors
@with_appcontext
def serve(host: str, port: int, threads: int) -> None:
    from waitress import serve as waitress_serve

    from hotline.database import engine, schema_revisions
    from hotline.jobs import start_relay

    _check_port(host, port)
    with engine().connect() as connection:
        current, needed = schema_revisions(connection)
    if current != needed:
        raise click.ClickException(
            f"database schema is at {current or 'nothing'}, this code needs {needed}; "
            "run `hotline db upgrade`"
        )
    app = current_app._get_current_object()
    start_relay(app)  # jobs left in the outbox (one that failed in-process) are retried
    click.echo(f"serving the 12345 hotline on http://{host}:{port} (Ctrl-C stops)")
    waitress_serve(app, host=host, port=port, threads=threads, ident="hotline")


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
                f"cannot listen on {host}:{port}: {exc.strerror.lower()}"
            ) from None


@click.command(help="Run an rq worker on the hotline's named queues.")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--queue", "queues", multiple=True, help="Queues to listen on (default: all).")
@with_appcontext
def worker(burst: bool, queues: tuple[str, ...]) -> None:
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue, Worker

    from hotline.database import dispose_engines
    from hotline.jobs import QUEUES, start_relay

    url = current_app.config["REDIS_URL"]
    if not url:
        raise click.ClickException("HOTLINE_REDIS_URL is not set; without it jobs run in-process")
    connection = Redis.from_url(url)
    try:
        connection.ping()
    except RedisError as exc:
        raise click.ClickException(f"Redis unreachable: {exc}") from None
    # Each job runs in a forked child: it must not share the parent's pooled connections,
    # and starts with empty pools of its own.
    app = current_app._get_current_object()
    dispose_engines(app)
    pools = (app.extensions["hotline.engine"], app.extensions["hotline.autocommit_engine"])
    os.register_at_fork(after_in_child=lambda: [pool.dispose(close=False) for pool in pools])
    # Jobs that could not reach Redis (it was down) wait in the database: hand them over.
    start_relay(app)
    names = queues or QUEUES
    Worker([Queue(name, connection=connection) for name in names], connection=connection).work(
        burst=burst, with_scheduler=True
    )


@click.group(help="API tokens for monitors, Open311 clients and departments' own systems.")
def token() -> None:
    pass


@token.command("create", help="Issue a token; it is printed once, on the last line.")
@click.option("--role", required=True, type=click.Choice(["monitor", "open311", "department"]))
@click.option("--name", required=True, help="Who the token is for.")
@click.option("--unit", "unit_code", help="The unit a department token acts for.")
@database_errors
@with_appcontext
def token_create(role: str, name: str, unit_code: str | None) -> None:
    from hotline.database import get_session
    from hotline.tokens import TokenError, create_token

    session = get_session()
    try:
        api_token, plain = create_token(session, role, name, unit_code)
    except TokenError as exc:
        raise click.ClickException(str(exc)) from None
    session.commit()
    who = f"{role} of {unit_code}" if api_token.unit_code else role
    click.echo(f"token {api_token.id} for {name} ({who}); store it now, it is not shown again:")
    click.echo(plain)


@token.command("revoke", help="Revoke a token by its id.")
@click.argument("token_id", type=int)
@database_errors
@with_appcontext
def token_revoke(token_id: int) -> None:
    from hotline.database import get_session
    from hotline.tokens import TokenError, revoke_token

    session = get_session()
    try:
        revoke_token(session, token_id)
    except TokenError as exc:
        raise click.ClickException(str(exc)) from None
    session.commit()
    click.echo(f"token {token_id} revoked")


@click.group(help="Console logins.")
def user() -> None:
    pass


@user.command("create", help="Create a login (the password is asked for).")
@click.option("--username", required=True)
@click.option(
    "--role",
    required=True,
    type=click.Choice(["agent", "supervisor", "department", "monitor", "admin"]),
)
@click.option("--unit", "unit_code", help="The unit of a department user.")
@click.password_option()
@database_errors
@with_appcontext
def user_create(username: str, role: str, unit_code: str | None, password: str) -> None:
    from hotline.auth import hash_password
    from hotline.database import get_session
    from hotline.models import User
    from workorders.models import Unit

    session = get_session()
    if role == "department" and (not unit_code or session.get(Unit, unit_code) is None):
        raise click.ClickException("a department user needs --unit with a known unit code")
    if session.scalar(sa.select(User).where(User.username == username)) is not None:
        raise click.ClickException(f"user {username!r} exists")
    session.add(
        User(
            username=username, role=role, unit_code=unit_code, password_hash=hash_password(password)
        )
    )
    session.commit()
    click.echo(f"user {username} ({role}) created")
