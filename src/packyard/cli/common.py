"""What the `packyard` commands share: settings, the migrated store, the blob store, and
the one-line failure."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import click

from packyard.config import DEFAULT_HOST, DEFAULT_PORT, Settings, settings_from_env
from packyard.core.ports import BlobError, BlobStore
from packyard.domain.errors import DomainError

DATA_DIR_HELP = "Data directory (SQLite database and blobs). Env: PACKYARD_DATA_DIR."


def now() -> datetime:
    return datetime.now(UTC)


def cli_settings(
    data_dir: Path | None, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT
) -> Settings:
    try:
        return settings_from_env(data_dir=data_dir, host=host, port=port)
    except ValueError as error:  # a malformed setting: one line, not a traceback
        raise click.ClickException(str(error)) from None


def cli_blob_store(settings: Settings, store: Any = None) -> BlobStore:
    """The blob store the settings name; a bucket that cannot be reached is one line."""
    from packyard.server import blob_store

    try:
        return blob_store(settings, store)
    except BlobError as error:
        raise click.ClickException(str(error)) from None


@contextmanager
def migrated_store(settings: Settings) -> Iterator[Any]:
    """The migrated store, its connections closed when the command is done."""
    from packyard.server import build_store
    from packyard.storage.db.engine import make_engine
    from packyard.storage.db.migrate import upgrade

    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    try:
        upgrade(engine)
        yield build_store(engine)
    finally:
        engine.dispose()


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


data_dir_option = click.option(
    "--data-dir", type=click.Path(path_type=Path), default=None, help=DATA_DIR_HELP
)


@contextmanager
def admin_store(data_dir: Path | None) -> Iterator[Any]:
    """The migrated store for one account or token command; a rule the command breaks (a
    taken login, an unknown user) ends it in one line, not a traceback."""
    try:
        with migrated_store(cli_settings(data_dir)) as store:
            yield store
    except DomainError as error:
        fail(error.message)
