"""Where the time of POST /twilio/voice goes: cProfile of the Flask test client, in-process.

    .venv/bin/python -m bench.profile_voice [--database sqlite|postgresql] [--requests N]
                                            [--top N] [--sort tottime|cumulative]

A fresh database (SQLite in a temporary directory, or PostgreSQL ``bench_hotline_<pid>``,
dropped at the end), migrated and seeded with the product's own functions; then the app
from ``create_app()`` handles N signed posts of new calls to 12345 through the Flask test
client: first without the profiler (the mean time per request), then under cProfile.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.voice_webhooks import PATH, TWILIO_TOKEN, Database, Signer
from hotline.infra import context


def show_sql(app, one) -> None:
    """Print the statements and connection checkouts of one request."""
    import sqlalchemy as sa

    engine = context.engine(app)
    autocommit = context.autocommit_engine(app)
    engines = {id(e.pool): e for e in (engine, autocommit)}  # SQLite: one pool for both
    seen: list[str] = []

    def sent(conn) -> str:
        # On an autocommit connection SQLAlchemy still reports BEGIN/COMMIT/ROLLBACK, but the
        # driver sends nothing.
        options = conn.get_execution_options()
        quiet = conn.engine is autocommit.engine or options.get("isolation_level") == "AUTOCOMMIT"
        return " (autocommit: nothing sent)" if quiet else ""

    def statement(_conn, _cursor, sql, _params, _context, _many):
        seen.append(" ".join(sql.split())[:150])

    def checkout(*_args):
        seen.append("-- pool checkout")

    def begin(conn):
        seen.append("-- BEGIN" + sent(conn))

    def commit(conn):
        seen.append("-- COMMIT" + sent(conn))

    def rollback(conn):
        seen.append("-- ROLLBACK" + sent(conn))

    def savepoint(_conn, name):
        seen.append(f"-- SAVEPOINT {name}")

    def release(_conn, name, _context):
        seen.append(f"-- RELEASE SAVEPOINT {name}")

    hooks = []
    for each in engines.values():
        hooks += [
            (each, "before_cursor_execute", statement),
            (each.pool, "checkout", checkout),
            (each, "begin", begin),
            (each, "commit", commit),
            (each, "rollback", rollback),
            (each, "savepoint", savepoint),
            (each, "release_savepoint", release),
        ]
    for target, name, function in hooks:
        sa.event.listen(target, name, function)
    try:
        one()
    finally:
        for target, name, function in hooks:
            sa.event.remove(target, name, function)
    print(f"one POST {PATH} (new call to 12345), {engine.dialect.name}:")
    for line in seen:
        print("  " + line)
    round_trips = sum(not line.startswith("-- pool") and "nothing" not in line for line in seen)
    print(f"  = {round_trips} database round trips (statements, BEGIN/COMMIT/ROLLBACK)")


def package_of(filename: str, function: str) -> str:
    if filename == "~":
        if "sqlite3" in function or "psycopg" in function:
            return "database driver (C)"
        return "builtins (C)"
    path = Path(filename)
    if "site-packages" in path.parts:
        return path.parts[path.parts.index("site-packages") + 1].split(".")[0]
    root = str(Path(__file__).resolve().parents[1])
    if filename.startswith(root):
        return "product: " + Path(filename).relative_to(root).parts[0] + "/"
    return "python stdlib"


def print_by_package(stats: pstats.Stats, requests: int) -> None:
    totals: dict[str, float] = {}
    for (filename, _line, function), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        key = package_of(filename, function)
        totals[key] = totals.get(key, 0.0) + tottime
    whole = sum(totals.values()) or 1.0
    print(f"own time by package (profiled; {whole * 1000 / requests:.2f} ms per request):")
    for key, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"  {key:<28} {seconds * 1000 / requests:7.2f} ms/request  {seconds / whole:6.1%}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_voice")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--sort", choices=("tottime", "cumulative"), default="tottime")
    parser.add_argument(
        "--show-sql", action="store_true", help="print the SQL of one request and exit"
    )
    parser.add_argument(
        "--by-package", action="store_true", help="also sum the own time by package"
    )
    parser.add_argument(
        "--only", help="a regular expression: list only functions whose file:line(name) matches"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= 20_000:
        parser.error("--requests must be between 1 and 20000")

    workdir = Path(tempfile.mkdtemp(prefix="bench-hotline-profile-"))
    database = None
    engine = None
    try:
        database = Database(args.database, workdir)
        for name in list(os.environ):
            if name.startswith(("HOTLINE_", "TWILIO_")):
                del os.environ[name]
        os.environ["HOTLINE_INSTANCE_PATH"] = str(workdir / "instance")
        os.environ["HOTLINE_DATABASE_URL"] = database.url
        os.environ["TWILIO_AUTH_TOKEN"] = TWILIO_TOKEN

        from hotline import db
        from hotline.app import create_app
        from hotline.infra.database import upgrade
        from hotline.seed.reference import seed_reference

        app = create_app()
        url = context.settings(app).database_url
        upgrade(url)
        engine = db.create_engine(url)
        with db.session_factory(engine)() as session:
            seed_reference(session)
            session.commit()
        engine.dispose()

        client = app.test_client()
        # The test client's URL is http://localhost/...; sign for that URL.
        signer = Signer(0, 1)
        signer.url = f"http://localhost{PATH}"

        def one() -> None:
            body, headers = signer.new_call()
            response = client.post(PATH, data=body, headers=headers)
            if response.status_code != 200 or b"<Gather" not in response.data:
                raise SystemExit(f"unexpected answer {response.status_code}: {response.data!r}")

        for _ in range(20):  # warm-up: imports, connection pool, statement caches
            one()
        if args.show_sql:
            show_sql(app, one)
            return 0
        begin = time.perf_counter()
        for _ in range(args.requests):
            one()
        mean_ms = (time.perf_counter() - begin) * 1000 / args.requests

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            one()
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        restrictions = [args.only, args.top] if args.only else [args.top]
        stats.sort_stats(args.sort).print_stats(*restrictions)
        print(
            f"POST {PATH} in-process (Flask test client), database={args.database}: "
            f"{mean_ms:.2f} ms per request without the profiler (mean of {args.requests})"
        )
        print(
            f"cProfile of {args.requests} requests ({stats.total_tt:.2f} s profiled), "
            f"top {args.top} by {args.sort}" + (f" matching {args.only!r}" if args.only else "")
        )
        text = out.getvalue()
        print(text[text.find("   ncalls") :] if "   ncalls" in text else text)
        if args.by_package:
            print_by_package(stats, args.requests)
        return 0
    finally:
        with contextlib.suppress(Exception):
            context.engine(app).dispose()
        if database is not None:
            with contextlib.suppress(Exception):
                database.drop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
