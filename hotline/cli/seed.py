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
@click.option(
    "--days",
    type=click.IntRange(1, 366),
    help="With --demo: this many days of a city's history (calls, orders, texts) on top.",
)
@click.option("--calls-per-day", type=click.IntRange(10, 100_000), default=4000, show_default=True)
@click.option("--orders-per-day", type=click.IntRange(1, 50_000), default=1000, show_default=True)
@database_errors
@with_appcontext
def seed(demo: bool, units, lines, categories, kb, days, calls_per_day, orders_per_day) -> None:
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
        if days and not demo:
            raise click.UsageError("--days needs --demo")
        if demo:
            logins, articles = loaders.seed_demo(session)
            results.append(articles)
        if days:
            from hotline.seed.history import make_history

            with click.progressbar(length=days + 1, label="history (days)") as bar:
                history = make_history(
                    session,
                    days,
                    calls_per_day=calls_per_day,
                    orders_per_day=orders_per_day,
                    progress=bar.update,
                )
        session.commit()
    except loaders.SeedError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from None
    for result in results:
        click.echo(str(result))
        for where, reason in result.rejected:
            click.echo(f"  rejected {where}: {reason}")
    if days:
        click.echo(str(history))
    if logins:
        click.echo("\nDemo logins (change them before real use):")
        click.echo(f"  {'username':<12} {'password':<18} {'role':<11} unit")
        for login in logins:
            click.echo(
                f"  {login.username:<12} {login.password:<18} {login.role:<11} "
                f"{login.unit_code or ''}"
            )
