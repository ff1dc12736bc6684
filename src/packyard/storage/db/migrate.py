"""Alembic, driven from code: `packyard db upgrade` and server start both call `upgrade`,
one at a time on PostgreSQL (an advisory lock, taken in migrations/env.py)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The advisory lock an upgrade holds on PostgreSQL, one upgrade at a time ("PYMI"; GC's is
# "PYGC", in the same one-key space).
MIGRATION_LOCK_KEY = 0x50594D49


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
