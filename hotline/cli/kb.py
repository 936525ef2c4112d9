"""`hotline kb`: import and export articles, search, evaluate search, edit synonyms, and
write articles through drafts, review and publishing."""

from __future__ import annotations

import csv
import functools
import io
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from hotline.cli.common import database_errors

if TYPE_CHECKING:
    from hotline.seed.reference import SeedError

# Columns of the CSV format; list columns hold values separated by "|" (or a JSON array).
CSV_COLUMNS = (
    "id",
    "title",
    "questions",
    "answer",
    "category",
    "unit",
    "keywords",
    "lang",
    "valid_from",
    "valid_until",
)
LIST_COLUMNS = ("questions", "keywords")


@click.group(
    help="The knowledge base: import, export, search, evaluate, synonyms; draft, edit, submit,"
    " publish, archive and show articles."
)
def kb() -> None:
    pass


@kb.command("import", help="Load articles from a JSONL or CSV file, publishing each.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["auto", "jsonl", "csv"]),
    default="auto",
    show_default=True,
    help="auto: by the file's extension.",
)
@click.option("--actor", default="import", show_default=True, help="Recorded as the author.")
@database_errors
@with_appcontext
def import_command(path: Path, file_format: str, actor: str) -> None:
    from hotline.infra.database import get_session
    from hotline.seed import reference as loaders

    if file_format == "auto":
        file_format = "csv" if path.suffix.lower() == ".csv" else "jsonl"
    try:
        records = read_csv(path) if file_format == "csv" else loaders.read_jsonl(path)
    except loaders.SeedError as exc:
        raise click.ClickException(str(exc)) from None
    session = get_session()
    with click.progressbar(length=len(records), label="articles", file=sys.stderr) as bar:
        result = loaders.load_articles(session, records, progress=bar.update, actor=actor)
    session.commit()
    click.echo(
        f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged, "
        f"{len(result.rejected)} rejected"
    )
    for where, reason in result.rejected:
        click.echo(f"  rejected {where}: {reason}")


def read_csv(path: Path) -> list[tuple[int, dict[str, Any] | SeedError]]:
    """(line number, record) pairs from a CSV file with a header row of CSV_COLUMNS; a row
    that cannot be read becomes a SeedError record, which the loader rejects."""
    from hotline.seed.reference import SeedError

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SeedError(f"{path}: {exc}") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = {"id", "title", "answer"} - set(reader.fieldnames or ())
    if missing:
        raise SeedError(f"{path}: the header lacks {', '.join(sorted(missing))}")
    records: list[tuple[int, dict[str, Any] | SeedError]] = []
    for row in reader:
        line = reader.line_num
        try:
            records.append((line, _csv_record(row)))
        except ValueError as exc:
            records.append((line, SeedError(str(exc))))
    return records


def _csv_record(row: dict[str, Any]) -> dict[str, Any]:
    if None in row:
        raise ValueError("more cells than columns")
    record: dict[str, Any] = {}
    for name, value in row.items():
        value = (value or "").strip()
        if name in LIST_COLUMNS:
            if value.startswith("["):
                try:
                    record[name] = json.loads(value)
                except json.JSONDecodeError:
                    raise ValueError(f"{name} is not a JSON list") from None
            else:
                record[name] = [v.strip() for v in value.split("|") if v.strip()]
        elif value:
            record[name] = value
    return record


@kb.command("export", help="Write the articles as JSONL (or CSV) to a file or stdout.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "file_format", type=click.Choice(["jsonl", "csv"]), default="jsonl")
@click.option("--all", "everything", is_flag=True, help="Drafts and archived articles too.")
@database_errors
@with_appcontext
def export_command(output: Path | None, file_format: str, everything: bool) -> None:
    from hotline.infra.database import get_session
    from knowledge_base.models import Article

    session = get_session()
    query = sa.select(Article).order_by(Article.id)
    if not everything:
        query = query.where(Article.status == "published")
    articles = session.scalars(query).all()
    stream = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        writer = csv.DictWriter(stream, CSV_COLUMNS) if file_format == "csv" else None
        if writer:
            writer.writeheader()
        with click.progressbar(articles, label="articles", file=sys.stderr) as rows:
            for article in rows:
                record = export_record(article, with_status=everything)
                if writer:
                    writer.writerow(
                        {
                            k: "|".join(v) if k in LIST_COLUMNS else v
                            for k, v in record.items()
                            if k in CSV_COLUMNS
                        }
                    )
                else:
                    stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    finally:
        if output:
            stream.close()
    click.echo(f"{len(articles)} articles exported", err=True)


def export_record(article, with_status: bool = False) -> dict[str, Any]:
    """An article in the kb_articles.jsonl format (validity only when set)."""
    record: dict[str, Any] = {
        "id": article.id,
        "title": article.title,
        "questions": list(article.questions or ()),
        "answer": article.answer,
        "category": article.category_code,
        "unit": article.unit_code,
        "keywords": list(article.keywords or ()),
        "lang": article.lang,
    }
    for name in ("valid_from", "valid_until"):
        if getattr(article, name):
            record[name] = getattr(article, name).isoformat()
    if with_status:
        record["status"] = article.status
    return record


@kb.command("search", help="Search the published articles as an agent would.")
@click.argument("query")
@click.option("--limit", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option("--category", help="Only this category code.")
@click.option("--unit", help="Only this unit code.")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Only this language.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@database_errors
@with_appcontext
def search_command(query: str, limit: int, category, unit, lang, as_json: bool) -> None:
    from hotline.infra.database import get_session
    from knowledge_base import services

    filters = {"category": category, "unit": unit, "lang": lang}
    ranking = services.search(get_session(), query, limit, filters=filters)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "query": query,
                    "confident": ranking.confident,
                    "confidence": ranking.confidence,
                    "results": [
                        {
                            "id": h.id,
                            "title": h.title,
                            "score": h.score,
                            "confidence": h.confidence,
                            "expired": h.expired,
                        }
                        for h in ranking.hits
                    ],
                },
                ensure_ascii=False,
            )
        )
        return
    if not ranking.confident:
        click.echo("no confident match; the closest articles:" if ranking.hits else "no match")
    for hit in ranking.hits:
        flag = " (expired)" if hit.expired else ""
        click.echo(f"{hit.id:<10} {hit.score:5.1f}  {hit.title}{flag}")


@kb.command("eval", help="Search quality of an article file against a query file (no database).")
@click.option(
    "--articles", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--queries", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def eval_command(articles: Path, queries: Path, as_json: bool) -> None:
    from knowledge_base.evaluation import document, evaluate
    from knowledge_base.lexicon import DEFAULT_SYNONYMS
    from knowledge_base.search import SearchIndex

    article_records = _jsonl(articles)
    try:
        index = SearchIndex((document(r) for r in article_records), DEFAULT_SYNONYMS)
    except (KeyError, TypeError) as exc:
        raise click.ClickException(
            f"{articles}: not in the kb_articles.jsonl format ({exc})"
        ) from None
    query_records = _jsonl(queries)
    if any(not isinstance(q, dict) or "query" not in q for q in query_records):
        raise click.ClickException(f"{queries}: every line needs a query")
    metrics = evaluate(index, query_records)
    if as_json:
        click.echo(json.dumps(metrics.as_dict()))
        return
    for name, value in metrics.as_dict().items():
        click.echo(f"{name:<20} {value}")


def _jsonl(path: Path) -> list[Any]:
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise click.ClickException(f"{path} line {number}: not JSON ({exc.msg})") from None
    return records


@kb.group(help="The synonym groups search expands queries with.")
def synonyms() -> None:
    pass


@synonyms.command("list", help="Print every group, one a line.")
@database_errors
@with_appcontext
def synonyms_list() -> None:
    from hotline.infra.database import get_session
    from knowledge_base import services

    for group in services.synonym_groups(get_session()):
        click.echo(" / ".join(group))


@synonyms.command("add", help="Add a group (named by its first word) or replace it.")
@click.argument("words", nargs=-1, required=True)
@database_errors
@with_appcontext
def synonyms_add(words: tuple[str, ...]) -> None:
    from hotline.infra.database import get_session
    from knowledge_base import services
    from knowledge_base.errors import KnowledgeBaseError

    session = get_session()
    try:
        group = services.save_synonym_group(session, words)
    except KnowledgeBaseError as exc:
        raise click.ClickException(str(exc)) from None
    session.commit()
    click.echo("saved: " + " / ".join(group))


@synonyms.command("remove", help="Remove the group named by its first word.")
@click.argument("name")
@database_errors
@with_appcontext
def synonyms_remove(name: str) -> None:
    from hotline.infra.database import get_session
    from knowledge_base import services
    from knowledge_base.errors import KnowledgeBaseError

    session = get_session()
    try:
        services.delete_synonym_group(session, name)
    except KnowledgeBaseError as exc:
        raise click.ClickException(str(exc)) from None
    session.commit()
    click.echo(f"removed: {name}")


# -- editing: draft → submit → publish, archive; each step names its editor -------------


def editorial(command):
    """Run an editing command with the session; refusals and bad input become one line."""

    @functools.wraps(command)
    def wrapped(*args, **kwargs):
        from hotline.infra.database import get_session
        from hotline.services.knowledge import EditorRefused
        from knowledge_base.errors import KnowledgeBaseError

        try:
            return command(get_session(), *args, **kwargs)
        except (KnowledgeBaseError, EditorRefused) as exc:
            raise click.ClickException(str(exc)) from None

    return database_errors(with_appcontext(wrapped))


def editor_option(command):
    return click.option(
        "--by",
        "username",
        required=True,
        metavar="USERNAME",
        help="The admin or supervisor login recorded as the editor.",
    )(command)


def content_options(command):
    """The fields of an article as options, and a JSON file holding them."""
    options = [
        click.option(
            "--file",
            "record_file",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="A JSON object in the kb_articles.jsonl format; options override its fields.",
        ),
        click.option("--title"),
        click.option("--answer"),
        click.option(
            "--question",
            "questions",
            multiple=True,
            help="A way callers ask it; repeat for each (replaces the list).",
        ),
        click.option(
            "--keyword", "keywords", multiple=True, help="Repeat for each (replaces the list)."
        ),
        click.option("--category", help="Category code."),
        click.option("--unit", help="Unit code of the answering department."),
        click.option("--lang", help="zh or en."),
        click.option("--note", default="", help="Why, for the history."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def article_record(record_file: Path | None, **fields: Any) -> dict[str, Any]:
    """The record the options and the file describe: options win, unset ones are left out."""
    record: dict[str, Any] = {}
    if record_file is not None:
        try:
            record = json.loads(record_file.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError) as exc:
            raise click.ClickException(f"{record_file}: {exc}") from None
        except json.JSONDecodeError as exc:
            raise click.ClickException(
                f"{record_file}: not JSON ({exc.msg} at line {exc.lineno})"
            ) from None
        if not isinstance(record, dict):
            raise click.ClickException(f"{record_file}: must hold one JSON object")
    for name, value in fields.items():
        if value is not None and value != ():
            record[name] = list(value) if isinstance(value, tuple) else value
    return record


@kb.command("draft", help="Start an article, or a new version of one (--id), as a draft.")
@click.option("--id", "article_id", help="An existing article for a new version, or a new id.")
@content_options
@editor_option
@editorial
def draft_command(session, article_id, record_file, note, username, **fields) -> None:
    from hotline.services import knowledge

    record = article_record(record_file, **fields)
    if article_id:
        record["id"] = article_id
    version = knowledge.draft(session, username, record, note)
    article = version.article
    if article.status == "published":
        after = f"the live v{article.version} stays in search until this one is published"
    else:
        after = "not in search until it is published"
    click.echo(f"{article.id} v{version.number} drafted by {username}; {after}")


@kb.command("edit", help="Change an article's draft (a version in review goes back to draft).")
@click.argument("article_id")
@content_options
@editor_option
@editorial
def edit_command(session, article_id, record_file, note, username, **fields) -> None:
    from hotline.services import knowledge

    changes = article_record(record_file, **fields)
    changes.pop("id", None)
    version = knowledge.edit(session, username, article_id, changes, note)
    click.echo(f"{version.article.id} v{version.number} edited by {username}")


@kb.command("submit", help="Send an article's draft to review.")
@click.argument("article_id")
@editor_option
@editorial
def submit_command(session, article_id: str, username: str) -> None:
    from hotline.services import knowledge

    version = knowledge.submit(session, username, article_id)
    click.echo(f"{version.article.id} v{version.number} submitted for review by {username}")


@kb.command("publish", help="Publish the version in review: it replaces the live content.")
@click.argument("article_id")
@editor_option
@editorial
def publish_command(session, article_id: str, username: str) -> None:
    from hotline.services import knowledge

    article = knowledge.publish(session, username, article_id)
    click.echo(
        f"{article.id} v{article.version} published by {username};"
        " search in every process has it within a second"
    )


@kb.command("archive", help="Take an article out of search; its history stays.")
@click.argument("article_id")
@click.option("--note", default="", help="Why, for the history.")
@editor_option
@editorial
def archive_command(session, article_id: str, note: str, username: str) -> None:
    from hotline.services import knowledge

    article = knowledge.archive(session, username, article_id, note)
    click.echo(f"{article.id} archived by {username}; search no longer finds it")


@kb.command("show", help="An article's versions, their statuses and who did what.")
@click.argument("article_id")
@editorial
def show_command(session, article_id: str) -> None:
    from hotline.services import knowledge

    overview = knowledge.overview(session, article_id)
    article = overview.article
    live = f" v{article.version}" if article.status == "published" else ""
    click.echo(f"{article.id}  {article.status}{live}  {article.title}")
    for version in overview.versions:
        changed = ", ".join(change.field for change in version.changes) or "no change"
        click.echo(
            f"  v{version.number:<3} {version.status:<11}by {version.created_by}"
            f"  {_local(version.created_at)}  changed: {changed}"
        )
        for event in version.events:
            click.echo(f"        {_event_line(event)}")
    for event in overview.events:
        click.echo(f"  {_event_line(event)}")


def _event_line(event) -> str:
    note = f"  ({event.note})" if event.note else ""
    return f"{_local(event.at)}  {event.action} by {event.actor}{note}"


def _local(moment) -> str:
    from zoneinfo import ZoneInfo

    from hotline.db import TIMEZONE

    return moment.astimezone(ZoneInfo(TIMEZONE)).strftime("%Y-%m-%d %H:%M")
