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
