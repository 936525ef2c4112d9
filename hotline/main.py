"""The `hotline` console entry: builds the application and runs its command groups."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup

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
