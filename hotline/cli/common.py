"""What every command shares: one clear line for an unreachable or unmigrated database."""

from __future__ import annotations

import functools

import click
import sqlalchemy as sa


def database_errors(command):
    """Turn an unreachable or unmigrated database into one clear line."""

    @functools.wraps(command)
    def wrapped(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except sa.exc.OperationalError as exc:
            raise click.ClickException(f"database unreachable: {first_line(exc)}") from None
        except sa.exc.ProgrammingError as exc:
            raise click.ClickException(
                f"database schema is missing or old ({first_line(exc)}); run `hotline db upgrade`"
            ) from None

    return wrapped


def first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
