"""The migrations build exactly the schema the code declares, on either engine."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from packyard.storage.db.migrate import current_revision
from packyard.storage.db.tables import metadata


def test_migrations_match_the_tables(engine: Engine) -> None:
    assert current_revision(engine) is not None
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
