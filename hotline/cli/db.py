"""`hotline db`: the schema."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from hotline.cli.common import first_line
from hotline.infra import context
from hotline.infra.database import upgrade


@click.group("db", help="Database schema commands.")
def db_cli() -> None:
    pass


@db_cli.command("upgrade", help="Create or upgrade the schema to the newest migration.")
@click.argument("revision", default="head")
@with_appcontext
def upgrade_command(revision: str) -> None:
    url = context.settings().database_url
    try:
        upgrade(url, revision)
    except sa.exc.OperationalError as exc:
        raise click.ClickException(f"database unreachable: {first_line(exc)}") from None
    click.echo(f"database {sa.engine.make_url(url).render_as_string()} is at {revision}")
