"""`hotline token` and `hotline user`: API tokens and console logins."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from hotline.cli.common import database_errors


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
    from hotline.infra.database import get_session
    from hotline.infra.tokens import TokenError, create_token

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
    from hotline.infra.database import get_session
    from hotline.infra.tokens import TokenError, revoke_token

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


@user.command(
    "create",
    help="Create a login (the password is asked for); an agent or supervisor gets a seat.",
)
@click.option("--username", required=True)
@click.option(
    "--role",
    required=True,
    type=click.Choice(["agent", "supervisor", "department", "monitor", "admin"]),
)
@click.option("--unit", "unit_code", help="The unit of a department user.")
@click.option("--name", "display_name", default="", help="The name shown (default: the username).")
@click.option("--skill", "skills", multiple=True, help="A queue an agent answers (repeat).")
@click.password_option()
@database_errors
@with_appcontext
def user_create(
    username: str,
    role: str,
    unit_code: str | None,
    display_name: str,
    skills: tuple[str, ...],
    password: str,
) -> None:
    from hotline.infra.database import get_session
    from hotline.services.admin import AdminError
    from hotline.services.users import create_user
    from workorders.services import Actor

    try:
        create_user(
            get_session(),
            Actor("cli"),
            username=username,
            display_name=display_name,
            role=role,
            unit_code=unit_code,
            password=password,
            skills=skills,
        )
    except AdminError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"user {username} ({role}) created")
