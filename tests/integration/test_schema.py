"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hotline import db
from hotline.infra.database import schema_revisions
from hotline.models import Base


def test_the_migrated_schema_matches_the_models(database_url):
    engine = db.create_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
        current, head = schema_revisions(connection)
    engine.dispose()
    assert differences == []
    assert current == head


def test_every_model_table_exists(database_url):
    engine = db.create_engine(database_url)
    tables = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    assert set(Base.metadata.tables) <= tables
    assert {
        "units",
        "categories",
        "legacy_lines",
        "skills",
        "agents",
        "users",
        "calls",
        "kb_articles",
        "work_orders",
        "work_order_events",
    } <= tables


def test_foreign_keys_are_enforced(session):
    from workorders.models import Unit

    session.add(Unit(code="X-ORPHAN", name="orphan", kind="street", parent_code="NOPE"))
    try:
        session.flush()
    except sa.exc.IntegrityError:
        session.rollback()
    else:
        raise AssertionError("a unit with an unknown parent was accepted")


def test_0013_removes_the_seeded_copy_of_the_official_calendar_and_keeps_overrides(
    backend, tmp_path
):
    from datetime import date

    from hotline.infra.database import upgrade
    from tests.conftest import make_database

    url, drop = make_database(backend, "calendar0013", tmp_path)
    try:
        upgrade(url, "0012")
        engine = db.create_engine(url)
        days = sa.table(
            "calendar_days",
            sa.column("day", sa.Date()),
            sa.column("working", sa.Boolean()),
            sa.column("note", sa.String()),
        )
        with engine.begin() as connection:
            connection.execute(
                days.insert(),
                [
                    # As the old reference data seeded them.
                    {"day": date(2026, 10, 10), "working": True, "note": "国庆节调休上班"},
                    {
                        "day": date(2027, 10, 1),
                        "working": False,
                        "note": "国庆节（暂定：仅法定假日，以国务院公布的安排为准）",
                    },
                    # An admin's: a typhoon day, and a seeded day whose note was changed.
                    {"day": date(2026, 7, 20), "working": False, "note": "台风停工"},
                    {"day": date(2026, 10, 1), "working": False, "note": "国庆节（本市）"},
                ],
            )
        upgrade(url)
        with engine.connect() as connection:
            left = connection.execute(sa.select(days.c.day).order_by(days.c.day)).scalars()
            assert list(left) == [date(2026, 7, 20), date(2026, 10, 1)]
            columns = {c["name"] for c in sa.inspect(connection).get_columns("work_orders")}
            assert "deadline_provisional_year" in columns
        engine.dispose()
    finally:
        drop()
