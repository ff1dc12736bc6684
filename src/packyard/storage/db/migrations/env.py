"""Alembic environment: the engine comes from `config.attributes`, never from an ini file."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from packyard.storage.db.migrate import MIGRATION_LOCK_KEY
from packyard.storage.db.tables import metadata

MIGRATION_LOCK = text("SELECT pg_advisory_xact_lock(:key)")

engine = context.config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Processes starting together on one database (`packyard serve` upgrades on
            # start) would each find the schema old and run the same DDL: the second fails
            # on "already exists", or worse between two revisions. Every migration runs in
            # this one transaction, so its lock is held until the schema is committed; the
            # next upgrade then reads the new revision (READ COMMITTED) and has nothing to do.
            connection.execute(MIGRATION_LOCK, {"key": MIGRATION_LOCK_KEY})
        context.run_migrations()
    connection.commit()
