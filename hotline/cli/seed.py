"""`hotline seed`: the reference data, files in the reference formats, and the demo."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from hotline.cli.common import database_errors


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
    from hotline.infra.database import get_session
    from hotline.seed import reference as loaders

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
        logins: list[loaders.DemoLogin] = []
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
